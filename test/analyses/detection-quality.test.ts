// Detection quality on labelled traffic (test/support/traffic-series.ts), on a fixed seed
// set. The floors are the levels recorded in BENCHMARKS.md (bench/spike-quality.mjs, 200
// seeds) less a margin for the smaller set: this fails when detection gets worse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS } from '../../src/analyses/spikes.js';
import { DEFAULT_SHAPE, generateTraffic, score } from '../support/traffic-series.js';

const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);

test('precision and recall on 30 labelled two-day series stay at the recorded level', () => {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const seed of SEEDS) {
    const t = generateTraffic(seed);
    const s = score(detectSpikes(t.flows, DEFAULT_SPIKE_OPTIONS).spikes, t.spikes);
    tp += s.truePositives;
    fp += s.falsePositives;
    fn += s.falseNegatives;
  }
  const precision = tp / (tp + fp);
  const recall = tp / (tp + fn);
  assert.ok(precision >= 0.98, `precision ${precision.toFixed(3)}`);
  assert.ok(recall >= 0.74, `recall ${recall.toFixed(3)}`);
});

test('no spike on purely diurnal noisy series, nor on a flat one', () => {
  for (const seed of SEEDS.slice(0, 10)) {
    const diurnal = generateTraffic(seed, { ...DEFAULT_SHAPE, spikes: 0, nightly: false });
    assert.deepEqual(detectSpikes(diurnal.flows).spikes, [], `seed ${seed}`);
    const flat = generateTraffic(seed, { ...DEFAULT_SHAPE, spikes: 0, nightly: false, diurnal: 0, noise: 0 });
    assert.deepEqual(detectSpikes(flat.flows).spikes, [], `flat seed ${seed}`);
  }
});

test('the nightly job is found on both nights', () => {
  let nights = 0;
  let found = 0;
  for (const seed of SEEDS.slice(0, 10)) {
    const t = generateTraffic(seed);
    const { spikes } = detectSpikes(t.flows);
    for (const job of t.spikes.filter((s) => s.recurring)) {
      nights++;
      if (spikes.some((d) => d.start < job.end && d.end > job.start)) found++;
    }
  }
  assert.ok(nights >= 10, `${nights} nights`);
  assert.ok(found / nights >= 0.9, `${found} of ${nights}`);
});
