// Spike detection: bytes, packets and flows started per bin, each against a rolling robust
// baseline (median and MAD); hot bins merged into spikes, each spike attributed to the hosts,
// pairs, ports and flows in it, like `racluster | rasort` over the window. When the data spans
// days, a seasonal baseline (the same time of day on the other days) tells a nightly job from
// a one-off. The largest hosts get their own series too (host-spikes.ts).
import type { BinSeries, FlowRecord, HostShare, Micros, PairShare, PortShare, SeriesFigure, SeriesName, Spike } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';
import { alignedStart, BIN_WIDTHS, binFlows, bytesInWindow, chooseBinWidth, flowStarts } from './bins.js';
import { detectHostSpikes } from './host-spikes.js';

export interface SpikeOptions {
  /** Robust z-score a bin must reach to be hot. */
  z: number;
  /** Bins either side of a bin that make up its baseline window. */
  halfWindow: number;
  /** A spike must exceed its baseline by at least this many bytes in all... */
  minExcessBytes: number;
  /** ...or packets (a small-packet flood), or flows started (a scan, a burst of small mails)... */
  minExcessPkts: number;
  minExcessFlows: number;
  /**
   * ...and by this share of all the traffic (bytes, packets, flows) in the span, so a 4 MB
   * download on a quiet link is not reported beside a 1.7 GB backup: what stands out on the
   * admin's graph stands out here. 0.25% keeps precision at 1.0 with recall 0.76 on the
   * labelled series (BENCHMARKS.md (d)).
   */
  minShare: number;
  /** Bin width; chosen from the data's span when absent. */
  binWidth?: Micros;
  /** How many hosts, largest by bytes, get their own series; 0 looks at the link total only. */
  hostSeries: number;
}

export const SENSITIVITY = { low: 10, normal: 6, high: 4 } as const;
export type Sensitivity = keyof typeof SENSITIVITY;

export const DEFAULT_SPIKE_OPTIONS: SpikeOptions = {
  z: SENSITIVITY.normal,
  halfWindow: 24,
  minExcessBytes: 1 << 20,
  // Ten thousand packets (10 MB at full size, 640 KB of 64-byte ones) or fifty connections
  // above the usual: less is a busy minute, not an event.
  minExcessPkts: 10_000,
  minExcessFlows: 50,
  minShare: 0.0025,
  hostSeries: 20,
};

export const SERIES: readonly SeriesName[] = ['bytes', 'pkts', 'flows'];

/** `--sensitivity low|normal|high` or a z threshold such as `5.5`. */
export function parseSensitivity(text: string): number | undefined {
  if (text in SENSITIVITY) return SENSITIVITY[text as Sensitivity];
  const z = Number(text);
  return Number.isFinite(z) && z > 0 ? z : undefined;
}

const DAY_US = 86400 * MICROS_PER_SECOND;

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface BinScore {
  baseline: number;
  /** Robust z-score: (bytes - median) / (1.4826 * MAD). */
  z: number;
}

/** First index in a sorted array whose value is >= v. */
function lowerBound(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The k-th smallest (0-based) of |v - med| over a sorted window, merging both sides outward. */
function kthDeviation(sorted: number[], med: number, k: number): number {
  let left = lowerBound(sorted, med) - 1;
  let right = left + 1;
  let value = 0;
  for (let n = 0; n <= k; n++) {
    const dl = left >= 0 ? med - sorted[left] : Infinity;
    const dr = right < sorted.length ? sorted[right] - med : Infinity;
    if (dl <= dr) {
      value = dl;
      left--;
    } else {
      value = dr;
      right++;
    }
  }
  return value;
}

/**
 * Rolling median/MAD baseline for each bin. Pure; exported for tests. The window is kept
 * sorted as it slides, so each bin costs the window's length, not a sort.
 */
export function scoreBins(series: Float64Array, halfWindow: number): BinScore[] {
  const out: BinScore[] = [];
  const sorted: number[] = [];
  let hi = -1;
  for (let i = 0; i < series.length; i++) {
    for (; hi < Math.min(series.length - 1, i + halfWindow); ) {
      hi++;
      sorted.splice(lowerBound(sorted, series[hi]), 0, series[hi]);
    }
    const drop = i - halfWindow - 1;
    if (drop >= 0) sorted.splice(lowerBound(sorted, series[drop]), 1);
    const n = sorted.length;
    const mid = n >> 1;
    const med = n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    const mad = n % 2 ? kthDeviation(sorted, med, mid) : (kthDeviation(sorted, med, mid - 1) + kthDeviation(sorted, med, mid)) / 2;
    // A perfectly flat link has MAD 0: floor the scale so a byte of jitter is not a spike.
    const scale = Math.max(1.4826 * mad, 0.05 * med, 1);
    out.push({ baseline: med, z: (series[i] - med) / scale });
  }
  return out;
}

/**
 * The same time of day on the other days: for each bin, the median of the bins one or more
 * whole days away. Undefined where the data has no other day at that time.
 */
export function seasonalBaseline(series: BinSeries): (number | undefined)[] {
  const perDay = DAY_US / series.width;
  const out: (number | undefined)[] = [];
  if (!Number.isInteger(perDay) || series.bytes.length <= perDay) return Array.from(series.bytes, () => undefined);
  for (let i = 0; i < series.bytes.length; i++) {
    const others: number[] = [];
    for (let j = i - perDay; j >= 0; j -= perDay) others.push(series.bytes[j]);
    for (let j = i + perDay; j < series.bytes.length; j += perDay) others.push(series.bytes[j]);
    out.push(others.length ? median(others) : undefined);
  }
  return out;
}

/** Hot bins merged into [first, last] runs; a single quiet bin inside a run does not split it. */
export function hotRuns(scores: BinScore[], z: number): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < scores.length; i++) {
    if (scores[i].z < z) continue;
    const last = runs[runs.length - 1];
    if (last && i - last[1] <= 2) last[1] = i;
    else runs.push([i, i]);
  }
  return runs;
}

/** A series chosen from the span is widened until this share of its bins carry traffic... */
const MIN_BUSY_BINS = 0.5;
/** ...while it keeps this many bins, a baseline window's worth. */
const MIN_BINS = 48;

/**
 * Bytes, packets and flows per bin over the flows' span. Without a width given, the width
 * comes from the span, widened while most bins are empty: on a series of mostly empty bins
 * the median and MAD are 0 and every flow would be a spike (a transfer every 5 minutes seen
 * in 30 s bins).
 */
export function seriesFor(flows: FlowRecord[], binWidth?: Micros): BinSeries | undefined {
  if (flows.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const f of flows) {
    if (f.start < min) min = f.start;
    if (f.end > max) max = f.end;
  }
  const binsAt = (width: Micros) => {
    const start = alignedStart(min, width);
    return binFlows(flows, start, width, Math.floor((max - start) / width) + 1);
  };
  let series = binsAt(binWidth ?? chooseBinWidth(max - min));
  if (binWidth !== undefined) return series;
  for (const width of BIN_WIDTHS.filter((w) => w > series.width)) {
    const busy = series.bytes.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    if (busy >= MIN_BUSY_BINS * series.bytes.length) break;
    const wider = binsAt(width);
    if (wider.bytes.length < MIN_BINS) break;
    series = wider;
  }
  return series;
}

function ranked<K, T extends { bytes: number }>(map: Map<K, T>, total: number): (T & { share: number })[] {
  return [...map.values()].map((v) => ({ ...v, share: total > 0 ? v.bytes / total : 0 })).sort((a, b) => b.bytes - a.bytes);
}

/** A host "carries" a spike when it received or sent at least this share of its bytes. */
const ON_HOST_SHARE = 0.5;
/** Flows carrying at least this share of a spike mark its onset. */
const ONSET_SHARE = 0.1;

/** Who made up a window's bytes: hosts, pairs, ports and flows, each with its share. Pure. */
export function attribute(flows: FlowRecord[], from: Micros, to: Micros): Pick<Spike, 'flows' | 'hosts' | 'pairs' | 'ports' | 'onHost' | 'onset' | 'bytes' | 'pkts'> {
  const contributing: Spike['flows'] = [];
  const hosts = new Map<string, Omit<HostShare, 'share'>>();
  const pairs = new Map<string, Omit<PairShare, 'share'>>();
  const ports = new Map<string, Omit<PortShare, 'share'>>();
  let total = 0;
  let pkts = 0;
  const host = (h: string) => {
    let e = hosts.get(h);
    if (!e) hosts.set(h, (e = { host: h, bytes: 0, received: 0, sent: 0 }));
    return e;
  };
  for (const flow of flows) {
    if (flow.end < from || flow.start >= to) continue;
    const bytes = bytesInWindow(flow, from, to);
    if (bytes <= 0) continue;
    total += bytes;
    pkts += flow.bytes > 0 ? (flow.pkts * bytes) / flow.bytes : 0;
    contributing.push({ flow, bytes });
    // Who sent what: a flow that counted each direction splits its bytes (a download's data
    // goes dst -> src); one that did not is all src -> dst, as its direction says.
    const fromSrc = flow.srcBytes !== undefined && flow.dstBytes !== undefined && flow.bytes > 0 ? (bytes * flow.srcBytes) / flow.bytes : bytes;
    const s = host(flow.src);
    s.bytes += bytes;
    s.sent += fromSrc;
    s.received += bytes - fromSrc;
    const d = host(flow.dst);
    d.bytes += bytes;
    d.received += fromSrc;
    d.sent += bytes - fromSrc;
    const pairKey = `${flow.src}>${flow.dst}`;
    const pair = pairs.get(pairKey) ?? { src: flow.src, dst: flow.dst, bytes: 0 };
    pair.bytes += bytes;
    pairs.set(pairKey, pair);
    const portKey = `${flow.proto}/${flow.dport}`;
    const port = ports.get(portKey) ?? { proto: flow.proto, port: flow.dport, bytes: 0 };
    port.bytes += bytes;
    ports.set(portKey, port);
  }
  contributing.sort((a, b) => b.bytes - a.bytes);
  const hostList = ranked(hosts, total);
  let onHost: Spike['onHost'];
  for (const h of hostList) {
    const direction = h.received >= h.sent ? 'received' : 'sent';
    const share = total > 0 ? Math.max(h.received, h.sent) / total : 0;
    if (share >= ON_HOST_SHARE && (!onHost || share > onHost.share)) onHost = { host: h.host, direction, share };
  }
  const carriers = contributing.filter((c) => c.bytes >= ONSET_SHARE * total);
  const onset = carriers.length ? Math.min(...carriers.map((c) => c.flow.start)) : from;
  return { flows: contributing, hosts: hostList, pairs: ranked(pairs, total), ports: ranked(ports, total), onHost, onset, bytes: total, pkts };
}

export interface Detection {
  series?: BinSeries;
  spikes: Spike[];
}

/** The three series of one traffic (the link's, or one host's), bin by bin. */
export type SeriesSet = Record<SeriesName, Float64Array>;

export function seriesSetOf(flows: FlowRecord[], start: Micros, width: Micros, count: number): { bins: BinSeries; set: SeriesSet } {
  const bins = binFlows(flows, start, width, count);
  return { bins, set: { bytes: bins.bytes, pkts: bins.pkts, flows: flowStarts(flows, start, width, count) } };
}

export type SeriesScores = Record<SeriesName, BinScore[]>;

export function scoreSeries(set: SeriesSet, halfWindow: number): SeriesScores {
  return { bytes: scoreBins(set.bytes, halfWindow), pkts: scoreBins(set.pkts, halfWindow), flows: scoreBins(set.flows, halfWindow) };
}

export function sumOf(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}

/** A run of bins [first, last] and the series that found it. */
export interface HotWindow {
  first: number;
  last: number;
  triggers: SeriesName[];
}

/**
 * Hot runs of each series that exceed their baseline by at least that series' minimum (plus
 * `perBin` for each bin of the run). A bytes run is a window; a packets or flows run touching
 * it (within two bins, as hotRuns merges) only adds its series to the window's triggers, so
 * the tail of small packets after a transfer does not stretch the transfer's window. Runs
 * no bytes run touches make windows of their own, merged where they touch. Pure.
 */
export function hotWindows(set: SeriesSet, scores: SeriesScores, z: number, minExcess: Record<SeriesName, number>, perBin?: Record<SeriesName, number>): HotWindow[] {
  const touches = (w: HotWindow, first: number, last: number) => first - w.last <= 2 && w.first - last <= 2;
  const windows: HotWindow[] = [];
  for (const name of SERIES) {
    for (const [first, last] of hotRuns(scores[name], z)) {
      let excess = 0;
      for (let i = first; i <= last; i++) excess += set[name][i] - scores[name][i].baseline;
      if (excess < minExcess[name] + (perBin?.[name] ?? 0) * (last - first + 1)) continue;
      const add = (w: HotWindow) => {
        if (!w.triggers.includes(name)) w.triggers.push(name);
      };
      const bytesWindow = windows.find((w) => w.triggers.includes('bytes') && touches(w, first, last));
      if (bytesWindow) {
        add(bytesWindow);
        continue;
      }
      const other = windows.find((w) => !w.triggers.includes('bytes') && touches(w, first, last));
      if (other) {
        other.first = Math.min(other.first, first);
        other.last = Math.max(other.last, last);
        add(other);
      } else windows.push({ first, last, triggers: [name] });
    }
  }
  windows.sort((a, b) => a.first - b.first);
  for (const w of windows) w.triggers.sort((a, b) => SERIES.indexOf(a) - SERIES.indexOf(b));
  return windows;
}

/** Each series over bins [first, last]: sum, baseline sum, highest z. */
export function figuresOver(set: SeriesSet, scores: SeriesScores, first: number, last: number): Record<SeriesName, SeriesFigure> {
  const out = {} as Record<SeriesName, SeriesFigure>;
  for (const name of SERIES) {
    const f: SeriesFigure = { total: 0, baseline: 0, z: -Infinity };
    for (let i = first; i <= last; i++) {
      f.total += set[name][i];
      f.baseline += scores[name][i].baseline;
      f.z = Math.max(f.z, scores[name][i].z);
    }
    out[name] = f;
  }
  return out;
}

/** The bin with the most of the first series that found the window (bytes when bytes did). */
function peakBin(set: SeriesSet, w: HotWindow): number {
  const values = set[w.triggers[0]];
  let peak = w.first;
  for (let i = w.first; i <= w.last; i++) if (values[i] > values[peak]) peak = i;
  return peak;
}

/**
 * For a spike found in flows started (a scan), not bytes: the host at one end of at least half
 * of the flows that started in it. Bytes would name whoever moved the most data meanwhile.
 */
function onHostByFlows(contributing: Spike['flows'], from: Micros, to: Micros): Spike['onHost'] {
  const sent = new Map<string, number>();
  const received = new Map<string, number>();
  let started = 0;
  for (const { flow } of contributing) {
    if (flow.start < from || flow.start >= to) continue;
    started++;
    sent.set(flow.src, (sent.get(flow.src) ?? 0) + 1);
    received.set(flow.dst, (received.get(flow.dst) ?? 0) + 1);
  }
  let best: Spike['onHost'];
  for (const [direction, counts] of [['sent', sent], ['received', received]] as const) {
    for (const [host, n] of counts) if (n / started >= ON_HOST_SHARE && (!best || n / started > best.share)) best = { host, direction, share: n / started };
  }
  return best;
}

/** A hot window as a spike: its figures, seasonal baseline and attribution over `flows`. */
export function spikeOf(flows: FlowRecord[], bins: BinSeries, set: SeriesSet, scores: SeriesScores, w: HotWindow): Spike {
  const seasonal = seasonalBaseline(bins);
  const figures = figuresOver(set, scores, w.first, w.last);
  let seasonalBytes: number | undefined = 0;
  for (let i = w.first; i <= w.last; i++) seasonalBytes = seasonal[i] === undefined || seasonalBytes === undefined ? undefined : seasonalBytes + seasonal[i]!;
  const start = bins.start + w.first * bins.width;
  const end = bins.start + (w.last + 1) * bins.width;
  const attribution = attribute(flows, start, end);
  if (w.triggers.length === 1 && w.triggers[0] === 'flows') attribution.onHost = onHostByFlows(attribution.flows, start, end);
  return {
    ...attribution,
    id: 0,
    start,
    end,
    peak: bins.start + peakBin(set, w) * bins.width,
    baselineBytes: figures.bytes.baseline,
    excessBytes: figures.bytes.total - figures.bytes.baseline,
    seasonalBaselineBytes: seasonalBytes,
    // The bytes z when bytes found it (what a traffic graph shows), else the series that did.
    score: figures[w.triggers[0]].z,
    detected: true,
    triggers: w.triggers,
    figures,
  };
}

export function detectSpikes(flows: FlowRecord[], options: SpikeOptions = DEFAULT_SPIKE_OPTIONS): Detection {
  const series = seriesFor(flows, options.binWidth);
  if (!series) return { spikes: [] };
  const { set } = seriesSetOf(flows, series.start, series.width, series.bytes.length);
  const scores = scoreSeries(set, options.halfWindow);
  const totals = { bytes: sumOf(set.bytes), pkts: sumOf(set.pkts), flows: sumOf(set.flows) };
  const minExcess = {
    bytes: Math.max(options.minExcessBytes, options.minShare * totals.bytes),
    pkts: Math.max(options.minExcessPkts, options.minShare * totals.pkts),
    flows: Math.max(options.minExcessFlows, options.minShare * totals.flows),
  };
  const linkSpikes = hotWindows(set, scores, options.z, minExcess).map((w) => spikeOf(flows, series, set, scores, w));
  const hostSpikes = detectHostSpikes(flows, { bins: series, scores, totals }, options, linkSpikes);
  const spikes = [...linkSpikes, ...hostSpikes].sort((a, b) => a.start - b.start || (a.hostSeries ? 1 : 0) - (b.hostSeries ? 1 : 0));
  spikes.forEach((s, i) => (s.id = i + 1));
  return { series, spikes };
}

/** A window the user picked (`--at`, `--from/--to`), measured like a detected spike. */
export function windowAsSpike(flows: FlowRecord[], series: BinSeries, from: Micros, to: Micros, halfWindow = DEFAULT_SPIKE_OPTIONS.halfWindow): Spike {
  const { set } = seriesSetOf(flows, series.start, series.width, series.bytes.length);
  const scores = scoreSeries(set, halfWindow);
  const figures = {} as Record<SeriesName, SeriesFigure>;
  for (const name of SERIES) figures[name] = { total: 0, baseline: 0, z: -Infinity };
  let peak = from;
  let peakBytes = -1;
  for (let i = 0; i < series.bytes.length; i++) {
    const binStart = series.start + i * series.width;
    const overlap = Math.min(to, binStart + series.width) - Math.max(from, binStart);
    if (overlap <= 0) continue;
    for (const name of SERIES) {
      figures[name].total += (set[name][i] * overlap) / series.width;
      figures[name].baseline += (scores[name][i].baseline * overlap) / series.width;
      figures[name].z = Math.max(figures[name].z, scores[name][i].z);
    }
    if (series.bytes[i] > peakBytes) {
      peakBytes = series.bytes[i];
      peak = binStart;
    }
  }
  const a = attribute(flows, from, to);
  const baselineBytes = figures.bytes.baseline;
  return { ...a, id: 1, start: from, end: to, peak, baselineBytes, excessBytes: a.bytes - baselineBytes, score: Math.max(0, figures.bytes.z), detected: false, figures };
}
