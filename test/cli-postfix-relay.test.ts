// `explain` on a real postfix relaying mail (Debian's 3.7.11 on loopback; the fixtures'
// SOURCES.md): each SMTP connection in is explained by its messages' deliveries, and each
// connection out to the next hop by the `status=sent` line of its transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

interface Window {
  unexplainedBytes: number;
  explanations: { rule: string; flows: { src: string; sport: number; dst: string; dport: number }[]; logs: { line: number }[] }[];
}

test('a real postfix relaying three messages: both connections of each are explained, nothing is left', () => {
  const r = spawnSync(
    process.execPath,
    [CLI, 'explain', fixture('pcap', 'loopback-postfix-relay.pcap'), fixture('logs', 'postfix-3.7-relay-maillog_file.log'), '--from', '2026-12-03T15:49:30Z', '--to', '2026-12-03T15:49:45Z', '--json'],
    { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  const { spikes } = JSON.parse(r.stdout) as { spikes: Window[] };
  assert.equal(spikes.length, 1);
  const [w] = spikes;
  const pairs = w.explanations
    .map((x) => [x.rule, x.flows.map((f) => `${f.src}:${f.sport}->${f.dst}:${f.dport}`).join(' '), x.logs.map((l) => l.line).join(',')])
    .sort((a, b) => a[1].localeCompare(b[1]));
  assert.deepEqual(pairs, [
    ['smtp_out', '127.0.0.170:54559->127.0.0.171:25', '11'], // bob@'s 1,369,165 bytes
    ['smtp_out', '127.0.0.170:55445->127.0.0.171:25', '5'], // alice@'s 411,273
    ['smtp_out', '127.0.0.170:56413->127.0.0.171:25', '18'], // carol@ and dave@ in one transaction, 2,737,583
    ['smtp_in', '127.0.0.172:46821->127.0.0.170:25', '2,7'], // one session, two messages: their deliveries
    ['smtp_in', '127.0.0.172:60011->127.0.0.170:25', '14'],
  ]);
  assert.equal(w.unexplainedBytes, 0);
});
