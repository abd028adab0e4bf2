// Argus client text output (`ra -L0`, `racluster`, `rasort`, with or without `-s`), both the
// column-aligned form and CSV (`-c ,`). Status records of one flow are merged as racluster does.
import type { FlowRecord, ParseIssue, ParseItem } from '../src/event.js';
import {
  DateResolver,
  MICROS_PER_SECOND,
  parseClock,
  wallClockToMicros,
  type TimeContext,
} from '../src/time.js';
import type { InputFile, Parser, TimeCompleteness } from './parser.js';
import { portFromText, protoFromText } from './port-names.js';

/** `-L0` header labels flowlink reads, by the role they play. */
const LABELS = new Set([
  'StartTime', 'LastTime', 'Flgs', 'Proto', 'SrcAddr', 'Sport', 'Dir', 'DstAddr', 'Dport', 'TotPkts',
  'TotBytes', 'State', 'Dur', 'Trans', 'SrcPkts', 'DstPkts', 'SrcBytes', 'DstBytes', 'TotAppByte',
  'SAppBytes', 'DAppBytes', 'Load', 'Rate', 'SrcLoad', 'DstLoad', 'SrcRate', 'DstRate', 'Seq', 'Mean',
  'StdDev', 'Max', 'Min', 'sTos', 'dTos', 'sTtl', 'dTtl', 'SrcMac', 'DstMac', 'Cause', 'SrcId', 'RunTime',
  'IdleTime', 'Sum', 'sVlan', 'dVlan', 'Loss', 'pLoss', 'SrcWin', 'DstWin', 'TcpRtt',
]);
const REQUIRED = ['StartTime', 'Proto', 'SrcAddr', 'DstAddr'];

interface Column {
  label: string;
  /** Text columns: the cell is (previous label's end, this label's end]. */
  end: number;
}

interface Header {
  columns: Column[];
  /** Index of a label's first occurrence (a label may appear twice: `+bytes`). */
  index: Map<string, number>;
  separator?: string;
}

function headerFromLine(line: string): Header | undefined {
  // Cheap test first: this runs on every line, and every header names StartTime.
  if (!line.includes('StartTime')) return undefined;
  const trimmed = line.trim();
  let separator: string | undefined;
  let labels: { label: string; end: number }[];
  const sep = [',', '\t', '|', ';'].find((c) => trimmed.includes(c) && trimmed.split(c).every((l) => LABELS.has(l.trim()) || l.trim() === ''));
  if (sep) {
    separator = sep;
    labels = line.split(sep).map((label, i) => ({ label: label.trim(), end: i }));
  } else {
    labels = [];
    const re = /\S+/g;
    for (let m = re.exec(line); m; m = re.exec(line)) labels.push({ label: m[0], end: m.index + m[0].length });
  }
  const known = labels.filter((l) => LABELS.has(l.label)).length;
  if (known < labels.length * 0.8 || !REQUIRED.every((r) => labels.some((l) => l.label === r))) return undefined;
  const index = new Map<string, number>();
  labels.forEach((l, i) => {
    if (!index.has(l.label)) index.set(l.label, i);
  });
  return { columns: labels, index, separator };
}

/** Whitespace-separated tokens with their positions. */
function tokens(line: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

const DATE_RE = /^\d{4}[/-]\d{2}[/-]\d{2}$/;
const PAIRS: Record<string, string> = { SrcAddr: 'Sport', DstAddr: 'Dport' };

/**
 * Cells of an aligned row by the header's column positions: argus right-aligns values to the
 * label's end (Flgs and ports are left-aligned after them), so each token belongs to the column
 * whose span holds its end. `addr.port` prints as one token ending in the port's column.
 */
function cellsByPosition(header: Header, line: string): string[] | undefined {
  const cols = header.columns;
  const cells: string[][] = cols.map(() => []);
  let c = 0;
  for (const tok of tokens(line)) {
    while (c < cols.length - 1 && tok.end > cols[c].end) c++;
    cells[c].push(tok.text);
  }
  const out = cells.map((parts) => parts.join(' '));
  for (const [addr, port] of Object.entries(PAIRS)) {
    const a = header.index.get(addr);
    const p = header.index.get(port);
    if (a === undefined || p === undefined || p !== a + 1) continue;
    if (out[a] === '' && out[p].includes('.')) {
      const dot = out[p].lastIndexOf('.');
      out[a] = out[p].slice(0, dot);
      out[p] = out[p].slice(dot + 1);
    }
  }
  return rowLooksRight(header, out) ? out : undefined;
}

/**
 * Cells of a row whose columns do not line up (hand-edited or squashed output): every column
 * takes one token (times two when dated, `addr.port` pairs one), and Flgs takes what is left.
 */
function cellsByCount(header: Header, line: string): string[] | undefined {
  const toks = tokens(line).map((t) => t.text);
  const cols = header.columns;
  const out: string[] = cols.map(() => '');
  const flgs = header.index.get('Flgs');
  let need = 0;
  for (let i = 0; i < cols.length; i++) {
    if (i === flgs) continue;
    const label = cols[i].label;
    if ((label === 'Sport' || label === 'Dport') && cols[i - 1]?.label === (label === 'Sport' ? 'SrcAddr' : 'DstAddr')) continue;
    need++;
  }
  const dated = toks.length > 0 && DATE_RE.test(toks[0]);
  if (dated) need += cols.filter((c) => c.label === 'StartTime' || c.label === 'LastTime').length;
  const flagCount = toks.length - need;
  if (flagCount < 0 || (flgs === undefined && flagCount !== 0)) return undefined;
  let t = 0;
  for (let i = 0; i < cols.length; i++) {
    const label = cols[i].label;
    if (i === flgs) {
      out[i] = toks.slice(t, t + flagCount).join(' ');
      t += flagCount;
    } else if ((label === 'StartTime' || label === 'LastTime') && dated) {
      out[i] = `${toks[t]} ${toks[t + 1]}`;
      t += 2;
    } else if ((label === 'Sport' || label === 'Dport') && cols[i - 1]?.label === (label === 'Sport' ? 'SrcAddr' : 'DstAddr')) {
      const combined = out[i - 1];
      const dot = combined.lastIndexOf('.');
      if (dot > 0 && (combined.includes(':') || combined.split('.').length === 5)) {
        out[i - 1] = combined.slice(0, dot);
        out[i] = combined.slice(dot + 1);
      }
    } else {
      out[i] = toks[t++] ?? '';
    }
  }
  return rowLooksRight(header, out) ? out : undefined;
}

const NUMERIC = ['TotPkts', 'TotBytes', 'SrcPkts', 'DstPkts', 'SrcBytes', 'DstBytes'];

/** Columns argus may leave blank: no flags, no ports for protocols without them. */
const MAY_BE_EMPTY = new Set(['Flgs', 'Sport', 'Dport']);

/** A row whose cells do not all fit their columns was cut by the wrong positions. */
function rowLooksRight(header: Header, cells: string[]): boolean {
  // Management records (proto `man`) leave Dir and more blank; they are skipped anyway.
  if (cells[header.index.get('Proto')!] === 'man') return true;
  for (let i = 0; i < cells.length; i++) if (cells[i] === '' && !MAY_BE_EMPTY.has(header.columns[i].label)) return false;
  for (const label of NUMERIC) {
    const i = header.index.get(label);
    if (i !== undefined && cells[i] !== '' && !/^\d+\*?$/.test(cells[i])) return false;
  }
  const proto = cells[header.index.get('Proto')!];
  return /^[a-z0-9-]+$/i.test(proto);
}

type StampKind = 'epoch' | 'dated' | 'time';

function stampKind(text: string): StampKind | undefined {
  if (/^\d{9,}(\.\d+)?$/.test(text)) return 'epoch';
  if (/^\d{4}[/-]\d{2}[/-]\d{2}[ T]\d/.test(text)) return 'dated';
  if (/^\d{1,2}:\d{2}:\d{2}/.test(text)) return 'time';
  return undefined;
}

class StampReader {
  private dates?: DateResolver;
  constructor(private readonly time: TimeContext) {}

  read(text: string): number | undefined {
    switch (stampKind(text)) {
      case 'epoch': {
        const [sec, frac = ''] = text.split('.');
        return Number(sec) * MICROS_PER_SECOND + Math.round(Number(`0.${frac || '0'}`) * MICROS_PER_SECOND);
      }
      case 'dated': {
        const [date, clockText] = text.split(/[ T]/);
        const [year, month, day] = date.split(/[/-]/).map(Number);
        const clock = parseClock(clockText);
        if (!clock) return undefined;
        return wallClockToMicros({ year, month, day, ...clock }, this.time.zone);
      }
      case 'time': {
        const clock = parseClock(text);
        if (!clock) return undefined;
        this.dates ??= new DateResolver(this.time);
        return this.dates.resolve(clock);
      }
      default:
        return undefined;
    }
  }
}

const TERMINAL_STATES = new Set(['FIN', 'RST', 'CLO']);
/**
 * racluster merges every record of a 5-tuple; flowlink does too until the flow ends (FIN/RST)
 * or has been silent this long (an FTP control connection idles for minutes mid-session), so a
 * 5-tuple reused hours later is a new flow and open flows can be handed on to bound memory.
 */
const MERGE_GAP_US = 3600 * MICROS_PER_SECOND;

function flowKey(f: FlowRecord): string {
  return `${f.proto}|${f.src}|${f.sport}|${f.dst}|${f.dport}`;
}

/** Flags are positional: the merged flag at each position is the first non-blank one. */
function mergeFlags(a = '', b = ''): string {
  const n = Math.max(a.length, b.length);
  let out = '';
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? ' ';
    out += x !== ' ' ? x : (b[i] ?? ' ');
  }
  return out;
}

function addOptional(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
}

/** Folds a status record into the flow it continues, the way racluster merges records. */
function mergeInto(flow: FlowRecord, rec: FlowRecord): void {
  flow.start = Math.min(flow.start, rec.start);
  flow.end = Math.max(flow.end, rec.end);
  flow.pkts += rec.pkts;
  flow.bytes += rec.bytes;
  flow.srcPkts = addOptional(flow.srcPkts, rec.srcPkts);
  flow.dstPkts = addOptional(flow.dstPkts, rec.dstPkts);
  flow.srcBytes = addOptional(flow.srcBytes, rec.srcBytes);
  flow.dstBytes = addOptional(flow.dstBytes, rec.dstBytes);
  flow.srcPayload = addOptional(flow.srcPayload, rec.srcPayload);
  flow.dstPayload = addOptional(flow.dstPayload, rec.dstPayload);
  flow.state = rec.state ?? flow.state;
  flow.flags = mergeFlags(flow.flags, rec.flags);
  flow.parts!.push(...rec.parts!);
  flow.records += rec.records;
}

function isArgusHeader(line: string): boolean {
  return headerFromLine(line) !== undefined;
}

export interface ArgusRowResult {
  flow?: FlowRecord;
  management?: boolean;
  reason?: string;
}

/** One data row -> a single-record flow (not yet merged). Exported for tests. */
export function argusRow(header: Header, line: string, stamps: StampReader, file: string, lineNo: number): ArgusRowResult {
  let cells: string[] | undefined;
  if (header.separator) {
    cells = line.split(header.separator).map((c) => c.trim());
    if (cells.length < header.columns.length) return { reason: `expected ${header.columns.length} fields, found ${cells.length}` };
  } else {
    cells = cellsByPosition(header, line) ?? cellsByCount(header, line);
    if (!cells) return { reason: 'columns do not match the header' };
  }
  const get = (label: string): string | undefined => {
    const i = header.index.get(label);
    return i === undefined ? undefined : cells![i];
  };
  const protoText = get('Proto')!;
  if (protoText === 'man') return { management: true };
  const proto = protoFromText(protoText);
  if (proto === undefined) return { reason: `unknown protocol '${protoText}'` };

  const start = stamps.read(get('StartTime')!);
  if (start === undefined) return { reason: `bad StartTime '${get('StartTime')}'` };
  let end = start;
  const last = get('LastTime');
  const dur = get('Dur');
  if (last) {
    const e = stamps.read(last);
    if (e === undefined) return { reason: `bad LastTime '${last}'` };
    end = e;
  } else if (dur && /^\d+(\.\d+)?$/.test(dur)) {
    end = start + Math.round(Number(dur) * MICROS_PER_SECOND);
  }

  const num = (label: string): number | undefined | null => {
    const v = get(label);
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) return null; // cut short with '*': not a number we can trust
    return Number(v);
  };
  const counts: Record<string, number | undefined> = {};
  for (const label of ['TotPkts', 'TotBytes', 'SrcPkts', 'DstPkts', 'SrcBytes', 'DstBytes', 'SAppBytes', 'DAppBytes']) {
    const v = num(label);
    if (v === null) return { reason: `${label} '${get(label)}' is cut short (widen the column with -s)` };
    counts[label] = v;
  }
  const pkts = counts.TotPkts ?? addOptional(counts.SrcPkts, counts.DstPkts);
  const bytes = counts.TotBytes ?? addOptional(counts.SrcBytes, counts.DstBytes);
  if (pkts === undefined || bytes === undefined) return { reason: 'no packet or byte counts (need TotPkts/TotBytes or Src/Dst columns)' };

  const sportText = get('Sport') ?? '';
  const dportText = get('Dport') ?? '';
  const sport = portFromText(sportText.replace(/\*$/, ''));
  const dport = portFromText(dportText.replace(/\*$/, ''));
  const src = get('SrcAddr')!;
  const dst = get('DstAddr')!;
  const flow: FlowRecord = {
    kind: 'flow',
    flowId: '',
    start,
    end,
    proto,
    src,
    sport: sport ?? null,
    dst,
    dport: dport ?? null,
    dir: get('Dir') || undefined,
    state: get('State') || undefined,
    flags: get('Flgs') ?? undefined,
    pkts,
    bytes,
    // argus counts each frame's original length, link header included.
    byteBasis: 'link',
    srcPkts: counts.SrcPkts,
    dstPkts: counts.DstPkts,
    srcBytes: counts.SrcBytes,
    dstBytes: counts.DstBytes,
    srcPayload: counts.SAppBytes,
    dstPayload: counts.DAppBytes,
    parts: [{ start, end, pkts, bytes }],
    origin: { file, line: lineNo, raw: line },
    records: 1,
  };
  return { flow };
}

function finish(flow: FlowRecord): FlowRecord {
  flow.flowId = `${flow.proto}:${flow.src}:${flow.sport ?? ''}-${flow.dst}:${flow.dport ?? ''}@${flow.start}`;
  if (flow.parts!.length === 1) flow.parts = undefined;
  else flow.parts!.sort((a, b) => a.start - b.start);
  return flow;
}

async function* parseArgus(input: InputFile, time: TimeContext): AsyncIterable<ParseItem> {
  const stamps = new StampReader(time);
  const open = new Map<string, FlowRecord>();
  let header: Header | undefined;
  let lineNo = 0;
  let management = 0;
  let truncatedAddresses = 0;
  let lastSweep = -Infinity;

  const issue = (reason: string): ParseIssue => ({ kind: 'issue', file: input.path, line: lineNo, reason });

  for await (const line of input.lines()) {
    lineNo++;
    if (line.trim() === '') continue;
    const h = headerFromLine(line);
    if (h) {
      header = h;
      continue;
    }
    if (!header) {
      yield issue('data before the -L0 header line (run ra with -L0)');
      continue;
    }
    const row = argusRow(header, line, stamps, input.path, lineNo);
    if (row.management) {
      management++;
      continue;
    }
    if (!row.flow) {
      yield issue(row.reason!);
      continue;
    }
    const rec = row.flow;
    if (rec.src.endsWith('*') || rec.dst.endsWith('*')) truncatedAddresses++;
    const key = flowKey(rec);
    const prev = open.get(key);
    if (prev && !TERMINAL_STATES.has(prev.state ?? '') && rec.start - prev.end <= MERGE_GAP_US) {
      mergeInto(prev, rec);
    } else {
      if (prev) yield finish(prev);
      open.set(key, rec);
    }
    if (rec.state && TERMINAL_STATES.has(rec.state)) {
      yield finish(open.get(key)!);
      open.delete(key);
    }
    // Flows idle past the merge gap can never grow again: hand them on so memory stays bounded.
    if (rec.start - lastSweep > MERGE_GAP_US) {
      lastSweep = rec.start;
      for (const [k, f] of open) {
        if (rec.start - f.end > 2 * MERGE_GAP_US) {
          yield finish(f);
          open.delete(k);
        }
      }
    }
  }
  for (const f of open.values()) yield finish(f);
  if (management > 0) yield { kind: 'note', file: input.path, message: `ignored ${management} argus management records` };
  if (truncatedAddresses > 0) {
    yield {
      kind: 'note',
      file: input.path,
      message: `${truncatedAddresses} records have addresses cut short by ra's column width: give ra wider columns (-s saddr:40) or CSV (-c ,)`,
    };
  }
}

function firstDataStamp(headLines: string[]): StampKind | undefined {
  let header: Header | undefined;
  for (const line of headLines) {
    const h = headerFromLine(line);
    if (h) {
      header = h;
      continue;
    }
    if (!header) continue;
    const first = header.separator ? line.split(header.separator)[0].trim() : line.trim().split(/\s+/).slice(0, 2).join(' ');
    const kind = stampKind(first);
    if (kind) return kind;
  }
  return undefined;
}

export const argusText: Parser = {
  name: 'argus-text',
  description: 'Argus client text output (ra/racluster/rasort -L0), aligned columns or CSV (-c ,)',
  produces: 'flows',
  samples: [
    '         StartTime      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport  TotPkts   TotBytes State ',
    '   16:52:41.968492  e           tcp    141.142.220.235.50003     ->    199.233.217.249.ftp          18       3623   CON',
    'StartTime,LastTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,State',
    '1329843161.968492,1329843166.672122, e        ,6,141.142.220.235,50003,   ->,199.233.217.249,21,11,7,767,2856,CON',
  ],
  detect(_head, headLines) {
    return headLines.slice(0, 5).some(isArgusHeader) ? 0.9 : 0;
  },
  timeCompleteness(headLines): TimeCompleteness {
    return firstDataStamp(headLines) === 'time' ? 'no-date' : 'full';
  },
  parse: parseArgus,
};

export { headerFromLine as argusHeader, StampReader as ArgusStampReader };
