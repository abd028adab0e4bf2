// A packed copy of one batch's flows, written beside their rows in the same transaction, so
// that loading every flow (what `explain --db` does first) is a few BLOB reads and typed-array
// walks instead of 26 values read one by one per row (better-sqlite3: ~0.2 µs a value, and
// as much again for the collector to trace the row arrays; BENCHMARKS.md (g)). The rows stay
// the truth (the views and `query` read them); a pack is dropped when its input's rows are
// (docs/store.md, "What `explain --db` reads").
//
// Layout: u32 header length, the header (JSON: count, part count, text bytes, the distinct
// short strings), padding to 8, then Float64 columns, Int32 columns, and the UTF-8 text of the
// flow ids and raw lines joined, cut by their UTF-16 lengths.
import type { FlowPart, FlowRecord } from '../event.js';
import { pad8, stringCodes } from './pack-strings.js';

const F64 = ['id', 'start', 'end', 'pkts', 'bytes', 'srcPkts', 'dstPkts', 'srcBytes', 'dstBytes', 'srcPayload', 'dstPayload'] as const;
const I32 = ['line', 'proto', 'sport', 'dport', 'records', 'partCount', 'src', 'dst', 'dir', 'state', 'flags', 'byteBasis', 'flowIdLen', 'rawLen'] as const;
/** Parts: start, end, pkts, bytes each. */
const PART_F64 = 4;

interface Header {
  n: number;
  parts: number;
  textBytes: number;
  strings: string[];
}

/** Builds one batch's pack as its flows are written. */
export class FlowPackBuilder {
  private ids: number[] = [];
  private lines: number[] = [];
  private flows: FlowRecord[] = [];

  get size(): number {
    return this.flows.length;
  }

  get firstId(): number {
    return this.ids[0];
  }

  add(id: number, line: number, flow: FlowRecord): void {
    this.ids.push(id);
    this.lines.push(line);
    this.flows.push(flow);
  }

  /** The pack of what was added, and a fresh start. */
  take(): Buffer {
    const out = encodeFlowPack(this.ids, this.lines, this.flows);
    this.ids = [];
    this.lines = [];
    this.flows = [];
    return out;
  }
}

export function encodeFlowPack(ids: number[], lines: number[], flows: FlowRecord[]): Buffer {
  const n = flows.length;
  const { strings, code } = stringCodes();
  let parts = 0;
  for (const f of flows) parts += f.parts?.length ?? 0;
  const f64 = new Float64Array(F64.length * n + PART_F64 * parts);
  const i32 = new Int32Array(I32.length * n);
  const text: string[] = [];
  const num = (v: number | undefined): number => (v === undefined ? NaN : v);
  let p = F64.length * n;
  for (let k = 0; k < n; k++) {
    const f = flows[k];
    f64[k] = ids[k];
    f64[n + k] = f.start;
    f64[2 * n + k] = f.end;
    f64[3 * n + k] = f.pkts;
    f64[4 * n + k] = f.bytes;
    f64[5 * n + k] = num(f.srcPkts);
    f64[6 * n + k] = num(f.dstPkts);
    f64[7 * n + k] = num(f.srcBytes);
    f64[8 * n + k] = num(f.dstBytes);
    f64[9 * n + k] = num(f.srcPayload);
    f64[10 * n + k] = num(f.dstPayload);
    i32[k] = lines[k];
    i32[n + k] = f.proto;
    i32[2 * n + k] = f.sport ?? -1;
    i32[3 * n + k] = f.dport ?? -1;
    i32[4 * n + k] = f.records;
    i32[5 * n + k] = f.parts?.length ?? 0;
    i32[6 * n + k] = code(f.src);
    i32[7 * n + k] = code(f.dst);
    i32[8 * n + k] = code(f.dir);
    i32[9 * n + k] = code(f.state);
    i32[10 * n + k] = code(f.flags);
    i32[11 * n + k] = code(f.byteBasis);
    i32[12 * n + k] = f.flowId.length;
    i32[13 * n + k] = f.origin.raw.length;
    text.push(f.flowId, f.origin.raw);
    for (const part of f.parts ?? []) {
      f64[p++] = part.start;
      f64[p++] = part.end;
      f64[p++] = part.pkts;
      f64[p++] = part.bytes;
    }
  }
  const body = Buffer.from(text.join(''), 'utf8');
  const header = Buffer.from(JSON.stringify({ n, parts, textBytes: body.length, strings } satisfies Header), 'utf8');
  const at64 = pad8(4 + header.length);
  const out = Buffer.alloc(at64 + f64.byteLength + i32.byteLength + body.length);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  Buffer.from(f64.buffer, f64.byteOffset, f64.byteLength).copy(out, at64);
  Buffer.from(i32.buffer, i32.byteOffset, i32.byteLength).copy(out, at64 + f64.byteLength);
  body.copy(out, at64 + f64.byteLength + i32.byteLength);
  return out;
}

/** A pack's flows with their row ids, as flowFromRow gives them (absent fields absent), `file` as their origin. */
export function decodeFlowPack(pack: Uint8Array, file: string, ids: number[], out: FlowRecord[], strings: Map<string, string>): void {
  const buf = Buffer.from(pack.buffer, pack.byteOffset, pack.byteLength);
  const headerLen = buf.readUInt32LE(0);
  const h = JSON.parse(buf.toString('utf8', 4, 4 + headerLen)) as Header;
  const n = h.n;
  const at64 = pad8(4 + headerLen);
  // Copied out: a BLOB's bytes need not be 8-aligned for a Float64Array view.
  const f64 = new Float64Array(F64.length * n + PART_F64 * h.parts);
  new Uint8Array(f64.buffer).set(buf.subarray(at64, at64 + f64.byteLength));
  const i32 = new Int32Array(I32.length * n);
  new Uint8Array(i32.buffer).set(buf.subarray(at64 + f64.byteLength, at64 + f64.byteLength + i32.byteLength));
  const text = buf.toString('utf8', at64 + f64.byteLength + i32.byteLength);
  // The same string for the same value across packs: a day of flows holds fewer strings.
  const table = h.strings.map((s) => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    strings.set(s, s);
    return s;
  });
  const str = (c: number): string | undefined => (c < 0 ? undefined : table[c]);
  let t = 0;
  let p = F64.length * n;
  for (let k = 0; k < n; k++) {
    const idLen = i32[12 * n + k];
    const rawLen = i32[13 * n + k];
    const flowId = text.slice(t, t + idLen);
    const raw = text.slice(t + idLen, t + idLen + rawLen);
    t += idLen + rawLen;
    const sport = i32[2 * n + k];
    const dport = i32[3 * n + k];
    const flow: FlowRecord = {
      kind: 'flow',
      flowId,
      start: f64[n + k],
      end: f64[2 * n + k],
      proto: i32[n + k],
      src: table[i32[6 * n + k]],
      sport: sport < 0 ? null : sport,
      dst: table[i32[7 * n + k]],
      dport: dport < 0 ? null : dport,
      pkts: f64[3 * n + k],
      bytes: f64[4 * n + k],
      byteBasis: table[i32[11 * n + k]] as FlowRecord['byteBasis'],
      origin: { file, line: i32[k], raw },
      records: i32[4 * n + k],
    };
    const dir = str(i32[8 * n + k]);
    if (dir !== undefined) flow.dir = dir;
    const state = str(i32[9 * n + k]);
    if (state !== undefined) flow.state = state;
    const flags = str(i32[10 * n + k]);
    if (flags !== undefined) flow.flags = flags;
    for (const [col, key] of OPTIONAL_F64) {
      const v = f64[col * n + k];
      if (!Number.isNaN(v)) flow[key] = v;
    }
    const partCount = i32[5 * n + k];
    if (partCount > 0) {
      const list: FlowPart[] = [];
      for (let q = 0; q < partCount; q++, p += PART_F64) list.push({ start: f64[p], end: f64[p + 1], pkts: f64[p + 2], bytes: f64[p + 3] });
      flow.parts = list;
    }
    ids.push(f64[k]);
    out.push(flow);
  }
}

const OPTIONAL_F64: [number, 'srcPkts' | 'dstPkts' | 'srcBytes' | 'dstBytes' | 'srcPayload' | 'dstPayload'][] = [
  [5, 'srcPkts'],
  [6, 'dstPkts'],
  [7, 'srcBytes'],
  [8, 'dstBytes'],
  [9, 'srcPayload'],
  [10, 'dstPayload'],
];
