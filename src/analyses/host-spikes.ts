// Per-host detection: a host whose traffic jumps fiftyfold can stay invisible in the link's
// total. The largest hosts by bytes get their own bytes, packets and flows series, judged
// like the link's with three guards against the noise of many small series: a host must be
// active in most bins at a level that counts (a sparse host has MAD 0 and every burst of it
// would look hot), the
// excess must be several times what the host usually carries, and the z threshold grows with
// the number of hosts tested (Bonferroni), so more hosts do not mean more false spikes. Only
// windows the link's own series did not find hot are added: where the link was hot, it has
// already judged the window (found it, or found it too small beside the span's traffic).
import type { BinSeries, FlowRecord, SeriesName, Spike } from '../event.js';
import { hotWindows, scoreSeries, seriesSetOf, SERIES, spikeOf, type SeriesScores, type SpikeOptions } from './spikes.js';

/**
 * Share of bins in which a host must move bytes for its own series to be judged: a steady host.
 * A workstation idle but for keepalives is active in half the bins, its MAD ~0, and each
 * download of it a thousandfold "jump".
 */
export const HOST_MIN_ACTIVE = 0.8;
/** ...and its median bin must be at least this share of the link's: a level worth a baseline. */
export const HOST_MIN_LEVEL = 0.001;
/** The excess must be at least this many times the host's usual level over the same bins. */
export const HOST_MIN_JUMP = 4;
/** ...and at least this part of the link's own minimum share of the span's traffic. */
export const HOST_LINK_SHARE = 0.05;
/** A host carries a spike already found when it has this share of its bytes or its flows. */
const CARRIES = 0.2;

/** Hosts by bytes sent and received, largest first, at most `n`. */
export function topHosts(flows: FlowRecord[], n: number): string[] {
  const bytes = new Map<string, number>();
  for (const f of flows) {
    bytes.set(f.src, (bytes.get(f.src) ?? 0) + f.bytes);
    bytes.set(f.dst, (bytes.get(f.dst) ?? 0) + f.bytes);
  }
  return [...bytes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([h]) => h);
}

/** ln of the normal upper tail, by its asymptotic series (within 2% of the tail above z = 3, 11% at 2). */
function logTail(x: number): number {
  const x2 = x * x;
  return -x2 / 2 - Math.log(x * Math.sqrt(2 * Math.PI)) + Math.log(1 - 1 / x2 + 3 / (x2 * x2));
}

/**
 * The z one of `tests` series must reach so that a false alarm in any of them is as rare as
 * in one series at `z`: the Bonferroni bound on a normal tail. bonferroniZ(6, 20) is about 6.5.
 * Below z = 2 the series is poor, so such a z gets the increase found at 2.
 */
export function bonferroniZ(z: number, tests: number): number {
  if (tests <= 1) return z;
  const base = Math.max(z, 2);
  const target = logTail(base) - Math.log(tests);
  let lo = base;
  let hi = base + 20;
  for (let k = 0; k < 60; k++) {
    const mid = (lo + hi) / 2;
    if (logTail(mid) > target) lo = mid;
    else hi = mid;
  }
  return z + (hi - base);
}

function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Does `host` carry this spike: a fifth of its bytes, or of the flows started in it? */
export function carries(spike: Spike, host: string): boolean {
  if (spike.hostSeries === host || spike.onHost?.host === host) return true;
  if ((spike.hosts.find((h) => h.host === host)?.share ?? 0) >= CARRIES) return true;
  let started = 0;
  let mine = 0;
  for (const { flow } of spike.flows) {
    if (flow.start < spike.start || flow.start >= spike.end) continue;
    started++;
    if (flow.src === host || flow.dst === host) mine++;
  }
  return started > 0 && mine / started >= CARRIES;
}

/**
 * Spikes in the top hosts' own series that no spike in `found` already covers. Each is "on"
 * its host: bytes, baseline and figures are the host's, attribution is over its flows. Pure.
 */
export function detectHostSpikes(
  flows: FlowRecord[],
  link: { bins: BinSeries; scores: SeriesScores; totals: Record<SeriesName, number> },
  options: SpikeOptions,
  found: Spike[],
): Spike[] {
  if (options.hostSeries <= 0) return [];
  const hosts = topHosts(flows, options.hostSeries);
  const mine = new Map<string, FlowRecord[]>(hosts.map((h) => [h, []]));
  for (const f of flows) {
    mine.get(f.src)?.push(f);
    if (f.dst !== f.src) mine.get(f.dst)?.push(f);
  }
  const count = link.bins.bytes.length;
  const linkHot = (name: SeriesName, first: number, last: number) => {
    for (let i = first; i <= last; i++) if (link.scores[name][i].z >= options.z) return true;
    return false;
  };
  const z = bonferroniZ(options.z, hosts.length);
  const linkMedian = median(link.bins.bytes);
  const absolute: Record<SeriesName, number> = { bytes: options.minExcessBytes, pkts: options.minExcessPkts, flows: options.minExcessFlows };
  const candidates: Spike[] = [];
  for (const host of hosts) {
    const hostFlows = mine.get(host)!;
    const { bins, set } = seriesSetOf(hostFlows, link.bins.start, link.bins.width, count);
    let active = 0;
    for (const v of set.bytes) if (v > 0) active++;
    if (active < HOST_MIN_ACTIVE * count || median(set.bytes) < HOST_MIN_LEVEL * linkMedian) continue;
    const scores = scoreSeries(set, options.halfWindow);
    const minExcess = {} as Record<SeriesName, number>;
    const perBin = {} as Record<SeriesName, number>;
    for (const name of SERIES) {
      minExcess[name] = Math.max(absolute[name], HOST_LINK_SHARE * options.minShare * link.totals[name]);
      perBin[name] = HOST_MIN_JUMP * median(set[name]);
    }
    for (const w of hotWindows(set, scores, z, minExcess, perBin)) {
      if (w.triggers.some((t) => linkHot(t, w.first, w.last))) continue;
      const spike = spikeOf(hostFlows, bins, set, scores, w);
      const h = spike.hosts.find((x) => x.host === host)!;
      const direction = h.received >= h.sent ? 'received' : 'sent';
      spike.onHost = { host, direction, share: spike.bytes > 0 ? Math.max(h.received, h.sent) / spike.bytes : 0 };
      spike.hostSeries = host;
      candidates.push(spike);
    }
  }
  // The strongest first, so of two hosts seeing one transfer (both ends), one reports it.
  candidates.sort((a, b) => b.score - a.score);
  const kept: Spike[] = [];
  for (const c of candidates) {
    const covered = [...found, ...kept].some((s) => s.start < c.end && s.end > c.start && carries(s, c.hostSeries!));
    if (!covered) kept.push(c);
  }
  return kept;
}
