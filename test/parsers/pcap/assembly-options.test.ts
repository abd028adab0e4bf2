import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../../parsers/pcap/decode.js';
import { flowAssemblyFromFlags, parseDuration } from '../../../parsers/pcap/assembly-options.js';
import { FlowlinkError } from '../../../src/errors.js';
import { closeStore, openStore } from '../../../src/store/db.js';
import { ingestInputs } from '../../../src/store/ingest.js';
import { datasetFromStore } from '../../../src/store/queries.js';
import type { ReadOptions } from '../../../src/sources/options.js';
import { ether, fixturePath, ipv4, pcapFile, tcp, udp, type FrameSpec } from './helpers.js';

const S = 1_000_000;
const CLI = fileURLToPath(new URL('../../../src/cli.js', import.meta.url));

describe('flow assembly flags', () => {
  it('durations: a bare number is seconds; us, ms, s, m, h', () => {
    assert.equal(parseDuration('90'), 90 * S);
    assert.equal(parseDuration('1.5m'), 90 * S);
    assert.equal(parseDuration('500ms'), 500_000);
    assert.equal(parseDuration('250us'), 250);
    assert.equal(parseDuration('1h'), 3600 * S);
    for (const bad of ['0', '0s', '-5s', '5x', 's', '']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('flags to options, and a one-line error naming the flag for a bad value', () => {
    assert.deepEqual(flowAssemblyFromFlags({}), {});
    assert.deepEqual(flowAssemblyFromFlags({ idleTimeout: '60s', statusInterval: '1', maxFlows: '200_000' }), { idleTimeout: 60 * S, statusInterval: S, maxFlows: 200_000 });
    assert.throws(() => flowAssemblyFromFlags({ idleTimeout: 'soon' }), (e: unknown) => e instanceof FlowlinkError && /^--idle-timeout 'soon' is not a duration/.test(e.message));
    assert.throws(() => flowAssemblyFromFlags({ statusInterval: '0s' }), (e: unknown) => e instanceof FlowlinkError && /^--status-interval '0s'/.test(e.message));
    for (const bad of ['0', '-3', '1.5', 'many']) {
      assert.throws(() => flowAssemblyFromFlags({ maxFlows: bad }), (e: unknown) => e instanceof FlowlinkError && e.message.startsWith(`--max-flows '${bad}'`), bad);
    }
  });
});

// An open TCP connection that goes quiet for 90 s, then carries more data; and six UDP flows.
const t0 = 1_700_000_000 * S;
const A = '10.1.1.1';
const B = '10.2.2.2';
function capture(): Buffer {
  const frames: FrameSpec[] = [
    { ts: t0, data: ether(ipv4(A, B, 6, tcp(43210, 80, TCP_SYN))) },
    { ts: t0 + 1000, data: ether(ipv4(B, A, 6, tcp(80, 43210, TCP_SYN | TCP_ACK))) },
    { ts: t0 + 2000, data: ether(ipv4(A, B, 6, tcp(43210, 80, TCP_ACK))) },
    { ts: t0 + 3000, data: ether(ipv4(B, A, 6, tcp(80, 43210, TCP_ACK | TCP_PSH, 1000))) },
  ];
  for (let i = 0; i < 6; i++) frames.push({ ts: t0 + (i + 1) * S, data: ether(ipv4('10.9.9.9', B, 17, udp(5000 + i, 53, 40))) });
  frames.push({ ts: t0 + 90 * S, data: ether(ipv4(B, A, 6, tcp(80, 43210, TCP_ACK | TCP_PSH, 1000))) });
  frames.push({ ts: t0 + 90 * S + 1000, data: ether(ipv4(A, B, 6, tcp(43210, 80, TCP_ACK))) });
  return pcapFile(frames);
}

describe('flow assembly settings reach the pcap parser', () => {
  let dir = '';
  let file = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'flowlink-assembly-'));
    file = path.join(dir, 'quiet.pcap');
    writeFileSync(file, capture());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function flowsWith(options: Partial<ReadOptions>) {
    const store = openStore();
    try {
      await ingestInputs(store, [file], { zone: 'UTC', ...options });
      return datasetFromStore(store).flows.filter((f) => f.proto === 6);
    } finally {
      closeStore(store);
    }
  }

  it('through the store: --idle-timeout splits the quiet connection, --status-interval sets its records', async () => {
    const whole = await flowsWith({});
    assert.deepEqual(whole.map((f) => [f.pkts, f.records]), [[6, 2]]);
    const split = await flowsWith({ idleTimeout: 60 * S });
    assert.deepEqual(split.map((f) => f.pkts), [4, 2]);
    const oneRecord = await flowsWith({ statusInterval: 120 * S });
    assert.deepEqual(oneRecord.map((f) => [f.pkts, f.records]), [[6, 1]]);
  });

  it('through the store: --max-flows finishes the oldest flows early and says so', async () => {
    const store = openStore();
    try {
      const result = await ingestInputs(store, [file], { zone: 'UTC', maxFlows: 3 });
      const data = datasetFromStore(store);
      // The TCP flow is the oldest, so the cap cuts it; every packet is still counted.
      assert.equal(data.flows.reduce((n, f) => n + f.pkts, 0), 12);
      assert.ok(data.flows.filter((f) => f.proto === 6).length >= 2);
      const notes = JSON.stringify(result);
      assert.match(notes, /flow table reached 3 concurrent flows/);
    } finally {
      closeStore(store);
    }
  });

  function cli(...args: string[]) {
    return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  }

  it('on the command line: spikes --json counts more flows with --idle-timeout 60s', () => {
    const plain = cli('spikes', file, '--json');
    const shorter = cli('spikes', file, '--json', '--idle-timeout', '60s');
    assert.equal(plain.stderr.includes('    at '), false, plain.stderr);
    const flows = (r: typeof plain) => (JSON.parse(r.stdout) as { flows: number }).flows;
    assert.equal(flows(plain), 7);
    assert.equal(flows(shorter), 8);
  });

  it('on the command line: a bad value is a one-line error and exit 2', () => {
    const r = cli('spikes', fixturePath('zeek-smtp.pcap'), '--max-flows', 'lots');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--max-flows 'lots' is not a whole number/);
    assert.equal(r.stderr.includes('    at '), false);
  });
});
