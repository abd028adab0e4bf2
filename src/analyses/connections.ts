// Flow records merged per connection and ranked, like `racluster | rasort -m bytes`: records
// with the same protocol and endpoints, either way round, become one row, whenever they
// were seen, as racluster merges on the flow key alone: argus status records, a connection
// the capture's idle timeout cut in two (an FTP control connection silent during a long
// transfer comes back as a second, reversed flow), NetFlow's two one-way records, the same
// connection in two consecutive capture files. Counters add up, per direction once the
// records are turned the connection's way round; times span them all; the last record's
// state stands.
import type { FlowPart, FlowRecord } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';

export type SortKey = 'bytes' | 'pkts' | 'rate' | 'duration';
export const SORT_KEYS: SortKey[] = ['bytes', 'pkts', 'rate', 'duration'];

const endKey = (addr: string, port: number | null) => `${addr} ${port ?? ''}`;

/** The same for both directions of a connection. */
function keyOf(f: FlowRecord): string {
  const a = endKey(f.src, f.sport);
  const b = endKey(f.dst, f.dport);
  return a <= b ? `${f.proto} ${a} ${b}` : `${f.proto} ${b} ${a}`;
}

const sumDefined = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined ? undefined : a + b);

/** `r` seen from the other end: what its src sent, the connection's dst sent. */
function reversed(r: FlowRecord): FlowRecord {
  return {
    ...r, src: r.dst, sport: r.dport, dst: r.src, dport: r.sport,
    srcPkts: r.dstPkts, dstPkts: r.srcPkts, srcBytes: r.dstBytes, dstBytes: r.srcBytes, srcPayload: r.dstPayload, dstPayload: r.srcPayload,
  };
}

/** A record's activity as parts: its own, or the whole record as one. */
function partsOf(f: FlowRecord): FlowPart[] {
  return f.parts && f.parts.length > 0 ? f.parts : [{ start: f.start, end: f.end, pkts: f.pkts, bytes: f.bytes }];
}

/**
 * Records of one connection, in start order, as one record. It is turned the way of the
 * first record that knows who started it (argus prints `<?>` when it does not), else of the
 * first record.
 */
export function mergeRecords(records: FlowRecord[]): FlowRecord {
  if (records.length === 1) return records[0];
  const lead = records.find((r) => r.dir !== '<?>') ?? records[0];
  const turned = records.map((r) => (r.src === lead.src && r.sport === lead.sport ? r : reversed(r)));
  const first = turned[0];
  let last = first;
  const merged: FlowRecord = { ...first, src: lead.src, sport: lead.sport, dst: lead.dst, dport: lead.dport, dir: lead.dir, parts: undefined };
  const parts: FlowPart[] = [];
  let count = 0;
  for (const r of turned) {
    if (r !== first) {
      merged.pkts += r.pkts;
      merged.bytes += r.bytes;
      merged.srcPkts = sumDefined(merged.srcPkts, r.srcPkts);
      merged.dstPkts = sumDefined(merged.dstPkts, r.dstPkts);
      merged.srcBytes = sumDefined(merged.srcBytes, r.srcBytes);
      merged.dstBytes = sumDefined(merged.dstBytes, r.dstBytes);
      merged.srcPayload = sumDefined(merged.srcPayload, r.srcPayload);
      merged.dstPayload = sumDefined(merged.dstPayload, r.dstPayload);
      if (r.byteBasis !== merged.byteBasis) merged.byteBasis = 'unknown';
      if (r.start < merged.start) merged.start = r.start;
    }
    if (r.end >= last.end) last = r;
    if (r.end > merged.end) merged.end = r.end;
    parts.push(...partsOf(r));
    count += r.records;
  }
  merged.state = last.state ?? merged.state;
  merged.flags = last.flags ?? merged.flags;
  merged.records = count;
  merged.parts = parts.sort((a, b) => a.start - b.start);
  return merged;
}

// A connection's running totals are one row: numbers in a Float64Array page, and in a
// Uint32Array page its bits, counts, and its strings (state, dir, flags, the input's file name)
// as ids into a table of the distinct ones, which are few. Pages of 4,096 rows grow the table
// without copying it. Most connections of a capture are one record; what only a merge of
// several needs (which record came first, which leads, which is last) goes to a second row,
// made at the second record: 132 bytes a connection, 60 more for one of several records.
// IPv4 keys are packed into the row itself (two numbers) and found through an open-addressing
// table of row numbers; other keys (IPv6) are strings in a Map. Measured on
// bench/gen-capture.mjs's captures: a record object per connection cost ~1.2 KB of heap (64.7
// MiB for 47,277 connections); string keys ~100 bytes, live all run, and the collector lets the
// heap grow in proportion to what is live (at 10M packets, 439,035 connections: 47 MiB live, a
// 219 MiB heap; with packed keys 5 MiB).
const START = 0, END = 1, PKTS = 2, BYTES = 3, LO_PKTS = 4, HI_PKTS = 5, LO_BYTES = 6, HI_BYTES = 7, LO_PAYLOAD = 8, HI_PAYLOAD = 9;
// A packed key: each end as address * 2^17 + port (2^16 for no port), lo end first.
const LO_END = 10, HI_END = 11;
const STRIDE = 12;
// The Uint32 row: bits, label ids of the first record, the protocol, counts, the second row (+1; 0 none).
const BITS = 0, FIRST_FILE = 1, FIRST_DIR = 2, FIRST_STATE = 3, FIRST_FLAGS = 4, PROTO = 5, RECORDS = 6, FIRST_LINE = 7, MULTI = 8;
const LABEL_STRIDE = 9;
// The second row, for connections of several records.
const FIRST_START = 0, FIRST_END = 1, LEAD_START = 2, LEAD_END = 3, LAST_START = 4, LAST_END = 5;
const MULTI_STRIDE = 6;
const ADDED = 0, LEAD_DIR = 1, LAST_STATE = 2, LAST_FLAGS = 3;
const MULTI_LABEL_STRIDE = 4;
const PAGE_BITS = 12;
const PAGE_ROWS = 1 << PAGE_BITS;
const FIRST_FROM_LO = 1, LEAD_FROM_LO = 2, BASIS_SHIFT = 2, PACKED = 16, HAS_LEAD = 32;
const PORT_SPAN = 131072;
const NO_PORT = 65536;
const BASES: FlowRecord['byteBasis'][] = ['link', 'ip', 'payload', 'unknown'];
const basisCode = (b: FlowRecord['byteBasis']): number => BASES.indexOf(b);

/** Counters a record may lack are NaN in a row ("unknown"), which sums keep, as sumDefined's undefined. */
const known = (n: number | undefined): number => (n === undefined ? NaN : n);
const unknownAsUndefined = (n: number): number | undefined => (Number.isNaN(n) ? undefined : n);

/** `endKey`'s port back: '' is no port. */
const portOf = (text: string): number | null => (text === '' ? null : Number(text));

/**
 * A dotted quad as a 32-bit number; -1 for anything else (IPv6, or a form such as leading
 * zeros that would not print back the same, which then keeps a string key).
 */
function ipv4Number(s: string): number {
  const n = s.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/** One end of a packed key, or -1 when it cannot be packed. */
function packedEnd(addr: string, port: number | null): number {
  const a = ipv4Number(addr);
  if (a < 0) return -1;
  if (port === null) return a * PORT_SPAN + NO_PORT;
  if (!(Number.isInteger(port) && port >= 0 && port < NO_PORT)) return -1;
  return a * PORT_SPAN + port;
}

const ipv4Text = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

function packedHash(proto: number, lo: number, hi: number): number {
  let h = Math.imul((lo | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(lo / 4294967296);
  h = Math.imul(h ^ (hi | 0) ^ (h >>> 13), 0xc2b2ae35) ^ Math.floor(hi / 4294967296);
  h = Math.imul(h ^ proto ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * Merges flow records per connection as they stream in, keeping running totals per connection
 * (a row of numbers and a key), never the records or their parts: memory grows with
 * connections, not with records or packets. Order of arrival is free; a connection's record is
 * mergeRecords' on the same records, with two things not kept: the parts, and the first
 * record's raw text (its file and line are). Its flowId is `proto:src:sport-dst:dport@start`
 * of the first record, the pcap and argus parsers' own form.
 *
 * Counters are summed per canonical end (`lo`, the end whose key sorts first), since which end
 * leads can change as records arrive: the lead (the first record in start order that knows who
 * started it, argus's dir not `<?>`), the first record and the last one are tracked by their
 * times, and the sums are turned the lead's way round at the end.
 */
export class ConnectionTable {
  /** Rows of string keys, and each such row's key. */
  private readonly index = new Map<string, number>();
  private readonly keys = new Map<number, string>();
  /** Rows of packed keys: row + 1 per slot, 0 empty; linear probing, kept under half full. */
  private slots = new Int32Array(1 << 16);
  private packedRows = 0;
  private rows = 0;
  private numPages: Float64Array[] = [];
  private labelPages: Uint32Array[] = [];
  private multiRows = 0;
  private multiNumPages: Float64Array[] = [];
  private multiLabelPages: Uint32Array[] = [];
  /** The distinct strings rows name, and their ids (0 is undefined). */
  private labels: (string | undefined)[] = [undefined];
  private labelIds = new Map<string, number>();
  records = 0;

  get size(): number {
    return this.rows;
  }

  /** Bytes the rows take (typed-array pages): follows connections, not records. */
  get rowBytes(): number {
    return this.numPages.length * PAGE_ROWS * (STRIDE * 8 + LABEL_STRIDE * 4) + this.multiNumPages.length * PAGE_ROWS * (MULTI_STRIDE * 8 + MULTI_LABEL_STRIDE * 4) + this.slots.byteLength;
  }

  add(f: FlowRecord): void {
    this.records++;
    const pa = packedEnd(f.src, f.sport);
    const pb = pa < 0 ? -1 : packedEnd(f.dst, f.dport);
    if (pb >= 0 && Number.isInteger(f.proto) && f.proto >= 0 && f.proto <= 255) {
      const fromLo = pa <= pb;
      const lo = fromLo ? pa : pb;
      const hi = fromLo ? pb : pa;
      const mask = this.slots.length - 1;
      let s = packedHash(f.proto, lo, hi) & mask;
      // Bounded: the table is kept under half full, so an empty slot comes.
      for (;;) {
        const r = this.slots[s] - 1;
        if (r < 0) break;
        const n = this.numPages[r >>> PAGE_BITS];
        const o = (r & (PAGE_ROWS - 1)) * STRIDE;
        if (n[o + LO_END] === lo && n[o + HI_END] === hi && this.labelPages[r >>> PAGE_BITS][(r & (PAGE_ROWS - 1)) * LABEL_STRIDE + PROTO] === f.proto) {
          this.merge(r, f, fromLo);
          return;
        }
        s = (s + 1) & mask;
      }
      const i = this.open(f, fromLo);
      this.numPages[i >>> PAGE_BITS][(i & (PAGE_ROWS - 1)) * STRIDE + LO_END] = lo;
      this.numPages[i >>> PAGE_BITS][(i & (PAGE_ROWS - 1)) * STRIDE + HI_END] = hi;
      this.labelPages[i >>> PAGE_BITS][(i & (PAGE_ROWS - 1)) * LABEL_STRIDE + BITS] |= PACKED;
      this.slots[s] = i + 1;
      if (++this.packedRows * 2 > this.slots.length) this.growSlots();
      return;
    }
    const a = endKey(f.src, f.sport);
    const b = endKey(f.dst, f.dport);
    const fromLo = a <= b;
    // join makes a flat string; a template literal makes a rope that keeps its pieces, 217
    // bytes of heap per key against 94 (measured, 200,000 IPv4 keys in a Map).
    const k = (fromLo ? [f.proto, a, b] : [f.proto, b, a]).join(' ');
    const i = this.index.get(k);
    if (i !== undefined) {
      this.merge(i, f, fromLo);
      return;
    }
    const row = this.open(f, fromLo);
    this.index.set(k, row);
    this.keys.set(row, k);
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let r = 0; r < this.rows; r++) {
      const l = this.labelPages[r >>> PAGE_BITS];
      const q = (r & (PAGE_ROWS - 1)) * LABEL_STRIDE;
      if (!(l[q + BITS] & PACKED)) continue;
      const n = this.numPages[r >>> PAGE_BITS];
      const o = (r & (PAGE_ROWS - 1)) * STRIDE;
      let s = packedHash(l[q + PROTO], n[o + LO_END], n[o + HI_END]) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = r + 1;
    }
    this.slots = slots;
  }

  private label(text: string | undefined): number {
    if (text === undefined) return 0;
    let id = this.labelIds.get(text);
    if (id === undefined) {
      id = this.labels.length;
      this.labels.push(text);
      this.labelIds.set(text, id);
    }
    return id;
  }

  /** A new row for the record's connection; returns its number. */
  private open(f: FlowRecord, fromLo: boolean): number {
    const i = this.rows++;
    if ((i & (PAGE_ROWS - 1)) === 0) {
      this.numPages.push(new Float64Array(PAGE_ROWS * STRIDE));
      this.labelPages.push(new Uint32Array(PAGE_ROWS * LABEL_STRIDE));
    }
    const n = this.numPages[i >>> PAGE_BITS];
    const o = (i & (PAGE_ROWS - 1)) * STRIDE;
    n[o + START] = f.start;
    n[o + END] = f.end;
    n[o + PKTS] = f.pkts;
    n[o + BYTES] = f.bytes;
    n[o + LO_PKTS] = known(fromLo ? f.srcPkts : f.dstPkts);
    n[o + HI_PKTS] = known(fromLo ? f.dstPkts : f.srcPkts);
    n[o + LO_BYTES] = known(fromLo ? f.srcBytes : f.dstBytes);
    n[o + HI_BYTES] = known(fromLo ? f.dstBytes : f.srcBytes);
    n[o + LO_PAYLOAD] = known(fromLo ? f.srcPayload : f.dstPayload);
    n[o + HI_PAYLOAD] = known(fromLo ? f.dstPayload : f.srcPayload);
    const lead = f.dir !== '<?>';
    const l = this.labelPages[i >>> PAGE_BITS];
    const q = (i & (PAGE_ROWS - 1)) * LABEL_STRIDE;
    l[q + BITS] = (fromLo ? FIRST_FROM_LO : 0) | (lead ? HAS_LEAD | (fromLo ? LEAD_FROM_LO : 0) : 0) | (basisCode(f.byteBasis) << BASIS_SHIFT);
    l[q + FIRST_FILE] = this.label(f.origin.file);
    l[q + FIRST_DIR] = this.label(f.dir);
    l[q + FIRST_STATE] = this.label(f.state);
    l[q + FIRST_FLAGS] = this.label(f.flags);
    l[q + PROTO] = f.proto;
    l[q + RECORDS] = f.records;
    l[q + FIRST_LINE] = f.origin.line;
    l[q + MULTI] = 0;
    return i;
  }

  /**
   * The second row of a row (made now if it has none): a row of one record holds its own
   * times as the first, the lead (when it has one) and the last record's.
   */
  private multiOf(n: Float64Array, o: number, l: Uint32Array, q: number): number {
    if (l[q + MULTI] !== 0) return l[q + MULTI] - 1;
    const m = this.multiRows++;
    if ((m & (PAGE_ROWS - 1)) === 0) {
      this.multiNumPages.push(new Float64Array(PAGE_ROWS * MULTI_STRIDE));
      this.multiLabelPages.push(new Uint32Array(PAGE_ROWS * MULTI_LABEL_STRIDE));
    }
    const mn = this.multiNumPages[m >>> PAGE_BITS];
    const mo = (m & (PAGE_ROWS - 1)) * MULTI_STRIDE;
    const lead = (l[q + BITS] & HAS_LEAD) !== 0;
    mn[mo + FIRST_START] = n[o + START];
    mn[mo + FIRST_END] = n[o + END];
    mn[mo + LEAD_START] = lead ? n[o + START] : Infinity;
    mn[mo + LEAD_END] = lead ? n[o + END] : Infinity;
    mn[mo + LAST_START] = n[o + START];
    mn[mo + LAST_END] = n[o + END];
    const ml = this.multiLabelPages[m >>> PAGE_BITS];
    const mq = (m & (PAGE_ROWS - 1)) * MULTI_LABEL_STRIDE;
    ml[mq + ADDED] = 1;
    ml[mq + LEAD_DIR] = lead ? l[q + FIRST_DIR] : 0;
    ml[mq + LAST_STATE] = l[q + FIRST_STATE];
    ml[mq + LAST_FLAGS] = l[q + FIRST_FLAGS];
    l[q + MULTI] = m + 1;
    return m;
  }

  private merge(i: number, f: FlowRecord, fromLo: boolean): void {
    const n = this.numPages[i >>> PAGE_BITS];
    const o = (i & (PAGE_ROWS - 1)) * STRIDE;
    const l = this.labelPages[i >>> PAGE_BITS];
    const q = (i & (PAGE_ROWS - 1)) * LABEL_STRIDE;
    const m = this.multiOf(n, o, l, q);
    const mn = this.multiNumPages[m >>> PAGE_BITS];
    const mo = (m & (PAGE_ROWS - 1)) * MULTI_STRIDE;
    const ml = this.multiLabelPages[m >>> PAGE_BITS];
    const mq = (m & (PAGE_ROWS - 1)) * MULTI_LABEL_STRIDE;
    n[o + PKTS] += f.pkts;
    n[o + BYTES] += f.bytes;
    n[o + LO_PKTS] += known(fromLo ? f.srcPkts : f.dstPkts);
    n[o + HI_PKTS] += known(fromLo ? f.dstPkts : f.srcPkts);
    n[o + LO_BYTES] += known(fromLo ? f.srcBytes : f.dstBytes);
    n[o + HI_BYTES] += known(fromLo ? f.dstBytes : f.srcBytes);
    n[o + LO_PAYLOAD] += known(fromLo ? f.srcPayload : f.dstPayload);
    n[o + HI_PAYLOAD] += known(fromLo ? f.dstPayload : f.srcPayload);
    l[q + RECORDS] += f.records;
    ml[mq + ADDED]++;
    if (f.start < n[o + START]) n[o + START] = f.start;
    if (f.end > n[o + END]) n[o + END] = f.end;
    let bits = l[q + BITS];
    if (((bits >> BASIS_SHIFT) & 3) !== basisCode(f.byteBasis)) bits |= 3 << BASIS_SHIFT; // 'unknown'
    // Strictly earlier only: among records with the same times the one that came first stays
    // first, as the stable sort of mergeConnections keeps them.
    if (f.start < mn[mo + FIRST_START] || (f.start === mn[mo + FIRST_START] && f.end < mn[mo + FIRST_END])) {
      mn[mo + FIRST_START] = f.start;
      mn[mo + FIRST_END] = f.end;
      l[q + FIRST_LINE] = f.origin.line;
      bits = fromLo ? bits | FIRST_FROM_LO : bits & ~FIRST_FROM_LO;
      l[q + FIRST_FILE] = this.label(f.origin.file);
      l[q + FIRST_DIR] = this.label(f.dir);
      l[q + FIRST_STATE] = this.label(f.state);
      l[q + FIRST_FLAGS] = this.label(f.flags);
    }
    if (f.dir !== '<?>' && (f.start < mn[mo + LEAD_START] || (f.start === mn[mo + LEAD_START] && f.end < mn[mo + LEAD_END]))) {
      mn[mo + LEAD_START] = f.start;
      mn[mo + LEAD_END] = f.end;
      bits = (fromLo ? bits | LEAD_FROM_LO : bits & ~LEAD_FROM_LO) | HAS_LEAD;
      ml[mq + LEAD_DIR] = this.label(f.dir);
    }
    if (f.end > mn[mo + LAST_END] || (f.end === mn[mo + LAST_END] && f.start >= mn[mo + LAST_START])) {
      mn[mo + LAST_START] = f.start;
      mn[mo + LAST_END] = f.end;
      ml[mq + LAST_STATE] = this.label(f.state);
      ml[mq + LAST_FLAGS] = this.label(f.flags);
    }
    l[q + BITS] = bits;
  }

  /** What ranking reads of row `i`, without making its record. */
  measured(i: number): Measured {
    const n = this.numPages[i >>> PAGE_BITS];
    const o = (i & (PAGE_ROWS - 1)) * STRIDE;
    return { start: n[o + START], end: n[o + END], pkts: n[o + PKTS], bytes: n[o + BYTES] };
  }

  /** Row `i` as one record, turned the lead's way round (see mergeRecords). */
  record(i: number): FlowRecord {
    const n = this.numPages[i >>> PAGE_BITS];
    const o = (i & (PAGE_ROWS - 1)) * STRIDE;
    const l = this.labelPages[i >>> PAGE_BITS];
    const q = (i & (PAGE_ROWS - 1)) * LABEL_STRIDE;
    const bits = l[q + BITS];
    let loAddr: string, hiAddr: string, loPort: number | null, hiPort: number | null;
    let proto = l[q + PROTO];
    if (bits & PACKED) {
      const le = n[o + LO_END];
      const he = n[o + HI_END];
      loAddr = ipv4Text(Math.floor(le / PORT_SPAN));
      hiAddr = ipv4Text(Math.floor(he / PORT_SPAN));
      loPort = le % PORT_SPAN === NO_PORT ? null : le % PORT_SPAN;
      hiPort = he % PORT_SPAN === NO_PORT ? null : he % PORT_SPAN;
    } else {
      let protoText: string, loPortText: string, hiPortText: string;
      [protoText, loAddr, loPortText, hiAddr, hiPortText] = this.keys.get(i)!.split(' ');
      proto = Number(protoText);
      loPort = portOf(loPortText);
      hiPort = portOf(hiPortText);
    }
    const t = this.labels;
    const multi = l[q + MULTI];
    let firstStart = n[o + START];
    let dir = t[l[q + FIRST_DIR]];
    let state = t[l[q + FIRST_STATE]];
    let flags = t[l[q + FIRST_FLAGS]];
    if (multi !== 0) {
      const m = multi - 1;
      const mn = this.multiNumPages[m >>> PAGE_BITS];
      const ml = this.multiLabelPages[m >>> PAGE_BITS];
      const mq = (m & (PAGE_ROWS - 1)) * MULTI_LABEL_STRIDE;
      firstStart = mn[(m & (PAGE_ROWS - 1)) * MULTI_STRIDE + FIRST_START];
      if (bits & HAS_LEAD) dir = t[ml[mq + LEAD_DIR]];
      state = t[ml[mq + LAST_STATE]] ?? state;
      flags = t[ml[mq + LAST_FLAGS]] ?? flags;
    }
    // Without a lead, the first record's way round.
    const lo = bits & HAS_LEAD ? (bits & LEAD_FROM_LO) !== 0 : (bits & FIRST_FROM_LO) !== 0;
    const src = lo ? loAddr : hiAddr;
    const sport = lo ? loPort : hiPort;
    const dst = lo ? hiAddr : loAddr;
    const dport = lo ? hiPort : loPort;
    // The id of the first record, which is its parser's when it was this way round.
    const firstLo = (bits & FIRST_FROM_LO) !== 0;
    const id = `${proto}:${firstLo ? loAddr : hiAddr}:${(firstLo ? loPort : hiPort) ?? ''}-${firstLo ? hiAddr : loAddr}:${(firstLo ? hiPort : loPort) ?? ''}@${firstStart}`;
    return {
      kind: 'flow',
      flowId: id,
      start: n[o + START],
      end: n[o + END],
      proto,
      src,
      sport,
      dst,
      dport,
      dir,
      state,
      flags,
      pkts: n[o + PKTS],
      bytes: n[o + BYTES],
      byteBasis: BASES[(bits >> BASIS_SHIFT) & 3],
      srcPkts: unknownAsUndefined(lo ? n[o + LO_PKTS] : n[o + HI_PKTS]),
      dstPkts: unknownAsUndefined(lo ? n[o + HI_PKTS] : n[o + LO_PKTS]),
      srcBytes: unknownAsUndefined(lo ? n[o + LO_BYTES] : n[o + HI_BYTES]),
      dstBytes: unknownAsUndefined(lo ? n[o + HI_BYTES] : n[o + LO_BYTES]),
      srcPayload: unknownAsUndefined(lo ? n[o + LO_PAYLOAD] : n[o + HI_PAYLOAD]),
      dstPayload: unknownAsUndefined(lo ? n[o + HI_PAYLOAD] : n[o + LO_PAYLOAD]),
      origin: { file: t[l[q + FIRST_FILE]]!, line: l[q + FIRST_LINE], raw: '' },
      records: l[q + RECORDS],
    };
  }

  /** Records merged into row `i`. */
  merged(i: number): number {
    const multi = this.labelPages[i >>> PAGE_BITS][(i & (PAGE_ROWS - 1)) * LABEL_STRIDE + MULTI];
    if (multi === 0) return 1;
    const m = multi - 1;
    return this.multiLabelPages[m >>> PAGE_BITS][(m & (PAGE_ROWS - 1)) * MULTI_LABEL_STRIDE + ADDED];
  }

  /** One record per connection. */
  connections(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (let i = 0; i < this.rows; i++) out.push(this.record(i));
    return out;
  }
}

/** The records merged per connection, parts included: each connection's records held, then mergeRecords. */
export function mergeConnections(flows: Iterable<FlowRecord>): FlowRecord[] {
  const byKey = new Map<string, FlowRecord[]>();
  for (const f of flows) {
    const k = keyOf(f);
    const held = byKey.get(k);
    if (held === undefined) byKey.set(k, [f]);
    else held.push(f);
  }
  const out: FlowRecord[] = [];
  for (const held of byKey.values()) out.push(mergeRecords(held.sort((a, b) => a.start - b.start || a.end - b.end)));
  return out;
}

/** What ranking reads: a merged record and a connection's running totals both have it. */
type Measured = Pick<FlowRecord, 'start' | 'end' | 'pkts' | 'bytes'>;

export const durationSeconds = (f: Measured): number => (f.end - f.start) / MICROS_PER_SECOND;

/** Bytes per second over the connection's duration; 0 for a single instant, as argus's rate. */
export function rateOf(f: Measured): number {
  const d = durationSeconds(f);
  return d > 0 ? f.bytes / d : 0;
}

const measure: Record<SortKey, (f: Measured) => number> = {
  bytes: (f) => f.bytes,
  pkts: (f) => f.pkts,
  rate: rateOf,
  duration: (f) => f.end - f.start,
};

/** Largest first by `key`; ties by start time then endpoints, so the order is the same every run. */
export function rankConnections(flows: FlowRecord[], key: SortKey, top?: number): FlowRecord[] {
  const m = measure[key];
  const keyed = flows.map((f) => ({ f, v: m(f), k: rankKey(f) }));
  keyed.sort(rankOrder);
  const ranked = keyed.map((x) => x.f);
  return top === undefined ? ranked : ranked.slice(0, top);
}

const rankKey = (f: FlowRecord): string => `${f.proto} ${endKey(f.src, f.sport)} ${endKey(f.dst, f.dport)}`;

interface Keyed {
  f: FlowRecord;
  v: number;
  k: string;
}

/** Negative when `a` ranks before `b`. */
const rankOrder = (a: Keyed, b: Keyed): number => b.v - a.v || a.f.start - b.f.start || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);

export interface RankedTable {
  /** The connections that matched, ranked, the first `top` of them when given. */
  flows: FlowRecord[];
  matched: number;
  connections: number;
}

/**
 * `rankConnections(table.connections().filter(keep), key, top)` without building every
 * connection's record: with `top` only the best `top` are held (a heap whose root is the worst
 * of them), and without a filter a connection that cannot enter it is never made a record.
 */
export function rankTable(table: ConnectionTable, key: SortKey, top?: number, keep?: (f: FlowRecord) => boolean): RankedTable {
  const m = measure[key];
  let matched = 0;
  if (top === undefined) {
    const all: FlowRecord[] = [];
    for (let i = 0; i < table.size; i++) {
      const f = table.record(i);
      if (keep && !keep(f)) continue;
      all.push(f);
    }
    return { flows: rankConnections(all, key), matched: all.length, connections: table.size };
  }
  const heap: Keyed[] = [];
  for (let i = 0; i < table.size; i++) {
    let f: FlowRecord | undefined;
    if (keep) {
      f = table.record(i);
      if (!keep(f)) continue;
    }
    matched++;
    if (top === 0) continue;
    const v = m(f ?? table.measured(i));
    // Cheap rejection: a smaller measure than the worst held never enters a full heap.
    if (heap.length === top && v < heap[0].v) continue;
    f ??= table.record(i);
    const entry = { f, v, k: rankKey(f) };
    if (heap.length < top) heapPush(heap, entry);
    else if (rankOrder(entry, heap[0]) < 0) heapReplaceRoot(heap, entry);
  }
  return { flows: heap.sort(rankOrder).map((x) => x.f), matched, connections: table.size };
}

// A binary heap with the worst-ranked entry at the root (rankOrder reversed).
const worse = (a: Keyed, b: Keyed): boolean => rankOrder(a, b) > 0;

function heapPush(h: Keyed[], e: Keyed): void {
  let i = h.length;
  h.push(e);
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(h[i], h[p])) break;
    [h[i], h[p]] = [h[p], h[i]];
    i = p;
  }
}

function heapReplaceRoot(h: Keyed[], e: Keyed): void {
  h[0] = e;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let w = i;
    if (l < h.length && worse(h[l], h[w])) w = l;
    if (r < h.length && worse(h[r], h[w])) w = r;
    if (w === i) break;
    [h[i], h[w]] = [h[w], h[i]];
    i = w;
  }
}
