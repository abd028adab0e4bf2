import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord } from '../../src/event.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS } from '../../src/analyses/spikes.js';
import { bonferroniZ, topHosts } from '../../src/analyses/host-spikes.js';

const S = 1_000_000;
const MIN = 60 * S;
const T0 = Date.UTC(2026, 0, 5) * 1000;

let n = 0;
function flow(start: number, seconds: number, bytes: number, src: string, dst: string, dport = 443): FlowRecord {
  n++;
  return {
    kind: 'flow', flowId: `h${n}`, start, end: start + seconds * S, proto: 6, src, sport: 30000 + (n % 30000), dst, dport,
    pkts: Math.max(1, Math.round(bytes / 1000)), bytes, byteBasis: 'link', origin: { file: 't', line: n, raw: '' }, records: 1,
  };
}

/**
 * A day of ten steady hosts, one flow each 5 minutes, sizes ±40%: 10.0.0.1 carries 2 MB a
 * flow, the others 20-80x less; 10.0.0.9 moves about 40 KB each 5 minutes, 0.6% of the link.
 */
function steadyHosts(): FlowRecord[] {
  const out: FlowRecord[] = [];
  const sizes = [2_000_000, 600_000, 300_000, 200_000, 120_000, 100_000, 80_000, 60_000, 40_000, 25_000];
  let x = 3;
  for (let t = T0; t < T0 + 24 * 60 * MIN; t += 5 * MIN) {
    sizes.forEach((size, i) => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      out.push(flow(t + i * 7 * S, 20, Math.round(size * (0.6 + 0.8 * (x / 2 ** 31))), `10.0.0.${i + 1}`, '10.1.0.1'));
    });
  }
  return out;
}

test('a host whose traffic jumps 50x is found in its own series, not in the link total', () => {
  const flows = steadyHosts();
  const at = T0 + 14 * 60 * MIN;
  // 50x 10.0.0.9's usual 40 KB/5 min for 15 minutes: 6 MB, a fifth of the link's 5-minute level.
  flows.push(flow(at, 900, 6_000_000, '10.0.0.9', '10.1.0.20', 873));
  assert.deepEqual(detectSpikes(flows, { ...DEFAULT_SPIKE_OPTIONS, hostSeries: 0 }).spikes, [], 'the link total alone does not show it');
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  const s = spikes[0];
  assert.equal(s.hostSeries, '10.0.0.9');
  assert.deepEqual(s.onHost, { host: '10.0.0.9', direction: 'sent', share: 1 });
  assert.ok(s.triggers!.includes('bytes'));
  assert.ok(s.start <= at && s.end >= at + 900 * S);
  // The figures are the host's: its bytes in the window against its own baseline.
  assert.ok(s.bytes > 6_000_000 && s.bytes < 6_200_000, `bytes ${s.bytes}`);
  assert.ok(s.baselineBytes < 200_000, `baseline ${s.baselineBytes}`);
  assert.equal(s.pairs[0].dst, '10.1.0.20');
});

test("a download counted per direction: the host that opened the connection received it, not sent it", () => {
  const flows = steadyHosts();
  const at = T0 + 14 * 60 * MIN;
  // 10.0.0.9 fetches 6 MB from 10.1.0.20: its request is 1% of the bytes, the server's data the rest.
  const download = flow(at, 900, 6_000_000, '10.0.0.9', '10.1.0.20', 80);
  flows.push({ ...download, srcBytes: 60_000, dstBytes: 5_940_000 });
  const [s] = detectSpikes(flows).spikes;
  assert.equal(s.hostSeries, '10.0.0.9');
  assert.equal(s.onHost?.direction, 'received');
  // Its steady uploads in the same window are the rest.
  assert.ok(s.onHost!.share > 0.95 && s.onHost!.share < 0.99, `share ${s.onHost!.share}`);
  const server = s.hosts.find((h) => h.host === '10.1.0.20')!;
  assert.ok(server.sent > 0.98 * 6_000_000 && server.received < 0.011 * 6_000_000, `server sent ${server.sent}, received ${server.received}`);
});

test('a sparse host with rare bursts is not a spike: MAD 0 is no baseline', () => {
  const flows = steadyHosts();
  // 1.2 MB every two hours from a host otherwise silent: too little to show in the link total,
  // enough to rank among the top hosts by bytes, and each burst "infinitely" above its median of 0.
  for (let t = T0 + 30 * MIN; t < T0 + 24 * 60 * MIN; t += 120 * MIN) flows.push(flow(t, 60, 1_200_000, '10.0.5.5', '10.1.0.1'));
  assert.ok(topHosts(flows, DEFAULT_SPIKE_OPTIONS.hostSeries).includes('10.0.5.5'));
  assert.deepEqual(detectSpikes(flows, { ...DEFAULT_SPIKE_OPTIONS, hostSeries: 0 }).spikes, []);
  assert.deepEqual(detectSpikes(flows).spikes, []);
  // The same burst from a host that is active all day is a jump in its own series.
  flows.push(flow(T0 + 13 * 60 * MIN, 60, 1_200_000, '10.0.0.10', '10.1.0.1'));
  assert.equal(detectSpikes(flows).spikes[0]?.hostSeries, '10.0.0.10');
});

test('ordinary wobble of a steady host is not a spike, however many hosts are tested', () => {
  const flows = steadyHosts();
  assert.deepEqual(detectSpikes(flows, { ...DEFAULT_SPIKE_OPTIONS, z: 4 }).spikes, []);
});

test('a transfer between two steady hosts is one spike, not one per end', () => {
  const flows = steadyHosts();
  flows.push(flow(T0 + 9 * 60 * MIN, 600, 5_000_000, '10.0.0.8', '10.0.0.10', 22));
  const { spikes } = detectSpikes(flows);
  assert.equal(spikes.length, 1);
  assert.ok(['10.0.0.8', '10.0.0.10'].includes(spikes[0].hostSeries!));
});

test('top hosts by bytes sent and received; the Bonferroni z grows slowly with the hosts tested', () => {
  assert.deepEqual(topHosts(steadyHosts(), 2), ['10.1.0.1', '10.0.0.1']);
  assert.equal(bonferroniZ(6, 1), 6);
  const z20 = bonferroniZ(6, 20);
  assert.ok(z20 > 6.4 && z20 < 6.6, `z ${z20}`);
  assert.ok(bonferroniZ(6, 100) > z20);
  assert.ok(bonferroniZ(4, 20) > 4.5 && bonferroniZ(4, 20) < 4.9, `z ${bonferroniZ(4, 20)}`);
  assert.ok(bonferroniZ(1, 20) > 1 && bonferroniZ(1, 20) < bonferroniZ(2, 20), 'a tiny z still grows');
});
