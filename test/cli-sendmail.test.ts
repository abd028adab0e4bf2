// `explain` on a real sendmail's capture and log (Debian's 8.17.1.9 on loopback; the fixtures'
// SOURCES.md): each SMTP connection in is explained by its message's delivery, and each
// relay leg out by the to= line that logged it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, fixture } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

interface Explanation {
  rule: string;
  confidence: number;
  flows: { src: string; sport: number; dst: string; dport: number }[];
  logs: { line: number }[];
}
interface Window {
  bytes: number;
  unexplainedBytes: number;
  explanations: Explanation[];
  unexplainedFlows: { src: string; dst: string; dport: number; bytes: number }[];
}

function explain(capture: string, log: string, from: string, to: string): Window {
  const r = spawnSync(process.execPath, [CLI, 'explain', fixture('pcap', capture), fixture('logs', log), '--tz', 'UTC', '--from', from, '--to', to, '--json'], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
  });
  assert.equal(r.status, 0, r.stderr);
  const { spikes } = JSON.parse(r.stdout) as { spikes: Window[] };
  assert.equal(spikes.length, 1);
  return spikes[0];
}

// [rule, flow "src:sport -> dst:dport", log lines] sorted, for comparing.
const pairs = (w: Window) =>
  w.explanations
    .map((x) => [x.rule, x.flows.map((f) => `${f.src}:${f.sport}->${f.dst}:${f.dport}`).join(' '), x.logs.map((l) => l.line).sort((a, b) => a - b).join(',')])
    .sort((a, b) => a[1].localeCompare(b[1]));

test('a real sendmail relaying mail: every connection in and every leg out to the next hop is explained', () => {
  const w = explain('loopback-sendmail-relay.pcap', 'sendmail-8.17-relay.log', '2026-12-03T14:39:50Z', '2026-12-03T14:40:25Z');
  assert.deepEqual(pairs(w), [
    ['smtp_out', '127.0.0.140:47015->127.0.0.145:25', '22'], // 5 MB to dave@remote.test
    ['smtp_out', '127.0.0.140:51985->127.0.0.145:25', '25'], // 500 KB, its erin@remote.test leg
    ['smtp_in', '127.0.0.141:43803->127.0.0.140:25', '10'], // 50 KB
    ['smtp_in', '127.0.0.141:52517->127.0.0.140:25', '12'], // 2 MB
    ['smtp_in', '127.0.0.142:50305->127.0.0.140:25', '14,16,19'], // three messages in one session
    ['smtp_in', '127.0.0.143:33701->127.0.0.140:25', '23'], // 500 KB in
    ['smtp_in', '127.0.0.143:57487->127.0.0.140:25', '21'], // 5 MB in
  ]);
  assert.ok(w.explanations.every((x) => x.confidence > 0.75), w.explanations.map((x) => x.confidence).join(' '));
  // Left: the session whose only recipient was refused (no DATA) and sendmail's IDENT probes.
  assert.deepEqual(
    w.unexplainedFlows.map((f) => f.dport).sort((a, b) => a - b),
    [25, 113, 113, 113, 113, 113, 113],
  );
  assert.ok(w.unexplainedBytes < 3000, String(w.unexplainedBytes));
});

test('a real sendmail: an alias expanded to two mailboxes, a DSN and a deferred message sent by the queue run', () => {
  const w = explain('loopback-sendmail-alias-dsn-retry.pcap', 'sendmail-8.17-alias-dsn-retry.log', '2026-12-03T14:49:10Z', '2026-12-03T14:49:40Z');
  assert.deepEqual(pairs(w), [
    ['smtp_out', '127.0.0.140:36171->127.0.0.145:25', '15'], // the queue run's retry, 4 s after the refusal
    ['smtp_out', '127.0.0.140:57313->127.0.0.145:25', '10'], // x1@ and x2@ in one transaction
    ['smtp_in', '127.0.0.141:39419->127.0.0.140:25', '4'], // team@: one delivery, not two
    ['smtp_in', '127.0.0.142:35535->127.0.0.140:25', '7,8'],
    ['smtp_in', '127.0.0.143:34163->127.0.0.140:25', '13'],
  ]);
  // sendmail logs no size for a DSN it makes: its connection (which also carried the refused
  // bounceme@ RCPT) stays unexplained rather than being summed in with another message.
  const big = w.unexplainedFlows.filter((f) => f.bytes > 1000);
  assert.deepEqual(big.map((f) => [f.src, f.dst, f.dport]), [['127.0.0.140', '127.0.0.145', 25]]);
});
