// What the timeline draws, built once from a report: traffic per bin and log events per lane
// per bin as prefix sums, so any column of any zoom is two lookups and a frame costs the
// columns on screen, never the events behind them.
import type { BinSeries, ExplainedSpike, FlowRecord, LogEvent, Micros } from '../../event.js';
import { protoName } from '../../../parsers/port-names.js';
import { describeSpike } from '../headline.js';
import type { Nav } from './state.js';

export type Lane = 'ftp' | 'mail' | 'web' | 'other';
export const LANES: Lane[] = ['ftp', 'mail', 'web', 'other'];

export function laneOf(service: string): Lane {
  return service === 'ftp' || service === 'mail' || service === 'web' ? service : 'other';
}

export interface TimelineSpike {
  id: number;
  /** Base bins the spike covers, inclusive, and its peak bin. */
  first: number;
  last: number;
  peak: number;
  recurring: boolean;
  /** The one-line answer, as `explain` prints it. */
  headline: string;
  explained: ExplainedSpike;
}

export interface TimelineModel {
  start: Micros;
  width: Micros;
  bins: number;
  bytes: Float64Array;
  /** cumBytes[i] = bytes in bins [0, i). */
  cumBytes: Float64Array;
  /** Per lane, cumEvents[lane][i] = events in bins [0, i). */
  cumEvents: Record<Lane, Float64Array>;
  spikes: TimelineSpike[];
  zone: string;
  flowCount: number;
  logCount: number;
  /** The log events, kept for `/` (lanes recounted once per filter) and never read by a frame. */
  logs: readonly LogEvent[];
}

export interface TimelineInput {
  series: BinSeries;
  spikes: ExplainedSpike[];
  logs: readonly LogEvent[];
  /** Zone times are shown in (IANA name). */
  zone: string;
  flowCount?: number;
  /** Overrides `spike.recurrence !== undefined` per spike id. */
  recurring?: Map<number, boolean>;
}

function cumulative(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = out[i] + values[i];
  return out;
}

/** Events per lane per bin, as prefix sums; `keep` narrows them (the `/` filter). */
export function laneCounts(
  logs: readonly LogEvent[],
  start: Micros,
  width: Micros,
  bins: number,
  keep?: (e: LogEvent) => boolean,
): Record<Lane, Float64Array> {
  const counts: Record<Lane, Uint32Array> = { ftp: new Uint32Array(bins), mail: new Uint32Array(bins), web: new Uint32Array(bins), other: new Uint32Array(bins) };
  const n = logs.length;
  for (let i = 0; i < n; i++) {
    const e = logs[i];
    const bin = Math.floor((e.ts - start) / width);
    if (bin < 0 || bin >= bins) continue;
    if (keep && !keep(e)) continue;
    counts[laneOf(e.service)][bin]++;
  }
  return { ftp: cumulative(counts.ftp), mail: cumulative(counts.mail), web: cumulative(counts.web), other: cumulative(counts.other) };
}

export function buildTimelineModel(input: TimelineInput): TimelineModel {
  const { series, zone } = input;
  const bins = series.bytes.length;
  const binOf = (t: Micros) => Math.max(0, Math.min(bins - 1, Math.floor((t - series.start) / series.width)));
  const spikes = [...input.spikes]
    .sort((a, b) => a.spike.start - b.spike.start)
    .map((x): TimelineSpike => ({
      id: x.spike.id,
      first: binOf(x.spike.start),
      last: Math.max(binOf(x.spike.start), binOf(x.spike.end - 1)),
      peak: binOf(x.spike.peak),
      recurring: input.recurring?.get(x.spike.id) ?? x.spike.recurrence !== undefined,
      headline: describeSpike(x, zone),
      explained: x,
    }));
  return {
    start: series.start,
    width: series.width,
    bins,
    bytes: series.bytes,
    cumBytes: cumulative(series.bytes),
    cumEvents: laneCounts(input.logs, series.start, series.width, bins),
    spikes,
    zone,
    flowCount: input.flowCount ?? 0,
    logCount: input.logs.length,
    logs: input.logs,
  };
}

// ---- what `/` matches ----

export function flowText(f: FlowRecord): string {
  return `${protoName(f.proto)} ${f.src} ${f.sport ?? ''} ${f.dst} ${f.dport ?? ''} ${f.state ?? ''}`;
}

export function logText(l: LogEvent): string {
  return `${l.service} ${l.action ?? ''} ${l.host ?? ''} ${l.program ?? ''} ${l.origin.raw}`;
}

export function matches(text: string, filter: string): boolean {
  return filter === '' || text.toLowerCase().includes(filter.toLowerCase());
}

/** Hosts, rules and log lines of a spike: what `/` looks for when it picks spikes. */
function spikeText(s: TimelineSpike): string {
  const x = s.explained;
  const parts = [s.headline, ...x.spike.hosts.map((h) => h.host)];
  for (const e of x.explanations) {
    parts.push(e.rule, e.title, e.summary);
    for (const l of e.logs) parts.push(logText(l));
    for (const f of e.flows) parts.push(flowText(f));
  }
  for (const u of x.unexplained) parts.push(flowText(u.flow));
  return parts.join('\n');
}

export function navOf(model: TimelineModel): Nav {
  return { bins: model.bins, spikes: model.spikes.map((s) => ({ first: s.first, last: s.last, peak: s.peak, text: spikeText(s) })) };
}

// ---- columns of a zoom level ----

export function sumIn(cum: Float64Array, from: number, to: number): number {
  return cum[Math.min(to, cum.length - 1)] - cum[Math.max(0, from)];
}
