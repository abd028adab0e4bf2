// Spike detection, first cut: bytes per bin against a rolling robust baseline (median and
// MAD), hot bins merged into spikes, each spike attributed to the flows and hosts in it.
import type { BinSeries, FlowRecord, HostShare, Micros, Spike } from '../event.js';
import { alignedStart, binFlowBytes, bytesInWindow, chooseBinWidth } from './bins.js';

export interface SpikeOptions {
  /** Robust z-score a bin must reach to be hot. */
  z: number;
  /** Bins either side of a bin that make up its baseline window. */
  halfWindow: number;
  /** A spike must exceed its baseline by at least this many bytes in all... */
  minExcessBytes: number;
  /**
   * ...and by this share of all the traffic in the span, so a 4 MB download on a quiet link
   * is not reported beside a 1.7 GB backup: what stands out on the admin's graph stands out here.
   */
  minShare: number;
  /** Bin width; chosen from the data's span when absent. */
  binWidth?: Micros;
}

export const DEFAULT_SPIKE_OPTIONS: SpikeOptions = { z: 6, halfWindow: 24, minExcessBytes: 1 << 20, minShare: 0.01 };

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
  return binFlowBytes(flows, start, width, count);
}

export function attribute(flows: FlowRecord[], from: Micros, to: Micros, total: number): Pick<Spike, 'flows' | 'hosts'> {
  const contributing: Spike['flows'] = [];
  const perHost = new Map<string, number>();
  for (const flow of flows) {
    const bytes = bytesInWindow(flow, from, to);
    if (bytes <= 0) continue;
    contributing.push({ flow, bytes });
    perHost.set(flow.src, (perHost.get(flow.src) ?? 0) + bytes);
    perHost.set(flow.dst, (perHost.get(flow.dst) ?? 0) + bytes);
  }
  contributing.sort((a, b) => b.bytes - a.bytes);
  const hosts: HostShare[] = [...perHost]
    .map(([host, bytes]) => ({ host, bytes, share: total > 0 ? bytes / total : 0 }))
    .sort((a, b) => b.bytes - a.bytes);
  return { flows: contributing, hosts };
}

export function detectSpikes(flows: FlowRecord[], options: SpikeOptions = DEFAULT_SPIKE_OPTIONS): { series?: BinSeries; spikes: Spike[] } {
  const series = seriesFor(flows, options.binWidth);
  if (!series) return { spikes: [] };
  const scores = scoreBins(series.bytes, options.halfWindow);
  const spikes: Spike[] = [];
  const total = series.bytes.reduce((a, b) => a + b, 0);
  const minExcess = Math.max(options.minExcessBytes, options.minShare * total);
  for (const [first, last] of hotRuns(scores, options.z)) {
    let bytes = 0;
    let baselineBytes = 0;
    let peak = first;
    let score = 0;
    for (let i = first; i <= last; i++) {
      bytes += series.bytes[i];
      baselineBytes += scores[i].baseline;
      if (series.bytes[i] > series.bytes[peak]) peak = i;
      score = Math.max(score, scores[i].z);
    }
    const excessBytes = bytes - baselineBytes;
    if (excessBytes < minExcess) continue;
    const start = series.start + first * series.width;
    const end = series.start + (last + 1) * series.width;
    spikes.push({
      id: spikes.length + 1,
      start,
      end,
      peak: series.start + peak * series.width,
      bytes,
      baselineBytes,
      excessBytes,
      score,
      ...attribute(flows, start, end, bytes),
    });
  }
  return { series, spikes };
}
