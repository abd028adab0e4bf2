// samples/ftp-capture: the generator writes what is committed, and `flowlink explain` on it
// names the upload the generator staged: user, file, bytes, client and server, checked
// against the generator's own parameters.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const GENERATOR = path.join(ROOT, 'samples', 'make-ftp-capture.mjs');
const SAMPLE = path.join(ROOT, 'samples', 'ftp-capture');

interface Scenario {
  snaplen: number; mss: number; server: string; client: string; user: string; file: string; bytes: number;
  controlStart: number; controlSport: number; dataSport: number; passivePort: number; transferSeconds: number; captureStart: number; captureEnd: number;
}
const { scenario } = (await import(pathToFileURL(GENERATOR).href)) as { scenario: Scenario };

describe('samples/ftp-capture', () => {
  it('is what the generator writes, byte for byte, and small', (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-sample-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = spawnSync(process.execPath, [GENERATOR, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['capture.pcap', 'messages']) {
      assert.ok(readFileSync(path.join(dir, name)).equals(readFileSync(path.join(SAMPLE, name))), `${name} differs from a fresh run`);
    }
    assert.ok(statSync(path.join(SAMPLE, 'capture.pcap')).size < 3 * 2 ** 20);
    const pcap = readFileSync(path.join(SAMPLE, 'capture.pcap'));
    assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4, 'classic pcap, microseconds, little-endian');
    assert.equal(pcap.readUInt32LE(16), scenario.snaplen);
    assert.equal(pcap.readUInt32LE(20), 1, 'Ethernet');
  });

  it('explain names the upload: the user, the file, its bytes, the client and the server', () => {
    // Not in UTC on purpose: the log's stamps carry their offset, so the reader's zone must not matter.
    const r = spawnSync(process.execPath, [CLI, 'explain', SAMPLE, '--json'], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'America/New_York', NO_COLOR: '1' } });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      spikes: {
        start: string; end: string; bytes: number; summary: string; unexplainedBytes: number;
        onHost: { host: string; direction: string } | null;
        explanations: { rule: string; confidence: number; summary: string; evidence: string[]; flows: { src: string; sport: number; dst: string; dport: number; pkts: number; bytes: number; start: string; end: string }[]; logs: { time: string; text: string; fields: Record<string, string | number> }[] }[];
      }[];
    };
    assert.equal(report.spikes.length, 1);
    const [spike] = report.spikes;
    assert.deepEqual(spike.onHost && [spike.onHost.host, spike.onHost.direction], [scenario.server, 'received']);
    assert.equal(spike.explanations.length, 1);
    const [e] = spike.explanations;
    assert.equal(e.rule, 'ftp_upload');
    assert.ok(e.confidence > 0.8, `confidence ${e.confidence}`);

    const [log] = e.logs;
    assert.deepEqual([log.fields.user, log.fields.file, log.fields.bytes, log.fields.client], [scenario.user, scenario.file, scenario.bytes, scenario.client]);
    assert.ok(log.text.includes(`(${scenario.user}@${scenario.client}) [NOTICE] ${scenario.file} uploaded  (${scenario.bytes} bytes, `), log.text);

    const [flow] = e.flows;
    assert.deepEqual([flow.src, flow.sport, flow.dst, flow.dport], [scenario.client, scenario.dataSport, scenario.server, scenario.passivePort]);
    // The data connection's packets: full segments and the last short one, an ACK for every
    // second one, and SYN, SYN-ACK, ACK to open, FIN, FIN, ACK to close.
    const segments = Math.ceil(scenario.bytes / scenario.mss);
    const pkts = segments + Math.ceil(segments / 2) + 6;
    assert.equal(flow.pkts, pkts);
    // Wire bytes: Ethernet 14 + IPv4 20 + TCP 32 (timestamps) on every packet, 8 more option
    // bytes on the SYN and SYN-ACK, and the file itself.
    assert.equal(flow.bytes, scenario.bytes + pkts * (14 + 20 + 32) + 2 * 8);
    const seconds = (Date.parse(flow.end) - Date.parse(flow.start)) / 1000;
    assert.ok(Math.abs(seconds - scenario.transferSeconds) < 0.05 * scenario.transferSeconds, `data connection lasted ${seconds}s`);

    assert.ok(e.evidence.some((line) => line.includes(`control: flow`) && line.includes(`${scenario.client}:${scenario.controlSport} -> ${scenario.server}:21`)), e.evidence.join('\n'));
    assert.match(e.summary, new RegExp(`^${scenario.user} uploaded ${scenario.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(20\\.0 MiB\\) from ${scenario.client.replace(/\./g, '\\.')}`));
    assert.ok(spike.summary.includes(`1 FTP upload by ${scenario.user} from ${scenario.client}`), spike.summary);
    assert.ok(Date.parse(spike.start) <= Date.parse(flow.start) && Date.parse(spike.end) >= Date.parse(flow.end) - 60_000, `${spike.start}..${spike.end}`);
    assert.ok(spike.unexplainedBytes < 0.01 * spike.bytes, 'the background is a sliver of the spike');
  });
});
