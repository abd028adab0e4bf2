#!/usr/bin/env node
// Precision and recall of spike detection on labelled traffic (test/support/traffic-series.ts:
// diurnal background shared by steady hosts and sparse clients, noise, and injected one-off
// spikes in bytes, small-packet floods, scans, one host's own traffic jumping 20-60x, and a
// nightly job), over many seeds, for each sensitivity; recall per kind; spikes found on quiet
// series (nothing injected) with 12 and with 40 steady hosts. Run after `npx tsc`:
//   node bench/spike-quality.mjs [seeds=200]
import { generateTraffic, score, QUIET_SHAPE } from '../dist/test/support/traffic-series.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS, SENSITIVITY } from '../dist/src/analyses/spikes.js';

const seeds = Number(process.argv[2] ?? 200);
const kinds = ['bytes', 'pkts', 'flows', 'host'];
const ratio = (a, b) => (a / Math.max(1, b)).toFixed(3);
console.log(`| sensitivity | z | seeds | injected | detected | precision | recall | recall bytes / pkts / flows / host | host-series spikes (false) | quiet false spikes (12 / 40 hosts) |`);
console.log(`|---|---|---|---|---|---|---|---|---|---|`);
const started = Date.now();
// The last row turns per-host series off: what the link's own series find of the same spikes.
const settings = [...Object.entries(SENSITIVITY).map(([name, z]) => ({ name, z, hostSeries: DEFAULT_SPIKE_OPTIONS.hostSeries })), { name: 'normal, link only', z: SENSITIVITY.normal, hostSeries: 0 }];
const rows = settings.map(({ name, z, hostSeries }) => ({
  name, z, hostSeries, injected: 0, tp: 0, fp: 0, fn: 0, quiet12: 0, quiet40: 0, hostDetected: 0, hostFalse: 0,
  kind: Object.fromEntries(kinds.map((k) => [k, { injected: 0, found: 0 }])),
}));
// Each seed's three series are generated once and judged at every sensitivity.
for (let seed = 1; seed <= seeds; seed++) {
  const t = generateTraffic(seed);
  const quiet12 = generateTraffic(seed, QUIET_SHAPE).flows;
  const quiet40 = generateTraffic(seed, { ...QUIET_SHAPE, hosts: 40 }).flows;
  for (const r of rows) {
    const options = { ...DEFAULT_SPIKE_OPTIONS, z: r.z, hostSeries: r.hostSeries };
    const s = score(detectSpikes(t.flows, options).spikes, t.spikes);
    r.injected += s.injected; r.tp += s.truePositives; r.fp += s.falsePositives; r.fn += s.falseNegatives;
    r.hostDetected += s.hostSeries.detected; r.hostFalse += s.hostSeries.falsePositives;
    for (const k of kinds) { r.kind[k].injected += s.byKind[k].injected; r.kind[k].found += s.byKind[k].found; }
    r.quiet12 += detectSpikes(quiet12, options).spikes.length;
    r.quiet40 += detectSpikes(quiet40, options).spikes.length;
  }
}
for (const r of rows) {
  const perKind = kinds.map((k) => ratio(r.kind[k].found, r.kind[k].injected)).join(' / ');
  console.log(`| ${r.name} | ${r.z} | ${seeds} | ${r.injected} | ${r.tp + r.fp} | ${ratio(r.tp, r.tp + r.fp)} | ${ratio(r.injected - r.fn, r.injected)} | ${perKind} | ${r.hostDetected} (${r.hostFalse}) | ${r.quiet12} / ${r.quiet40} |`);
}
process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
