#!/usr/bin/env node
// Precision and recall of spike detection on labelled traffic (test/support/traffic-series.ts:
// diurnal background, noise, one-off spikes of 2-60 background-minutes over 1-30 minutes,
// a nightly job), over many seeds, for each sensitivity. Run after `npm run build`:
//   node bench/spike-quality.mjs [seeds=200]
import { generateTraffic, score, DEFAULT_SHAPE } from '../dist/test/support/traffic-series.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS, SENSITIVITY } from '../dist/src/analyses/spikes.js';

const seeds = Number(process.argv[2] ?? 200);
console.log(`| sensitivity | z | seeds | injected | detected | precision | recall | flat/diurnal false spikes |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const [name, z] of Object.entries(SENSITIVITY)) {
  let tp = 0, fp = 0, fn = 0, quietFalse = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const t = generateTraffic(seed);
    const s = score(detectSpikes(t.flows, { ...DEFAULT_SPIKE_OPTIONS, z }).spikes, t.spikes);
    tp += s.truePositives; fp += s.falsePositives; fn += s.falseNegatives;
    const quiet = generateTraffic(seed, { ...DEFAULT_SHAPE, spikes: 0, nightly: false });
    quietFalse += detectSpikes(quiet.flows, { ...DEFAULT_SPIKE_OPTIONS, z }).spikes.length;
  }
  console.log(`| ${name} | ${z} | ${seeds} | ${tp + fn} | ${tp + fp} | ${(tp / Math.max(1, tp + fp)).toFixed(3)} | ${(tp / Math.max(1, tp + fn)).toFixed(3)} | ${quietFalse} |`);
}
