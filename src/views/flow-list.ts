// What `flowlink flows` prints: an aligned table in the columns an argus or tcpdump user
// reads (ra's StartTime, Dur, Proto, addresses, Dir, packets, bytes, State), CSV, or JSON
// whose flows carry the field names of `explain --json`.
import type { FlowRecord, InputSummary } from '../event.js';
import { formatCsv } from '../commands/query.js';
import { MICROS_PER_SECOND } from '../time.js';
import { protoName } from '../../parsers/port-names.js';
import { DateTime } from 'luxon';
import { durationSeconds, rateOf } from '../analyses/connections.js';
import { flowJson, JSON_VERSION } from './json.js';

export interface FlowListing {
  flows: FlowRecord[];
  /** Connections that matched, before --top. */
  matched: number;
  /** Connections and records read. */
  connections: number;
  records: number;
  filter?: string;
  sort: string;
  top?: number;
  zone: string;
  inputs: InputSummary[];
  ignored: { file: string; reason: string }[];
}

function endpoint(addr: string, port: number | null): string {
  const a = addr.includes(':') ? `[${addr}]` : addr;
  return port === null ? a : `${a}:${port}`;
}

/** ra's default stamp precision: microseconds. */
function stamp(us: number, zone: string): string {
  const dt = DateTime.fromMillis(Math.floor(us / 1000), { zone });
  return `${dt.toFormat('yyyy-MM-dd HH:mm:ss')}.${String(Math.round(us % MICROS_PER_SECOND)).padStart(6, '0')}`;
}

const opt = (n: number | undefined): string => (n === undefined ? '-' : String(n));

const COLUMNS = ['StartTime', 'Dur', 'Proto', 'SrcAddr:Sport', 'Dir', 'DstAddr:Dport', 'SrcPkts', 'DstPkts', 'TotPkts', 'TotBytes', 'State', 'SrcPayload', 'DstPayload'];
const LEFT = new Set(['StartTime', 'Proto', 'SrcAddr:Sport', 'Dir', 'DstAddr:Dport', 'State']);

export function renderFlowTable(l: FlowListing): string {
  const rows = l.flows.map((f) => [
    stamp(f.start, l.zone),
    durationSeconds(f).toFixed(3),
    protoName(f.proto),
    endpoint(f.src, f.sport),
    f.dir ?? '->',
    endpoint(f.dst, f.dport),
    opt(f.srcPkts),
    opt(f.dstPkts),
    String(f.pkts),
    String(f.bytes),
    f.state ?? '',
    opt(f.srcPayload),
    opt(f.dstPayload),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((v, i) => (LEFT.has(COLUMNS[i]) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  const shown = l.flows.length < l.matched ? `top ${l.flows.length} of ${l.matched}` : String(l.matched);
  const from = l.filter !== undefined ? ` matching '${l.filter}' (of ${l.connections} in ${l.records} flow records)` : ` (${l.records} flow records)`;
  const head = `${shown} connections${from}, by ${l.sort}, times in ${l.zone}`;
  return [head, line(COLUMNS), ...rows.map(line)].join('\n') + '\n';
}

/** A flow as `explain --json` prints it, plus what a connection listing adds. */
export function connectionJson(f: FlowRecord) {
  return {
    ...flowJson(f),
    dir: f.dir ?? null,
    duration: Number(durationSeconds(f).toFixed(6)),
    rate: Math.round(rateOf(f)),
    srcPkts: f.srcPkts ?? null,
    dstPkts: f.dstPkts ?? null,
    srcBytes: f.srcBytes ?? null,
    dstBytes: f.dstBytes ?? null,
    srcPayload: f.srcPayload ?? null,
    dstPayload: f.dstPayload ?? null,
    records: f.records,
  };
}

export function flowListJson(l: FlowListing) {
  return {
    version: JSON_VERSION,
    filter: l.filter ?? null,
    sort: l.sort,
    top: l.top ?? null,
    records: l.records,
    connections: l.connections,
    matched: l.matched,
    inputs: l.inputs.map((i) => ({ file: i.file, format: i.format, events: i.events, skipped: i.skipped, firstSkipped: i.firstSkipped ?? null, notes: i.notes })),
    ignored: l.ignored,
    flows: l.flows.map(connectionJson),
  };
}

const CSV_COLUMNS = ['start', 'end', 'proto', 'src', 'sport', 'dir', 'dst', 'dport', 'pkts', 'bytes', 'state', 'srcPkts', 'dstPkts', 'srcBytes', 'dstBytes', 'srcPayload', 'dstPayload', 'duration', 'rate', 'records', 'file', 'line'] as const;

/** RFC 4180 with a header line; times ISO 8601 UTC as in --json; unknown counters empty. */
export function flowListCsv(l: FlowListing): string {
  const rows = l.flows.map((f) => {
    const j = connectionJson(f) as Record<string, unknown>;
    return CSV_COLUMNS.map((c) => j[c]);
  });
  return formatCsv({ columns: [...CSV_COLUMNS], rows });
}
