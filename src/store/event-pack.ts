// One batch's log events packed: their row values, as rows.ts stores them, in one buffer.
// It crosses to the write worker (batch-sink.ts) as a transfer instead of a structured clone
// of 20,000 objects (which cost more than the rows' own INSERTs), and a file store keeps it
// beside the rows (event_packs, schema 4), so `explain --db` reads the events near a spike as
// a few BLOBs instead of 13 values per row (better-sqlite3: ~3 µs an event). The rows stay
// the truth; a pack goes when its input's rows are cut (docs/store.md).
// Layout as flow-pack.ts: u32 header length, JSON header (count, time span, the distinct short
// strings), padding to 8, Float64 columns, Int32 columns, UTF-8 text (fields JSON, message,
// raw, joined; cut by UTF-16 lengths).
import type { FieldValue, LogEvent, Micros } from '../event.js';
import { eventRowValues, type EventRowValues } from './rows.js';
import { pad8, stringCodes } from './pack-strings.js';

interface Header {
  n: number;
  /** The earliest and latest event time in the pack. */
  minTs: Micros;
  maxTs: Micros;
  strings: string[];
}

/** id, ts, pid (NaN: none), line, msg_at (NaN: none). */
const F64 = 5;
/** service, action, host, program (string codes, -1: none); lengths of fields, message, raw (-1: none). */
const I32 = 7;

export function encodeEventPack(rows: { id: number; line: number; event: LogEvent }[]): Uint8Array {
  const n = rows.length;
  const { strings, code } = stringCodes();
  const f64 = new Float64Array(F64 * n);
  const i32 = new Int32Array(I32 * n);
  const text: string[] = [];
  let minTs = Infinity;
  let maxTs = -Infinity;
  const len = (s: string | null): number => {
    if (s === null) return -1;
    text.push(s);
    return s.length;
  };
  for (let k = 0; k < n; k++) {
    const v = eventRowValues(rows[k].event);
    f64[k] = rows[k].id;
    f64[n + k] = v.ts;
    if (v.ts < minTs) minTs = v.ts;
    if (v.ts > maxTs) maxTs = v.ts;
    f64[2 * n + k] = v.pid ?? NaN;
    f64[3 * n + k] = rows[k].line;
    f64[4 * n + k] = v.msgAt ?? NaN;
    i32[k] = code(v.service);
    i32[n + k] = code(v.action);
    i32[2 * n + k] = code(v.host);
    i32[3 * n + k] = code(v.program);
    i32[4 * n + k] = len(v.fields);
    i32[5 * n + k] = len(v.message);
    i32[6 * n + k] = len(v.raw);
  }
  const body = Buffer.from(text.join(''), 'utf8');
  const header = Buffer.from(JSON.stringify({ n, minTs, maxTs, strings } satisfies Header), 'utf8');
  const at64 = pad8(4 + header.length);
  const out = new Uint8Array(at64 + f64.byteLength + i32.byteLength + body.length);
  const view = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  view.writeUInt32LE(header.length, 0);
  header.copy(view, 4);
  out.set(new Uint8Array(f64.buffer), at64);
  out.set(new Uint8Array(i32.buffer), at64 + f64.byteLength);
  out.set(body, at64 + f64.byteLength + i32.byteLength);
  return out;
}

interface Columns {
  h: Header;
  f64: Float64Array;
  i32: Int32Array;
  text: string;
}

/** The pack's bytes, its header, and where its Float64 columns start. */
function headerOf(pack: Uint8Array): { buf: Buffer; h: Header; at64: number } {
  const buf = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  const headerLen = buf.readUInt32LE(0);
  const h = JSON.parse(buf.toString('utf8', 4, 4 + headerLen)) as Header;
  return { buf, h, at64: pad8(4 + headerLen) };
}

function columnsOf(pack: Uint8Array): Columns {
  const { buf, h, at64 } = headerOf(pack);
  const n = h.n;
  // Copied out: a BLOB's bytes need not be 8-aligned for a Float64Array view.
  const f64 = new Float64Array(F64 * n);
  new Uint8Array(f64.buffer).set(buf.subarray(at64, at64 + f64.byteLength));
  const i32 = new Int32Array(I32 * n);
  new Uint8Array(i32.buffer).set(buf.subarray(at64 + f64.byteLength, at64 + f64.byteLength + i32.byteLength));
  const text = buf.toString('utf8', at64 + f64.byteLength + i32.byteLength);
  return { h, f64, i32, text };
}

/** A pack's event count, first row id and earliest and latest event time, without decoding it. */
export function eventPackSpan(pack: Uint8Array): { count: number; firstId: number; minTs: Micros; maxTs: Micros } {
  const { buf, h, at64 } = headerOf(pack);
  // The id column comes first.
  return { count: h.n, firstId: h.n > 0 ? buf.readDoubleLE(at64) : -1, minTs: h.minTs, maxTs: h.maxTs };
}

/** Calls `row` with each event's id, line and row values, in order. */
export function decodeEventPack(pack: Uint8Array, row: (id: number, line: number, v: EventRowValues) => void): void {
  const { h, f64, i32, text } = columnsOf(pack);
  const n = h.n;
  const str = (c: number): string | null => (c < 0 ? null : h.strings[c]);
  let t = 0;
  const cut = (l: number): string | null => {
    if (l < 0) return null;
    const s = text.slice(t, t + l);
    t += l;
    return s;
  };
  for (let k = 0; k < n; k++) {
    const pid = f64[2 * n + k];
    const msgAt = f64[4 * n + k];
    const fields = cut(i32[4 * n + k]);
    const message = cut(i32[5 * n + k]);
    const raw = cut(i32[6 * n + k])!;
    row(f64[k], f64[3 * n + k], {
      ts: f64[n + k],
      service: str(i32[k])!,
      action: str(i32[n + k]),
      host: str(i32[2 * n + k]),
      program: str(i32[3 * n + k]),
      pid: Number.isNaN(pid) ? null : pid,
      fields,
      message,
      msgAt: Number.isNaN(msgAt) ? null : msgAt,
      raw,
    });
  }
}

/**
 * The pack's events stamped in [from, to], as eventFromRow gives them (absent fields absent),
 * `file` as their origin, pushed onto `out` in pack order with their row ids onto `ids`.
 * Events outside the window are stepped over without building them.
 */
export function decodeEventPackEvents(pack: Uint8Array, file: string, from: Micros, to: Micros, ids: number[], out: LogEvent[]): void {
  const { h, f64, i32, text } = columnsOf(pack);
  const n = h.n;
  const strings = h.strings;
  let t = 0;
  for (let k = 0; k < n; k++) {
    const fieldsLen = i32[4 * n + k];
    const messageLen = i32[5 * n + k];
    const rawLen = i32[6 * n + k];
    const start = t;
    t += (fieldsLen < 0 ? 0 : fieldsLen) + (messageLen < 0 ? 0 : messageLen) + rawLen;
    const ts = f64[n + k];
    if (ts < from || ts > to) continue;
    let at = start;
    const fields = fieldsLen < 0 ? {} : (JSON.parse(text.slice(at, (at += fieldsLen))) as Record<string, FieldValue>);
    const message = messageLen < 0 ? undefined : text.slice(at, (at += messageLen));
    const raw = text.slice(at, at + rawLen);
    const event: LogEvent = {
      kind: 'log',
      ts,
      service: strings[i32[k]],
      fields,
      message: message ?? raw.slice(f64[4 * n + k]),
      origin: { file, line: f64[3 * n + k], raw },
    };
    const action = i32[n + k];
    if (action >= 0) event.action = strings[action];
    const host = i32[2 * n + k];
    if (host >= 0) event.host = strings[host];
    const program = i32[3 * n + k];
    if (program >= 0) event.program = strings[program];
    const pid = f64[2 * n + k];
    if (!Number.isNaN(pid)) event.pid = pid;
    ids.push(f64[k]);
    out.push(event);
  }
}
