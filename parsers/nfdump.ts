// nfdump text output: `-o csv` (the 1.6/1.7 `ts,te,td,sa,da,...` header and the newer
// `firstSeen,lastSeen,...` / `csv-fast` headers), and the `-o line`, `-o long` and
// `-o extended` tables. One FlowRecord per row.
//
// NetFlow/IPFIX records are unidirectional: a TCP connection is two records, one per
// direction, with their own first/last times, and nothing in a record says which one is the
// reply (ports can repeat, NAT and asymmetric routing mean the reverse may never be seen, and
// sampling can drop one side). Pairing them would be a guess, so each row stays its own flow;
// biflow exporters (NSEL, nfpcapd with -b) already give both directions in one row (opkt/obyt).
import type { FlowRecord, ParseIssue, ParseItem } from '../src/event.js';
import { MICROS_PER_SECOND, parseClock, wallClockToMicros, type TimeContext } from '../src/time.js';
import type { InputFile, Parser, TimeCompleteness } from './parser.js';
import { protoFromText } from './port-names.js';

/** What each role is called in the csv headers nfdump has written over the versions. */
const CSV_ALIASES: Record<string, string[]> = {
  start: ['ts', 'firstSeen'],
  end: ['te', 'lastSeen'],
  duration: ['td', 'duration'],
  src: ['sa', 'srcAddr'],
  dst: ['da', 'dstAddr'],
  sport: ['sp', 'srcPort'],
  dport: ['dp', 'dstPort'],
  proto: ['pr', 'proto'],
  flags: ['flg', 'flags'],
  inPkts: ['ipkt', 'inPackets', 'packets'],
  inBytes: ['ibyt', 'inBytes', 'bytes'],
  outPkts: ['opkt', 'outPackets'],
  outBytes: ['obyt', 'outBytes'],
};
const CSV_REQUIRED = ['start', 'src', 'dst', 'proto', 'inPkts', 'inBytes'];

interface CsvHeader {
  kind: 'csv';
  width: number;
  col: Map<string, number>;
}

function csvHeaderFromLine(line: string): CsvHeader | undefined {
  if (!line.includes(',')) return undefined;
  const labels = line.split(',').map((l) => l.trim());
  const col = new Map<string, number>();
  for (const [role, names] of Object.entries(CSV_ALIASES)) {
    for (const name of names) {
      const i = labels.indexOf(name);
      if (i >= 0) {
        col.set(role, i);
        break;
      }
    }
  }
  if (!CSV_REQUIRED.every((r) => col.has(r))) return undefined;
  return { kind: 'csv', width: labels.length, col };
}

/** Labels of the fixed-width tables (`-o line/long/extended`), several words each. */
const TABLE_LABELS = [
  'Date first seen', 'Date flow start', 'Duration', 'Proto', 'Src IP Addr:Port', 'Dst IP Addr:Port', 'Src Pt', 'Dst Pt',
  'Flags', 'Tos', 'Packets', 'Bytes', 'pps', 'bps', 'Bpp', 'Flows',
];

interface TableHeader {
  kind: 'table';
  /** Labels after `Dst IP Addr:Port`, one token each in a row (once scaled numbers are joined). */
  rest: string[];
}

function tableHeaderFromLine(line: string): TableHeader | undefined {
  if (!/^Date (first seen|flow start)\s/.test(line)) return undefined;
  let text = line.trim();
  const labels: string[] = [];
  while (text.length > 0) {
    const label = TABLE_LABELS.find((l) => text.startsWith(l));
    if (!label) return undefined; // a layout we do not know (e.g. the NSEL `Event time` one)
    labels.push(label);
    text = text.slice(label.length).trimStart();
  }
  const at = labels.indexOf('Dst IP Addr:Port');
  if (labels[1] !== 'Duration' || labels[2] !== 'Proto' || labels[3] !== 'Src IP Addr:Port' || at !== 4) return undefined;
  if (!labels.includes('Packets') || !labels.includes('Bytes')) return undefined;
  return { kind: 'table', rest: labels.slice(at + 1) };
}

type Header = CsvHeader | TableHeader;

function headerFromLine(line: string): Header | undefined {
  return csvHeaderFromLine(line) ?? tableHeaderFromLine(line);
}

export interface NfdumpRowResult {
  flow?: FlowRecord;
  reason?: string;
  /** A count was printed scaled (`1.2 M`), so it is rounded. */
  scaled?: boolean;
}

/**
 * `2012-02-21 16:53:14[.mmm]` in the context's zone (nfdump prints local time), epoch
 * milliseconds (`csv-fast`), or epoch seconds with a fraction (`%tsr`).
 */
function stampToMicros(text: string, zone: string): number | undefined {
  if (/^\d{12,}$/.test(text)) return Number(text) * 1000;
  if (/^\d{9,11}\.\d+$/.test(text)) {
    const [sec, frac] = text.split('.');
    return Number(sec) * MICROS_PER_SECOND + Math.round(Number(`0.${frac}`) * MICROS_PER_SECOND);
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\S+)$/.exec(text);
  if (!m) return undefined;
  const clock = parseClock(m[4]);
  if (!clock) return undefined;
  try {
    return wallClockToMicros({ year: +m[1], month: +m[2], day: +m[3], ...clock }, zone);
  } catch {
    return undefined;
  }
}

/** `38.056` (csv td, 1.6 tables) or `00:00:38.056` (1.7 tables). */
function durationToMicros(text: string): number | undefined {
  const hms = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (hms) return Math.round((Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3])) * MICROS_PER_SECOND);
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * MICROS_PER_SECOND);
  return undefined;
}

const SCALE: Record<string, number> = { K: 1e3, M: 1e6, G: 1e9, T: 1e12 };

function flowId(f: FlowRecord): string {
  return `${f.proto}:${f.src}:${f.sport ?? ''}-${f.dst}:${f.dport ?? ''}@${f.start}`;
}

interface RowParts {
  start: string;
  end?: string;
  duration?: string;
  src: string;
  dst: string;
  sport?: string;
  dport?: string;
  proto: string;
  flags?: string;
  inPkts: string;
  inBytes: string;
  outPkts?: string;
  outBytes?: string;
}

function csvParts(header: CsvHeader, line: string): RowParts | string {
  const cells = line.split(',');
  if (cells.length !== header.width) return `expected ${header.width} fields, found ${cells.length}`;
  const get = (role: string): string | undefined => {
    const i = header.col.get(role);
    return i === undefined ? undefined : cells[i].trim();
  };
  return {
    start: get('start')!,
    end: get('end'),
    duration: get('duration'),
    src: get('src')!,
    dst: get('dst')!,
    sport: get('sport'),
    dport: get('dport'),
    proto: get('proto')!,
    flags: get('flags'),
    inPkts: get('inPkts')!,
    inBytes: get('inBytes')!,
    outPkts: get('outPkts'),
    outBytes: get('outBytes'),
  };
}

/** `1.2.3.4:21`, or IPv6 (printed with -6) `2001:db8::1.21`: the port follows the last `.`. */
function splitAddrPort(text: string): { addr: string; port: string } | undefined {
  const v6 = text.includes(':') && text.split(':').length > 2;
  const at = v6 ? text.lastIndexOf('.') : text.lastIndexOf(':');
  if (at <= 0) return undefined;
  return { addr: text.slice(0, at), port: text.slice(at + 1) };
}

function tableParts(header: TableHeader, line: string): RowParts | string {
  const raw = line.trim().split(/\s+/);
  // Scaled counts print as two tokens (`1.2 M`): join them back.
  const toks: string[] = [];
  for (const t of raw) {
    if (SCALE[t] !== undefined && toks.length > 0 && /^\d+(\.\d+)?$/.test(toks[toks.length - 1])) toks[toks.length - 1] += ` ${t}`;
    else toks.push(t);
  }
  if (toks.length !== 7 + header.rest.length) return `expected ${7 + header.rest.length} columns, found ${toks.length}`;
  const [date, clock, duration, proto, srcText, arrow, dstText] = toks;
  if (!/^<?-+>?$/.test(arrow)) return `expected '->' between the addresses, found '${arrow}'`;
  if (srcText.includes('..') || dstText.includes('..')) {
    return 'address shortened by nfdump (`..`): print full IPv6 addresses with nfdump -6, or use -o csv';
  }
  const src = splitAddrPort(srcText);
  const dst = splitAddrPort(dstText);
  if (!src || !dst) return `bad address:port '${!src ? srcText : dstText}'`;
  const rest = new Map(header.rest.map((label, i) => [label, toks[7 + i]]));
  return {
    start: `${date} ${clock}`,
    duration,
    src: src.addr,
    sport: src.port,
    dst: dst.addr,
    dport: dst.port,
    proto,
    flags: rest.get('Flags'),
    inPkts: rest.get('Packets')!,
    inBytes: rest.get('Bytes')!,
  };
}

/** One data row -> a FlowRecord. Exported for tests. */
export function nfdumpRow(header: Header, line: string, time: TimeContext, file: string, lineNo: number): NfdumpRowResult {
  const parts = header.kind === 'csv' ? csvParts(header, line) : tableParts(header, line);
  if (typeof parts === 'string') return { reason: parts };

  const proto = protoFromText(parts.proto);
  if (proto === undefined) return { reason: `unknown protocol '${parts.proto}'` };
  const start = stampToMicros(parts.start, time.zone);
  if (start === undefined) return { reason: `bad first-seen time '${parts.start}'` };
  let end = start;
  if (parts.end) {
    const e = stampToMicros(parts.end, time.zone);
    if (e === undefined) return { reason: `bad last-seen time '${parts.end}'` };
    end = e;
  } else if (parts.duration) {
    const d = durationToMicros(parts.duration);
    if (d === undefined) return { reason: `bad duration '${parts.duration}'` };
    end = start + d;
  }

  let scaled = false;
  const num = (label: string, text: string | undefined): number | undefined | string => {
    if (text === undefined || text === '') return undefined;
    if (/^\d+$/.test(text)) return Number(text);
    const m = /^(\d+(?:\.\d+)?) ([KMGT])$/.exec(text);
    if (m) {
      scaled = true;
      return Math.round(Number(m[1]) * SCALE[m[2]]);
    }
    return `bad number in ${label} '${text}'`;
  };
  const values: Record<string, number | undefined> = {};
  for (const [label, text] of [
    ['sport', parts.sport], ['dport', parts.dport], ['packets', parts.inPkts], ['bytes', parts.inBytes],
    ['opkt', parts.outPkts], ['obyt', parts.outBytes],
  ] as const) {
    const v = num(label, text);
    if (typeof v === 'string') return { reason: v };
    values[label] = v;
  }
  const inPkts = values.packets!;
  const inBytes = values.bytes!;
  if (inPkts === undefined || inBytes === undefined) return { reason: 'no packet or byte count' };
  const outPkts = values.opkt ?? 0;
  const outBytes = values.obyt ?? 0;
  const biflow = outPkts > 0 || outBytes > 0;

  const flow: FlowRecord = {
    kind: 'flow',
    flowId: '',
    start,
    end,
    proto,
    src: parts.src,
    // ICMP type and code are packed into dp as type*256+code: kept as printed.
    sport: values.sport ?? null,
    dst: parts.dst,
    dport: values.dport ?? null,
    flags: parts.flags || undefined,
    pkts: inPkts + outPkts,
    bytes: inBytes + outBytes,
    // NetFlow/IPFIX octet counts are IP bytes (IP header included, no link header).
    byteBasis: 'ip',
    srcPkts: biflow ? inPkts : undefined,
    dstPkts: biflow ? outPkts : undefined,
    srcBytes: biflow ? inBytes : undefined,
    dstBytes: biflow ? outBytes : undefined,
    origin: { file, line: lineNo, raw: line },
    records: 1,
  };
  flow.flowId = flowId(flow);
  return { flow, scaled };
}

/** Lines nfdump prints after the rows: csv `Summary`, the tables' summary and statistics. */
function isTrailer(line: string): boolean {
  return /^(Summary\b|Time window:|Total flows processed:|Sys:|Aggregated flows|No matched flows)/.test(line);
}

async function* parseNfdump(input: InputFile, time: TimeContext): AsyncIterable<ParseItem> {
  let header: Header | undefined;
  let trailer = false;
  let lineNo = 0;
  let scaled = 0;
  const ids = new Map<string, number>();
  const issue = (reason: string): ParseIssue => ({ kind: 'issue', file: input.path, line: lineNo, reason });

  for await (const line of input.lines()) {
    lineNo++;
    if (line.trim() === '') continue;
    const h = headerFromLine(line);
    if (h) {
      header = h;
      trailer = false;
      continue;
    }
    // After `Summary` come a totals header and row (csv) or statistics lines: not flows.
    // Only a new flow header (outputs concatenated) starts rows again.
    if (trailer || isTrailer(line)) {
      trailer = true;
      continue;
    }
    if (!header) {
      yield issue(/^Event time\s/.test(line) ? 'NSEL event layout (nfdump default for these records): use -o csv or -o line' : 'data before the nfdump header line');
      if (/^Event time\s/.test(line)) trailer = true; // one issue for the layout, not one per row
      continue;
    }
    const row = nfdumpRow(header, line, time, input.path, lineNo);
    if (!row.flow) {
      yield issue(row.reason!);
      continue;
    }
    if (row.scaled) scaled++;
    // Identical records (repeated ICMP errors within a second) would share a key.
    const n = (ids.get(row.flow.flowId) ?? 0) + 1;
    ids.set(row.flow.flowId, n);
    if (n > 1) row.flow.flowId += `#${n}`;
    yield row.flow;
  }
  if (scaled > 0) {
    yield {
      kind: 'note',
      file: input.path,
      message: `${scaled} rows have counts scaled by nfdump (e.g. '1.2 M'), so they are rounded: run nfdump with -N for exact numbers, or use -o csv`,
    };
  }
}

function detectNfdump(_head: Buffer, headLines: string[]): number {
  const first = headLines[0] ?? '';
  if (first.startsWith('ts,te,td,sa,da')) return 0.95;
  if (csvHeaderFromLine(first)) return 0.9;
  if (tableHeaderFromLine(first)) return 0.9;
  return 0;
}

export const nfdump: Parser = {
  name: 'nfdump',
  description: 'nfdump text output: -o csv (1.6/1.7 and newer headers), -o line, -o long, -o extended',
  produces: 'flows',
  samples: [
    'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,in,out,sas,das,smk,dmk,dtos,dir,nh,nhb,svln,dvln,ismc,odmc,idmc,osmc,mpls1,mpls2,mpls3,mpls4,mpls5,mpls6,mpls7,mpls8,mpls9,mpls10,cl,sl,al,ra,eng,exid,tr',
    '2012-02-21 16:52:41,2012-02-21 16:53:20,38.056,141.142.220.235,199.233.217.249,50003,21,TCP,...AP.SF,0,0,38,2164,0,0,0,0,0,0,0,0,0,0,0.0.0.0,0.0.0.0,0,0,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,00:00:00:00:00:00,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,0-0-0,    0.000,    0.000,    0.000,0.0.0.0,17/1,0,2026-12-01 19:36:05.688',
    'Summary',
    'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
    '10,9204,95,1932,2,96',
  ],
  detect: detectNfdump,
  timeCompleteness(): TimeCompleteness {
    return 'full'; // full dates; the zone is the context's (nfdump prints local time)
  },
  parse: parseNfdump,
};
