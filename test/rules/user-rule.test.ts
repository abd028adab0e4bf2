// A rule a user writes from docs/rules.md alone, for a service the built-ins do not know:
// rsync over ssh, logged by a made-up `rsyncd` in a line of its own format. Generic syslog
// events carry only their message, so the rule reads the numbers out of it with named groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { explainSpike } from '../../src/analyses/correlate.js';
import { builtinRuleFiles, loadRuleFiles } from '../../src/rules/load.js';
import { runRuleTest } from '../../src/rules/run-tests.js';

const RULE = String.raw`# rsync over ssh: the client connects to port 22; our rsyncd wrapper logs each run as
#   Mar  8 03:40:01 server rsyncd[123]: 192.168.134.56: sent 52428800 bytes  received 120 bytes  total size 52428800
rule rsync_ssh {
  title "rsync over ssh"
  confidence 0.8
  tags rsync, ssh
  flow: proto == tcp and dport == 22 and bytes > 100KB
  log: program == "rsyncd" and message matches "^(?<peer>[0-9a-f.:]+): sent (?<sent_bytes>\d+) bytes +received (?<received_bytes>\d+) bytes"
  match: log.peer == flow.src
     and log.sent_bytes ~= flow.payload within 5%
     and log.end within 1m of flow.end
  explain "rsync sent {log.sent_bytes|bytes} to {log.peer} and received {log.received_bytes|bytes}"
}

test "the nightly rsync" {
  flow tcp 192.168.134.56:50022 -> 10.2.3.102:22 start "2008-03-08 03:39:10" end "2008-03-08 03:40:02" pkts 38000 bytes 55000000
  log "Mar  8 03:40:01 server rsyncd[123]: 192.168.134.56: sent 52428800 bytes  received 120 bytes  total size 52428800"
  expect rsync_ssh confidence >= 0.7
  expect no port_ssh
}

test "another host's rsync does not explain this flow" {
  flow tcp 192.168.134.56:50022 -> 10.2.3.102:22 start "2008-03-08 03:39:10" end "2008-03-08 03:40:02" pkts 38000 bytes 55000000
  log "Mar  8 03:40:01 server rsyncd[123]: 192.168.134.99: sent 52428800 bytes  received 120 bytes  total size 52428800"
  expect no rsync_ssh
  expect port_ssh
}
`;

test('an rsync-over-ssh rule written from the docs explains its flow, with the numbers captured from the message', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-rsync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'rsync.rule');
  writeFileSync(file, RULE);
  const set = await loadRuleFiles([...builtinRuleFiles(), file]);
  const rule = set.rules.find((r) => r.name === 'rsync_ssh')!;
  assert.equal(rule.file, file);
  // The capture is a join key: logs are looked up by the peer address, not scanned.
  assert.deepEqual(rule.joins.map((j) => j.label), ['log.peer == flow.src']);
  const tests = (set.tests ?? []).filter((x) => x.file === file);
  assert.equal(tests.length, 2);
  for (const c of tests) assert.deepEqual((await runRuleTest(c, set)).failures, [], c.name);

  assert.match((await runRuleTest(tests[0], set)).got.join(','), /^rsync_ssh 0\.\d\d$/);
});

test('the captured numbers read as numbers in the summary and the evidence', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-rsync-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'rsync.rule');
  writeFileSync(file, RULE);
  const set = await loadRuleFiles([file]);
  const c = set.tests![0];
  const log = {
    kind: 'log' as const, ts: Date.UTC(2008, 2, 8, 3, 40, 1) * 1000, service: 'syslog', host: 'server', program: 'rsyncd', pid: 123, fields: {},
    message: '192.168.134.56: sent 52428800 bytes  received 120 bytes  total size 52428800',
    origin: { file: 'messages', line: 7, raw: 'Mar  8 03:40:01 server rsyncd[123]: 192.168.134.56: sent 52428800 bytes  received 120 bytes  total size 52428800' },
  };
  const flow = c.flows[0];
  const spike = {
    id: 1, start: flow.start, end: flow.end, peak: flow.start, onset: flow.start, bytes: flow.bytes, pkts: flow.pkts, baselineBytes: 0, excessBytes: flow.bytes,
    score: 9, detected: true, hosts: [], pairs: [], ports: [], flows: [{ flow, bytes: flow.bytes }],
  };
  const x = explainSpike(spike, set, [log], { flows: [flow] });
  assert.equal(x.explanations.length, 1);
  const e = x.explanations[0];
  assert.equal(e.summary, 'rsync sent 50.0 MiB to 192.168.134.56 and received 120 B');
  assert.ok(e.evidence.includes('log peer 192.168.134.56 = flow src'), e.evidence.join('\n'));
  assert.ok(e.evidence.some((l) => /^log sent_bytes 52428800 ≈ flow payload /.test(l)), e.evidence.join('\n'));
  assert.equal(x.unexplainedBytes, 0);
});
