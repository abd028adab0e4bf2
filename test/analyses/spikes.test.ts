import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '../../src/event.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS, scoreBins, hotRuns } from '../../src/analyses/spikes.js';
import { binFlows, bytesInWindow, chooseBinWidth, parseBinWidth } from '../../src/analyses/bins.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 7, 0, 0, 0) * 1000;

function flow(start: number, seconds: number, bytes: number, src = '192.168.1.10', dst = '10.0.0.1', n = 0): FlowRecord {
  return {
    kind: 'flow', flowId: `f${start}-${n}`, start, end: start + seconds * S, proto: 6, src, sport: 40000 + n, dst, dport: 80,
    pkts: Math.max(1, Math.round(bytes / 1000)), bytes, byteBasis: 'link', origin: { file: 't', line: n + 1, raw: '' }, records: 1,
  };
}

/** A day of web-like background: one flow a minute with sizes that wobble by up to ±40%. */
function background(hours: number): FlowRecord[] {
  const out: FlowRecord[] = [];
  let x = 7;
  for (let m = 0; m < hours * 60; m++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out.push(flow(T0 + m * 60 * S, 20, Math.round(50_000 * (0.6 + 0.8 * (x / 2 ** 31))), '192.168.1.10', '10.0.0.1', m));
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
