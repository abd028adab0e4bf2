import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '../../src/event.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS, scoreBins, hotRuns, seriesFor } from '../../src/analyses/spikes.js';
import { binFlows, bytesInWindow, chooseBinWidth, parseBinWidth } from '../../src/analyses/bins.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 7, 0, 0, 0) * 1000;

function flow(start: number, seconds: number, bytes: number, src = '192.168.1.10', dst = '10.0.0.1', n = 0, pkts = Math.max(1, Math.round(bytes / 1000))): FlowRecord {
  return {
    kind: 'flow', flowId: `f${start}-${n}`, start, end: start + seconds * S, proto: 6, src, sport: 40000 + n, dst, dport: 80,
    pkts, bytes, byteBasis: 'link', origin: { file: 't', line: n + 1, raw: '' }, records: 1,
  };
}

/** A day of web-like background: one flow a minute with sizes that wobble by up to ±40%. */
function background(hours: number, perMinute = 50_000): FlowRecord[] {
  const out: FlowRecord[] = [];
  let x = 7;
  for (let m = 0; m < hours * 60; m++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(flow(T0 + m * 60 * S, 20, Math.round(perMinute * (0.6 + 0.8 * (x / 2 ** 31))), '192.168.1.10', '10.0.0.1', m));
  }
  return out;
}

test('a flat noisy series has no spike', () => {
  const { spikes, series } = detectSpikes(background(24));
  assert.equal(series!.width, 300 * S);
  assert.deepEqual(spikes, []);
});

test('a perfectly flat series has no spike (MAD of zero is floored)', () => {
  const flows = Array.from({ length: 600 }, (_, i) => flow(T0 + i * 60 * S, 0, 1000, 'a', 'b', i));
  assert.deepEqual(detectSpikes(flows).spikes, []);
});

test('one transfer on top of the background is one spike, attributed to its host', () => {
  const flows = background(24);
  const start = T0 + (3 * 3600 + 27 * 60 + 47) * S;
  flows.push(flow(start, 358, 1_031_277_512, '192.168.134.56', '10.2.3.102', 9999));
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  const s = spikes[0];
  assert.ok(s.start <= start && s.end >= start + 358 * S, 'window covers the transfer');
  assert.ok(s.end - s.start <= 15 * 60 * S, 'window is not much wider than the transfer');
  assert.ok(s.excessBytes > 1_000_000_000);
  assert.equal(s.hosts[0].host, '192.168.134.56');
  assert.ok(s.hosts.find((h) => h.host === '10.2.3.102')!.share > 0.99);
  assert.equal(s.flows[0].flow.flowId, `f${start}-9999`);
  assert.ok(Math.abs(s.flows[0].bytes - 1_031_277_512) < 1, 'all of the transfer falls in the window');
});

test('a 2 MB bump far below the day\'s biggest spike is not reported beside it', () => {
  const flows = background(24);
  flows.push(flow(T0 + 3.5 * 3600 * S, 300, 1_500_000_000, 'a', 'b', 1));
  flows.push(flow(T0 + 12 * 3600 * S, 60, 2_000_000, 'c', 'd', 2));
  assert.equal(detectSpikes(flows).spikes.length, 1);
  // ...but on its own it is the spike.
  assert.equal(detectSpikes(flows.filter((f) => f.bytes !== 1_500_000_000)).spikes.length, 1);
});

test('bytes spread over bins in proportion to time, status parts where known', () => {
  const f = flow(T0, 600, 600_000);
  const series = binFlows([f], T0, 300 * S, 2);
  assert.deepEqual(Array.from(series.bytes), [300_000, 300_000]);
  f.parts = [
    { start: T0, end: T0 + 100 * S, pkts: 1, bytes: 500_000 },
    { start: T0 + 500 * S, end: T0 + 600 * S, pkts: 1, bytes: 100_000 },
  ];
  assert.deepEqual(Array.from(binFlows([f], T0, 300 * S, 2).bytes), [500_000, 100_000]);
  assert.equal(bytesInWindow(f, T0 + 50 * S, T0 + 550 * S), 300_000);
});

test('bin width from the span, and --bin parsing', () => {
  assert.equal(chooseBinWidth(36 * 3600 * S), 300 * S);
  assert.equal(chooseBinWidth(10 * 60 * S), 1 * S);
  assert.equal(chooseBinWidth(7 * 86400 * S), 900 * S);
  assert.equal(parseBinWidth('30s'), 30 * S);
  assert.equal(parseBinWidth('5m'), 300 * S);
  assert.equal(parseBinWidth('5 minutes'), undefined);
});

test('robust z and hot runs: one quiet bin does not split a spike', () => {
  const series = new Float64Array([10, 11, 9, 10, 500, 12, 480, 10, 9, 11, 10]);
  const scores = scoreBins(series, 5);
  assert.deepEqual(hotRuns(scores, DEFAULT_SPIKE_OPTIONS.z), [[4, 6]]);
});

test('a small-packet flood is found in packets while bytes barely move', () => {
  const flows = background(24, 5_000_000);
  const at = T0 + 9 * 3600 * S;
  // 100,000 packets of 64 bytes over 10 minutes: 6.4 MB on a link moving 25 MB each 5 minutes.
  flows.push({ ...flow(at, 600, 6_400_000, '192.0.2.66', '10.0.0.1', 5000, 100_000), proto: 17, dport: 53 });
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  const s = spikes[0];
  assert.deepEqual(s.triggers, ['pkts']);
  assert.ok(s.start <= at && s.end >= at + 600 * S);
  const excess = s.figures!.pkts.total - s.figures!.pkts.baseline;
  assert.ok(excess > 90_000 && excess < 110_000, `packet excess ${excess}`);
  assert.ok(s.figures!.bytes.z < DEFAULT_SPIKE_OPTIONS.z, `bytes z ${s.figures!.bytes.z}`);
  assert.ok(s.score >= DEFAULT_SPIKE_OPTIONS.z, 'the score is the packets z');
});

test('a scan is found in flows started, and is on the scanner', () => {
  const flows = background(24, 5_000_000);
  const at = T0 + 15 * 3600 * S;
  // 2,000 one-packet probes in 4 minutes, as a SYN scan of many addresses looks in argus.
  for (let i = 0; i < 2000; i++) flows.push({ ...flow(at + i * 120_000, 0, 60, '198.51.100.7', `10.0.${i >> 8}.${i & 255}`, 10_000 + i, 1), dport: 22 });
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  const s = spikes[0];
  assert.deepEqual(s.triggers, ['flows']);
  assert.ok(s.figures!.flows.total - s.figures!.flows.baseline >= 1990, `flows ${s.figures!.flows.total}`);
  assert.deepEqual(s.onHost, { host: '198.51.100.7', direction: 'sent', share: 2000 / s.figures!.flows.total });
  // Thirty probes are a busy minute, not a scan: below the minimum number of flows.
  const few = background(24, 5_000_000);
  for (let i = 0; i < 30; i++) few.push(flow(at + i * S, 0, 60, '198.51.100.7', `10.0.9.${i}`, 20_000 + i, 1));
  assert.deepEqual(detectSpikes(few).spikes, []);
});

test('on a quiet link a burst below the minimum size is not a spike', () => {
  // 5 KB a minute, then 600 KB in one minute: 100x the usual, but under the 1 MiB minimum.
  const flows = background(24, 5_000);
  flows.push(flow(T0 + 6 * 3600 * S, 30, 600_000, '192.168.1.50', '10.0.0.1', 7000));
  assert.deepEqual(detectSpikes(flows).spikes, []);
  flows.push(flow(T0 + 6 * 3600 * S, 30, 1_600_000, '192.168.1.51', '10.0.0.1', 7001));
  assert.equal(detectSpikes(flows).spikes.length, 1);
});

test('scoreBins keeps the sorted window right as it slides: same baseline as a full sort', () => {
  let x = 11;
  const series = new Float64Array(300).map(() => ((x = (x * 1103515245 + 12345) % 2 ** 31), x % 1000));
  const h = 7;
  const scores = scoreBins(series, h);
  for (const i of [0, 3, 7, 150, 292, 299]) {
    const w = Array.from(series.subarray(Math.max(0, i - h), Math.min(series.length, i + h + 1))).sort((a, b) => a - b);
    const med = w.length % 2 ? w[w.length >> 1] : (w[w.length / 2 - 1] + w[w.length / 2]) / 2;
    const dev = w.map((v) => Math.abs(v - med)).sort((a, b) => a - b);
    const mad = dev.length % 2 ? dev[dev.length >> 1] : (dev[dev.length / 2 - 1] + dev[dev.length / 2]) / 2;
    assert.equal(scores[i].baseline, med, `median at ${i}`);
    assert.ok(Math.abs(scores[i].z - (series[i] - med) / Math.max(1.4826 * mad, 0.05 * med, 1)) < 1e-9, `z at ${i}`);
  }
});

test('a width chosen from the span is widened while most bins are empty', () => {
  // Six hours of a one-minute transfer every 5 minutes: 30 s bins from the span, 4 in 5 empty.
  const flows = Array.from({ length: 72 }, (_, i) => flow(T0 + i * 300 * S + 30 * S, 60, 5_000_000 + (i % 5) * 1_000_000, 'a', 'b', i));
  const series = seriesFor(flows)!;
  assert.equal(series.width, 300 * S);
  assert.deepEqual(detectSpikes(flows).spikes, [], 'no flow of the regular transfer is a spike');
  assert.equal(detectSpikes(flows, { ...DEFAULT_SPIKE_OPTIONS, binWidth: 30 * S }).spikes.length, 72, 'at 30 s bins each one would be');
  // A busy series keeps the width from its span; a short one is not widened below 48 bins:
  // two of those flows (6 minutes) go from 1 s to 5 s bins (72), not to 10 s (36).
  assert.equal(seriesFor(background(36))!.width, 300 * S);
  assert.equal(seriesFor(flows.slice(0, 2))!.width, 5 * S);
});

test('a packet tail after a transfer adds packets to its triggers without stretching its window', () => {
  const flows = background(24, 5_000_000);
  const at = T0 + 9 * 3600 * S;
  flows.push(flow(at, 600, 500_000_000, '192.168.134.56', '10.0.0.2', 8000));
  // Then 15 minutes of 64-byte packets right after it: hot in packets only.
  flows.push({ ...flow(at + 600 * S, 900, 6_400_000, '192.168.134.56', '10.0.0.2', 8001, 100_000), proto: 17 });
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  assert.deepEqual(spikes[0].triggers, ['bytes', 'pkts']);
  assert.equal(spikes[0].start, at);
  assert.equal(spikes[0].end, at + 600 * S, 'the window is the transfer\'s bins');
});
