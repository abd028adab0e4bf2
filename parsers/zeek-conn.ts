// Zeek (and Bro 2.x) conn.log, in the ASCII writer's TSV form and as JSON lines.
// Fields are found by name from `#fields` (TSV) or the object keys (JSON), so old Bro logs
// with fewer columns and new Zeek logs with more (ip_proto, community_id) both work.
import type { FlowRecord, ParseIssue, ParseItem } from '../src/event.js';
import { MICROS_PER_SECOND, wallClockToMicros, type TimeContext } from '../src/time.js';
import type { InputFile, Parser, TimeCompleteness } from './parser.js';
import { protoFromText } from './port-names.js';

/** A field as read: text from TSV, typed from JSON; undefined when unset or absent. */
type Raw = string | number | boolean | undefined;

export interface ZeekConnResult {
  flow?: FlowRecord;
  reason?: string;
  /** The *_ip_bytes were unset or missing, so `bytes` counts payload only. */
  payloadOnly?: boolean;
}

/** `\x09` -> tab: the ASCII writer escapes the separator it declares. */
function unescapeZeek(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Decimal seconds as text -> microseconds, exactly (no float rounding of the fraction). */
function secondsTextToMicros(text: string): number | undefined {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!m) return undefined;
  const frac = (m[2] ?? '').padEnd(6, '0');
  // Zeek prints at most microseconds; a longer fraction (JSON doubles) is rounded.
  const micro = frac.length > 6 ? Math.round(Number(`0.${frac}`) * MICROS_PER_SECOND) : Number(frac);
  return Number(m[1]) * MICROS_PER_SECOND + micro;
}

function secondsToMicros(v: Raw): number | undefined {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return undefined;
    const text = String(v);
    return /e/i.test(text) ? Math.round(v * MICROS_PER_SECOND) : secondsTextToMicros(text);
  }
  return typeof v === 'string' ? secondsTextToMicros(v) : undefined;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Zeek's JSON writer with `JSON::TS_ISO8601` prints `2020-08-16T06:26:03.774520Z`. */
function isoToMicros(text: string): number | undefined {
  const m = ISO_RE.exec(text);
  if (!m) return undefined;
  const micro = m[7] ? Math.min(Math.round(Number(`0.${m[7]}`) * MICROS_PER_SECOND), 999_999) : 0;
  let us: number;
  try {
    us = wallClockToMicros(
      { year: +m[1], month: +m[2], day: +m[3], hour: +m[4], minute: +m[5], second: +m[6], micro },
      'UTC',
    );
  } catch {
    return undefined;
  }
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    us -= sign * minutes * 60 * MICROS_PER_SECOND;
  }
  return us;
}

function tsToMicros(v: Raw): number | undefined {
  if (typeof v === 'string' && !/^\d+(\.\d*)?$/.test(v)) return isoToMicros(v);
  return secondsToMicros(v);
}

/** A count field: undefined when unset, null when present but not a count. */
function count(v: Raw): number | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return null;
}

/**
 * One conn record -> a FlowRecord. `get` returns a field by its Zeek name (`id.orig_h`), with
 * unset fields already turned into undefined. Exported for tests.
 */
export function zeekConnRecord(get: (name: string) => Raw, file: string, line: number, raw: string): ZeekConnResult {
  const tsRaw = get('ts');
  if (tsRaw === undefined) return { reason: 'no ts' };
  const start = tsToMicros(tsRaw);
  if (start === undefined) return { reason: `bad ts '${String(tsRaw)}'` };

  const src = get('id.orig_h');
  const dst = get('id.resp_h');
  if (typeof src !== 'string' || src === '' || typeof dst !== 'string' || dst === '') {
    return { reason: 'no id.orig_h/id.resp_h' };
  }

  let proto: number | undefined;
  const ipProto = count(get('ip_proto'));
  if (ipProto === null) return { reason: `bad ip_proto '${String(get('ip_proto'))}'` };
  if (ipProto !== undefined) proto = ipProto;
  else {
    const p = get('proto');
    proto = typeof p === 'string' ? protoFromText(p) : undefined;
    // 'unknown_transport' without ip_proto (Zeek before 5.1): no number to give it.
    if (proto === undefined) return { reason: `unknown protocol '${String(p)}'` };
  }

  const durRaw = get('duration');
  let end = start;
  if (durRaw !== undefined) {
    const d = secondsToMicros(durRaw);
    if (d === undefined) return { reason: `bad duration '${String(durRaw)}'` };
    end = start + d;
  }

  const counts: Record<string, number | undefined> = {};
  for (const name of ['id.orig_p', 'id.resp_p', 'orig_bytes', 'resp_bytes', 'orig_pkts', 'resp_pkts', 'orig_ip_bytes', 'resp_ip_bytes']) {
    const v = count(get(name));
    if (v === null) return { reason: `bad number in ${name} '${String(get(name))}'` };
    counts[name] = v;
  }

  const origPkts = counts.orig_pkts;
  const respPkts = counts.resp_pkts;
  const ipBytes = counts.orig_ip_bytes !== undefined && counts.resp_ip_bytes !== undefined;
  // Bro before 2.0 (and some converted logs) has no *_ip_bytes: payload is all there is.
  const srcBytes = ipBytes ? counts.orig_ip_bytes : counts.orig_bytes;
  const dstBytes = ipBytes ? counts.resp_ip_bytes : counts.resp_bytes;
  const state = get('conn_state');
  const uid = get('uid');
  const sport = counts['id.orig_p'] ?? null;
  const dport = counts['id.resp_p'] ?? null;

  const flow: FlowRecord = {
    kind: 'flow',
    // The uid is Zeek's own stable key: ftp.log, http.log ... name the connection by it.
    flowId: typeof uid === 'string' && uid !== '' ? `zeek:${uid}` : `${proto}:${src}:${sport ?? ''}-${dst}:${dport ?? ''}@${start}`,
    start,
    end,
    proto,
    src,
    sport,
    dst,
    dport,
    state: typeof state === 'string' && state !== '' ? state : undefined,
    pkts: (origPkts ?? 0) + (respPkts ?? 0),
    bytes: (srcBytes ?? 0) + (dstBytes ?? 0),
    byteBasis: ipBytes ? 'ip' : 'payload',
    srcPkts: origPkts,
    dstPkts: respPkts,
    srcBytes,
    dstBytes,
    srcPayload: counts.orig_bytes,
    dstPayload: counts.resp_bytes,
    origin: { file, line, raw },
    records: 1,
  };
  return { flow, payloadOnly: !ipBytes };
}

interface TsvHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path?: string;
  fields?: string[];
  index?: Map<string, number>;
}

function freshHeader(): TsvHeader {
  return { separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-' };
}

/** Fields only conn.log has: ftp.log, smtp.log ... share the id.* columns but not these. */
const CONN_KEYS = ['conn_state', 'orig_bytes', 'resp_bytes', 'orig_pkts'];

function looksLikeConnFields(fields: string[]): boolean {
  return fields.includes('id.orig_h') && CONN_KEYS.some((k) => fields.includes(k));
}

/** Reads one `#` header line into the header; lines it does not need are ignored. */
function readHeaderLine(h: TsvHeader, line: string): void {
  // `#separator` is the one line written with a space: its value is what the others use.
  const sep = /^#separator[ \t](.*)$/.exec(line);
  if (sep) {
    h.separator = unescapeZeek(sep[1]);
    return;
  }
  const parts = line.split(h.separator);
  const key = parts[0];
  const value = parts.slice(1);
  switch (key) {
    case '#set_separator':
      h.setSeparator = unescapeZeek(value[0] ?? ',');
      break;
    case '#empty_field':
      h.emptyField = unescapeZeek(value[0] ?? '(empty)');
      break;
    case '#unset_field':
      h.unsetField = unescapeZeek(value[0] ?? '-');
      break;
    case '#path':
      h.path = value[0];
      break;
    case '#fields':
      h.fields = value;
      h.index = new Map(value.map((f, i) => [f, i]));
      break;
    default:
      break; // #open, #close, #types: nothing to keep
  }
}

async function* parseZeekConn(input: InputFile, _time: TimeContext): AsyncIterable<ParseItem> {
  let header = freshHeader();
  let inHeader = false;
  let lineNo = 0;
  let payloadOnly = 0;
  const skippedPaths = new Map<string, number>();
  const issue = (reason: string): ParseIssue => ({ kind: 'issue', file: input.path, line: lineNo, reason });
  const skip = (path: string) => skippedPaths.set(path, (skippedPaths.get(path) ?? 0) + 1);

  for await (const line of input.lines()) {
    lineNo++;
    if (line.trim() === '') continue;

    if (line.startsWith('{')) {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        yield issue(`bad JSON: ${(e as Error).message}`);
        continue;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        yield issue('JSON line is not an object');
        continue;
      }
      const o = obj as Record<string, unknown>;
      const path = typeof o._path === 'string' ? o._path : undefined;
      // Cluster/Corelight streams mix every log in one file, each object naming its `_path`.
      if (path !== undefined && path !== 'conn') {
        skip(path);
        continue;
      }
      if (path === undefined && !('conn_state' in o) && !('proto' in o)) {
        skip('(not conn)');
        continue;
      }
      const get = (name: string): Raw => {
        let v: unknown = o[name];
        // Some shippers nest the 4-tuple: {"id": {"orig_h": ...}}.
        if (v === undefined && name.startsWith('id.') && typeof o.id === 'object' && o.id !== null) {
          v = (o.id as Record<string, unknown>)[name.slice(3)];
        }
        if (v === null || v === undefined) return undefined;
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
        return JSON.stringify(v);
      };
      const res = zeekConnRecord(get, input.path, lineNo, line);
      if (!res.flow) {
        yield issue(res.reason!);
        continue;
      }
      if (res.payloadOnly) payloadOnly++;
      yield res.flow;
      continue;
    }

    if (line.startsWith('#')) {
      // A new header block (logs concatenated, or rotated and appended) starts afresh.
      if (!inHeader) {
        header = freshHeader();
        inHeader = true;
      }
      readHeaderLine(header, line);
      continue;
    }
    inHeader = false;

    if (!header.fields || !header.index) {
      yield issue('data before the #fields header line');
      continue;
    }
    if (header.path !== undefined && header.path !== 'conn') {
      skip(header.path);
      continue;
    }
    const cells = line.split(header.separator);
    if (cells.length !== header.fields.length) {
      yield issue(`expected ${header.fields.length} fields, found ${cells.length}`);
      continue;
    }
    const h = header;
    const get = (name: string): Raw => {
      const i = h.index!.get(name);
      if (i === undefined) return undefined;
      const v = cells[i];
      if (v === h.unsetField) return undefined;
      if (v === h.emptyField) return '';
      return v;
    };
    const res = zeekConnRecord(get, input.path, lineNo, line);
    if (!res.flow) {
      yield issue(res.reason!);
      continue;
    }
    if (res.payloadOnly) payloadOnly++;
    yield res.flow;
  }

  if (payloadOnly > 0) {
    yield {
      kind: 'note',
      file: input.path,
      message: `${payloadOnly} conn records have no orig_ip_bytes/resp_ip_bytes (old Bro): their bytes are payload bytes only, without IP/TCP headers`,
    };
  }
  for (const [path, n] of skippedPaths) {
    yield { kind: 'note', file: input.path, message: `skipped ${n} records that are not conn records (${path})` };
  }
}

function firstJsonObject(headLines: string[]): Record<string, unknown> | undefined {
  for (const line of headLines) {
    if (!line.startsWith('{')) continue;
    try {
      const o: unknown = JSON.parse(line);
      return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function detectZeekConn(_head: Buffer, headLines: string[]): number {
  const header = freshHeader();
  let sawHeader = false;
  for (const line of headLines.slice(0, 20)) {
    if (!line.startsWith('#')) break;
    sawHeader = true;
    readHeaderLine(header, line);
  }
  if (sawHeader) {
    if (header.path !== undefined) return header.path === 'conn' ? 0.95 : 0;
    return header.fields && looksLikeConnFields(header.fields) ? 0.95 : 0;
  }
  const first = firstJsonObject(headLines);
  if (!first) return 0;
  const isConn = (o: Record<string, unknown>) =>
    (o._path === undefined || o._path === 'conn') && 'id.orig_h' in o && ('conn_state' in o || 'orig_bytes' in o);
  if (isConn(first)) return 0.95;
  // A mixed cluster stream whose first object is another log: claim it weakly, so that a
  // parser for that first log's kind wins if there is one.
  for (const line of headLines) {
    if (!line.startsWith('{') || !line.includes('"_path":"conn"')) continue;
    try {
      const o: unknown = JSON.parse(line);
      if (typeof o === 'object' && o !== null && isConn(o as Record<string, unknown>)) return 0.6;
    } catch {
      // a cut line: ignore
    }
  }
  return 0;
}

export const zeekConn: Parser = {
  name: 'zeek-conn',
  description: 'Zeek/Bro conn.log, TSV (#fields header) or JSON lines',
  produces: 'flows',
  samples: [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
    '1329843175.736107\tClEkJM2Vm5giqnMf4h\t141.142.220.235\t37604\t199.233.217.249\t56666\ttcp\tftp-data\t0.112432\t0\t342\tSF\t-\t-\t0\tShAdfFa\t4\t216\t4\t562\t-',
  ],
  detect: detectZeekConn,
  timeCompleteness(): TimeCompleteness {
    return 'full'; // ts is epoch seconds (or ISO with Z): UTC
  },
  parse: parseZeekConn,
};
