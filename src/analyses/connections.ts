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

/**
 * Collects flow records as they stream in and gives them back merged per connection.
 * Holds the records (memory grows with flows, never with packets); order of arrival is free.
 */
export class ConnectionTable {
  // Most keys hold one record: kept bare, an array only from the second.
  private readonly byKey = new Map<string, FlowRecord | FlowRecord[]>();
  records = 0;

  add(f: FlowRecord): void {
    const k = keyOf(f);
    const held = this.byKey.get(k);
    if (held === undefined) this.byKey.set(k, f);
    else if (Array.isArray(held)) held.push(f);
    else this.byKey.set(k, [held, f]);
    this.records++;
  }

  /** One record per connection. */
  connections(): FlowRecord[] {
    const out: FlowRecord[] = [];
    for (const held of this.byKey.values()) {
      out.push(Array.isArray(held) ? mergeRecords(held.sort((a, b) => a.start - b.start || a.end - b.end)) : held);
    }
    return out;
  }
}

/** The records merged per connection (see ConnectionTable). */
export function mergeConnections(flows: Iterable<FlowRecord>): FlowRecord[] {
  const table = new ConnectionTable();
  for (const f of flows) table.add(f);
  return table.connections();
}

export const durationSeconds = (f: FlowRecord): number => (f.end - f.start) / MICROS_PER_SECOND;

/** Bytes per second over the connection's duration; 0 for a single instant, as argus's rate. */
export function rateOf(f: FlowRecord): number {
  const d = durationSeconds(f);
  return d > 0 ? f.bytes / d : 0;
}

const measure: Record<SortKey, (f: FlowRecord) => number> = {
  bytes: (f) => f.bytes,
  pkts: (f) => f.pkts,
  rate: rateOf,
  duration: (f) => f.end - f.start,
};

/** Largest first by `key`; ties by start time then endpoints, so the order is the same every run. */
export function rankConnections(flows: FlowRecord[], key: SortKey, top?: number): FlowRecord[] {
  const m = measure[key];
  const keyed = flows.map((f) => ({ f, v: m(f), k: `${f.proto} ${endKey(f.src, f.sport)} ${endKey(f.dst, f.dport)}` }));
  keyed.sort((a, b) => b.v - a.v || a.f.start - b.f.start || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const ranked = keyed.map((x) => x.f);
  return top === undefined ? ranked : ranked.slice(0, top);
}
