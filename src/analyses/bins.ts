// Traffic per time bin. A flow's bytes are spread over the bins it spans in proportion to
// time, part by part where status records say when the bytes really moved (as rabins does).
import type { BinSeries, FlowPart, FlowRecord, Micros } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';

const S = MICROS_PER_SECOND;
export const BIN_WIDTHS: Micros[] = [1, 5, 10, 30, 60, 300, 600, 900, 1800, 3600, 6 * 3600, 86400].map((s) => s * S);

/** Most bins a series gets when the width is chosen from the span. */
const MAX_BINS = 720;

/** The narrowest standard width that keeps the span within MAX_BINS bins. */
export function chooseBinWidth(span: Micros): Micros {
  return BIN_WIDTHS.find((w) => span / w <= MAX_BINS) ?? BIN_WIDTHS[BIN_WIDTHS.length - 1];
}

/** '30s', '5m', '1h' -> micros; undefined when malformed. */
export function parseBinWidth(text: string): Micros | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  const width = Math.round(Number(m[1]) * unit * S);
  return width > 0 ? width : undefined;
}

function partsOf(flow: FlowRecord): FlowPart[] {
  return flow.parts ?? [{ start: flow.start, end: flow.end, pkts: flow.pkts, bytes: flow.bytes }];
}

/** Bytes of one part falling in [from, to), spread evenly over the part's duration. */
function partBytesIn(part: FlowPart, from: Micros, to: Micros): number {
  if (part.end <= part.start) return part.start >= from && part.start < to ? part.bytes : 0;
  const overlap = Math.min(part.end, to) - Math.max(part.start, from);
  return overlap > 0 ? (part.bytes * overlap) / (part.end - part.start) : 0;
}

export function bytesInWindow(flow: FlowRecord, from: Micros, to: Micros): number {
  if (flow.end < from || flow.start >= to) return 0;
  let sum = 0;
  for (const part of partsOf(flow)) sum += partBytesIn(part, from, to);
  return sum;
}

/** Bin start aligned to the width, in UTC, so bins read as 03:25, 03:30 ... */
export function alignedStart(t: Micros, width: Micros): Micros {
  return Math.floor(t / width) * width;
}

/** Bytes, packets and active flows per bin; parts spread in proportion to time. */
export function binFlows(flows: Iterable<FlowRecord>, start: Micros, width: Micros, count: number): BinSeries {
  const bytes = new Float64Array(count);
  const pkts = new Float64Array(count);
  const active = new Float64Array(count);
  for (const flow of flows) {
    const firstBin = Math.max(0, Math.floor((flow.start - start) / width));
    const lastBin = Math.min(count - 1, Math.floor((flow.end - start) / width));
    for (let i = firstBin; i <= lastBin; i++) active[i]++;
    for (const part of partsOf(flow)) {
      const first = Math.max(0, Math.floor((part.start - start) / width));
      const last = Math.min(count - 1, Math.floor((part.end - start) / width));
      if (last < first) continue;
      if (first === last || part.end <= part.start) {
        bytes[first] += part.bytes;
        pkts[first] += part.pkts;
        continue;
      }
      const span = part.end - part.start;
      for (let i = first; i <= last; i++) {
        const from = start + i * width;
        const overlap = Math.min(part.end, from + width) - Math.max(part.start, from);
        if (overlap <= 0) continue;
        bytes[i] += (part.bytes * overlap) / span;
        pkts[i] += (part.pkts * overlap) / span;
      }
    }
  }
  return { start, width, bytes, pkts, flows: active };
}


/**
 * Flows started per bin: the connection rate a scan or a burst of small mails raises while
 * bytes barely move. Counted at the start, so a long flow counts once, not in every bin.
 */
export function flowStarts(flows: Iterable<FlowRecord>, start: Micros, width: Micros, count: number): Float64Array {
  const starts = new Float64Array(count);
  for (const flow of flows) {
    const i = Math.floor((flow.start - start) / width);
    if (i >= 0 && i < count) starts[i]++;
  }
  return starts;
}
