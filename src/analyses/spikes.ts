// Spike detection: bytes per bin against a rolling robust baseline (median and MAD), hot
// bins merged into spikes, each spike attributed to the hosts, pairs, ports and flows in it,
// like `racluster | rasort` over the window. When the data spans days, a seasonal baseline
// (the same time of day on the other days) tells a nightly job from a one-off.
import type { BinSeries, FlowRecord, HostShare, Micros, PairShare, PortShare, Spike } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';
import { alignedStart, binFlows, bytesInWindow, chooseBinWidth } from './bins.js';

export interface SpikeOptions {
  /** Robust z-score a bin must reach to be hot. */
  z: number;
  /** Bins either side of a bin that make up its baseline window. */
  halfWindow: number;
  /** A spike must exceed its baseline by at least this many bytes in all... */
  minExcessBytes: number;
  /**
   * ...and by this share of all the traffic in the span, so a 4 MB download on a quiet link
   * is not reported beside a 1.7 GB backup: what stands out on the admin's graph stands out
   * here. 0.25% keeps precision at 1.0 with recall 0.80 on the labelled series (BENCHMARKS.md).
   */
  minShare: number;
  /** Bin width; chosen from the data's span when absent. */
  binWidth?: Micros;
}

export const SENSITIVITY = { low: 10, normal: 6, high: 4 } as const;
export type Sensitivity = keyof typeof SENSITIVITY;

export const DEFAULT_SPIKE_OPTIONS: SpikeOptions = { z: SENSITIVITY.normal, halfWindow: 24, minExcessBytes: 1 << 20, minShare: 0.0025 };

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

/** Rolling median/MAD baseline for each bin. Pure; exported for tests. */
export function scoreBins(series: Float64Array, halfWindow: number): BinScore[] {
  const out: BinScore[] = [];
  for (let i = 0; i < series.length; i++) {
    const window = Array.from(series.subarray(Math.max(0, i - halfWindow), Math.min(series.length, i + halfWindow + 1)));
    const med = median(window);
    const mad = median(window.map((v) => Math.abs(v - med)));
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

export function seriesFor(flows: FlowRecord[], binWidth?: Micros): BinSeries | undefined {
  if (flows.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  for (const f of flows) {
    if (f.start < min) min = f.start;
    if (f.end > max) max = f.end;
  }
  const width = binWidth ?? chooseBinWidth(max - min);
  const start = alignedStart(min, width);
  const count = Math.floor((max - start) / width) + 1;
  return binFlows(flows, start, width, count);
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
    const s = host(flow.src);
    s.bytes += bytes;
    s.sent += bytes;
    const d = host(flow.dst);
    d.bytes += bytes;
    d.received += bytes;
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

export function detectSpikes(flows: FlowRecord[], options: SpikeOptions = DEFAULT_SPIKE_OPTIONS): Detection {
  const series = seriesFor(flows, options.binWidth);
  if (!series) return { spikes: [] };
  const scores = scoreBins(series.bytes, options.halfWindow);
  const seasonal = seasonalBaseline(series);
  const spikes: Spike[] = [];
  const total = series.bytes.reduce((a, b) => a + b, 0);
  const minExcess = Math.max(options.minExcessBytes, options.minShare * total);
  for (const [first, last] of hotRuns(scores, options.z)) {
    let bytes = 0;
    let baselineBytes = 0;
    let seasonalBytes: number | undefined = 0;
    let peak = first;
    let score = 0;
    for (let i = first; i <= last; i++) {
      bytes += series.bytes[i];
      baselineBytes += scores[i].baseline;
      seasonalBytes = seasonal[i] === undefined || seasonalBytes === undefined ? undefined : seasonalBytes + seasonal[i]!;
      if (series.bytes[i] > series.bytes[peak]) peak = i;
      score = Math.max(score, scores[i].z);
    }
    const excessBytes = bytes - baselineBytes;
    if (excessBytes < minExcess) continue;
    const start = series.start + first * series.width;
    const end = series.start + (last + 1) * series.width;
    spikes.push({
      ...attribute(flows, start, end),
      id: spikes.length + 1,
      start,
      end,
      peak: series.start + peak * series.width,
      baselineBytes,
      excessBytes,
      seasonalBaselineBytes: seasonalBytes,
      score,
      detected: true,
    });
  }
  return { series, spikes };
}

/** A window the user picked (`--at`, `--from/--to`), measured like a detected spike. */
export function windowAsSpike(flows: FlowRecord[], series: BinSeries, from: Micros, to: Micros, halfWindow = DEFAULT_SPIKE_OPTIONS.halfWindow): Spike {
  const scores = scoreBins(series.bytes, halfWindow);
  let baselineBytes = 0;
  let peak = from;
  let peakBytes = -1;
  let score = 0;
  for (let i = 0; i < series.bytes.length; i++) {
    const binStart = series.start + i * series.width;
    const overlap = Math.min(to, binStart + series.width) - Math.max(from, binStart);
    if (overlap <= 0) continue;
    baselineBytes += (scores[i].baseline * overlap) / series.width;
    if (series.bytes[i] > peakBytes) {
      peakBytes = series.bytes[i];
      peak = binStart;
    }
    score = Math.max(score, scores[i].z);
  }
  const a = attribute(flows, from, to);
  return { ...a, id: 1, start: from, end: to, peak, baselineBytes, excessBytes: a.bytes - baselineBytes, score, detected: false };
}
