// The engine on constructed flows and logs: companions (the FTP control connection), groups
// (a split upload, mail deliveries against one flow and against the spike), and assignment
// (no flow or log line claimed twice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { ExplainedSpike, FlowRecord, LogEvent, Spike } from '../../src/event.js';
import { bestSubset, explainSpike, type RuleExplanation } from '../../src/analyses/correlate.js';
import { builtinRulesDir, compileRuleSource, loadRuleFiles } from '../../src/rules/load.js';
import type { RuleSet } from '../../src/rules/types.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 8, 3, 0, 0) * 1000;
const at = (seconds: number) => T0 + seconds * S;

let nextId = 0;
function flow(over: Partial<FlowRecord>): FlowRecord {
  const id = `f${++nextId}`;
  return {
    kind: 'flow', flowId: id, start: at(0), end: at(60), proto: 6, src: '192.168.134.56', sport: 40000 + nextId,
    dst: '10.2.3.102', dport: 50000, pkts: 1000, bytes: 1_000_000, byteBasis: 'payload',
    origin: { file: 'flows.txt', line: nextId, raw: id }, records: 1, ...over,
  };
}

let nextLine = 0;
function log(ts: number, service: string, action: string, fields: LogEvent['fields']): LogEvent {
  const line = ++nextLine;
  return { kind: 'log', ts, service, action, fields, message: `${service} ${action}`, origin: { file: 'messages', line, raw: `line ${line}` } };
}

function ftpUpload(ts: number, bytes: number, seconds: number, client = '192.168.134.56'): LogEvent {
  return log(ts, 'ftp', 'upload', { user: 'bob', client, file: `/up/${bytes}`, bytes, rate: bytes / seconds });
}

function spikeOf(flows: FlowRecord[]): Spike {
  const start = Math.min(...flows.map((f) => f.start));
  const end = Math.max(...flows.map((f) => f.end));
  const bytes = flows.reduce((s, f) => s + f.bytes, 0);
  return {
    id: 1, start, end, peak: start, onset: start, bytes, pkts: 0, baselineBytes: 0, excessBytes: bytes, score: 10, detected: true,
    hosts: [], pairs: [], ports: [], flows: flows.map((f) => ({ flow: f, bytes: f.bytes })),
  };
}

async function builtins(...names: string[]): Promise<RuleSet> {
  const dir = builtinRulesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.rule')).map((f) => path.join(dir, f));
  const all = await loadRuleFiles(files);
  return { rules: all.rules.filter((r) => names.includes(r.name)), files: all.files };
}

function ruleSet(source: string): RuleSet {
  return { rules: compileRuleSource(source, 'test.rule'), files: ['test.rule'] };
}

/** Every flow and log line at most once across a spike's explanations. */
function assertClaimedOnce(x: ExplainedSpike): void {
  const flows = x.explanations.flatMap((e) => e.flows.map((f) => f.flowId));
  const logs = x.explanations.flatMap((e) => e.logs);
  assert.equal(new Set(flows).size, flows.length, `a flow claimed twice: ${flows.join(', ')}`);
  assert.equal(new Set(logs).size, logs.length, 'a log line claimed twice');
}

test('ftp_upload: the control connection before the data flow corroborates and lifts confidence (passive)', async () => {
  const rules = await builtins('ftp_upload');
  const data = flow({ start: at(10), end: at(370), bytes: 891_289_600, pkts: 600_000 });
  const control = flow({ start: at(8), end: at(400), dport: 21, pkts: 30, bytes: 3000 });
  // Same hosts, but port 21 opened after the data connection started: not its control connection.
  const late = flow({ start: at(20), end: at(400), dport: 21, pkts: 30, bytes: 3000 });
  const upload = ftpUpload(at(366), 891_289_600, 360);
  const without = explainSpike(spikeOf([data]), rules, [upload]);
  const x = explainSpike(spikeOf([data, late]), rules, [upload], { flows: [data, control, late] });
  assert.equal(x.explanations.length, 1);
  const e = x.explanations[0] as RuleExplanation;
  assert.deepEqual(e.flows.map((f) => f.flowId), [data.flowId]);
  assert.deepEqual(e.companions.map((c) => [c.name, (c.event as FlowRecord).flowId]), [['control', control.flowId]]);
  const base = without.explanations[0].confidence;
  assert.ok(e.confidence > base, `${e.confidence} should beat ${base} without the control connection`);
  // Lifted half the way to 1.
  assert.ok(Math.abs(e.confidence - (base + (1 - base) * 0.5)) < 1e-9, String(e.confidence));
  assert.ok(e.evidence.some((l) => /^control: flow 03:00:08-03:06:40 tcp 192\.168\.134\.56:\d+ -> 10\.2\.3\.102:21$/.test(l)), e.evidence.join('\n'));
  assert.ok(e.evidence.includes('  control start 03:00:08 before flow start 03:00:10 (2.0s)'), e.evidence.join('\n'));
  // The late port-21 flow in the spike stays unexplained; a companion found in the spike would not.
  assert.deepEqual(x.unexplained.map((u) => u.flow.flowId), [late.flowId]);
});

test('ftp_upload: active mode, the control connection goes client -> server:21 while data comes from port 20', async () => {
  const rules = await builtins('ftp_upload');
  const data = flow({ src: '10.2.3.102', sport: 20, dst: '192.168.134.56', dport: 40001, start: at(10), end: at(70) });
  const control = flow({ start: at(5), end: at(100), dport: 21, bytes: 2000, pkts: 20 });
  const x = explainSpike(spikeOf([data, control]), rules, [ftpUpload(at(69), 1_000_000, 60)]);
  const e = x.explanations[0] as RuleExplanation;
  assert.equal(e.companions[0]?.event, control);
  assert.equal(x.unexplained.length, 0, 'the control connection counts as explained');
});

test('require: without the required event there is no explanation', () => {
  const rules = ruleSet(`rule r {
    title "t"
    flow: dport == 50000
    log: service == "ftp"
    match: log.client == flow.src
    require login: log action == "login" and client == log.client and time before flow.start within 10m
    explain "{log.user} after login at {login.time|time}"
  }`);
  const data = flow({ start: at(100), end: at(160) });
  const upload = ftpUpload(at(159), 1_000_000, 60);
  assert.equal(explainSpike(spikeOf([data]), rules, [upload]).explanations.length, 0);
  const login = log(at(90), 'ftp', 'login', { user: 'bob', client: '192.168.134.56' });
  const x = explainSpike(spikeOf([data]), rules, [upload, login]);
  assert.equal(x.explanations.length, 1);
  assert.equal(x.explanations[0].summary, 'bob after login at 03:01:30');
  assert.deepEqual(x.explanations[0].logs, [upload]);
});

const SPLIT = `rule split_upload {
  title "FTP upload over several connections"
  confidence 0.9
  flows: proto == tcp and bytes > 100KB
  log: service == "ftp" and action == "upload"
  each: flow.src == log.client and flow overlaps log within 30s
  match: log.bytes ~= sum(flow.payload) within 1%
  explain "{log.user} uploaded {log.bytes|bytes} over {count(flow)} connections ({sum(flow.payload)|bytes})"
}`;

test('a split upload: two flows whose payloads sum to one log line', () => {
  const a = flow({ start: at(0), end: at(100), bytes: 600_000_000, pkts: 400_000 });
  const b = flow({ start: at(100), end: at(180), bytes: 400_000_000, pkts: 300_000 });
  // Same client at the same time, but adding it would overshoot the logged size.
  const extra = flow({ start: at(50), end: at(120), bytes: 50_000_000, pkts: 40_000 });
  const other = flow({ src: '192.168.200.77', start: at(0), end: at(180), bytes: 300_000_000 });
  const upload = ftpUpload(at(178), 1_000_000_000, 180);
  const x = explainSpike(spikeOf([a, b, extra, other]), ruleSet(SPLIT), [upload]);
  assert.equal(x.explanations.length, 1);
  const e = x.explanations[0];
  assert.deepEqual(e.flows.map((f) => f.flowId), [a.flowId, b.flowId]);
  assert.equal(e.bytes, 1_000_000_000);
  assert.equal(e.summary, 'bob uploaded 954 MiB over 2 connections (954 MiB)');
  assert.ok(e.evidence.includes('log bytes 1000000000 ≈ sum(flow.payload) 1000000000 (summed over 2 flows, estimated from packets)'), e.evidence.join('\n'));
  assert.deepEqual(x.unexplained.map((u) => u.flow.flowId).sort(), [extra.flowId, other.flowId].sort());
});

function delivery(ts: number, size: number, client: string, from: string): LogEvent {
  return log(ts, 'mail', 'delivery', { size, bytes: size, client, from, to: 'x@example.org', relay: 'local', queue_id: `Q${ts}` });
}

test('smtp_in: N deliveries over one connection sum to its payload', async () => {
  const rules = await builtins('smtp_in');
  const sizes = [120_000, 80_000, 250_000, 50_000, 100_000];
  const conn = flow({ src: '198.51.100.55', dst: '10.2.3.25', dport: 25, start: at(0), end: at(60), bytes: 612_000, pkts: 600 });
  const deliveries = sizes.map((s, i) => delivery(at(10 + i * 10), s, '198.51.100.55', `u${i % 3}@example.net`));
  // Another client's delivery at the same time belongs to another connection.
  const stranger = delivery(at(30), 90_000, '203.0.113.9', 'z@example.com');
  const x = explainSpike(spikeOf([conn]), rules, [...deliveries, stranger]);
  assert.equal(x.explanations.length, 1);
  const e = x.explanations[0];
  assert.deepEqual(e.logs, deliveries);
  assert.equal(e.summary, '5 mail deliveries (586 KiB) from 198.51.100.55, 3 senders');
  assertClaimedOnce(x);
});

test('many small deliveries summed against the spike', () => {
  const rules = ruleSet(`rule mail_spike {
    title "Mail burst"
    flows: dport == 25
    logs: service == "mail" and action == "delivery"
    each: log.client == flow.src and log.time overlaps flow within 1m
    match: count(log) >= 5 and sum(log.size) ~= spike.bytes within 10%
    explain "{count} deliveries ({sum(log.size)|bytes}) from {distinct(log.client)} clients, {count(flow)} connections"
  }`);
  const clients = ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
  const flows = clients.map((c, i) => flow({ src: c, dport: 25, start: at(i * 20), end: at(i * 20 + 30), bytes: 100_000 }));
  const logs: LogEvent[] = [];
  for (let i = 0; i < 12; i++) logs.push(delivery(at(i * 5), 25_000, clients[i % 3], 'a@b'));
  const x = explainSpike(spikeOf(flows), rules, logs);
  assert.equal(x.explanations.length, 1);
  assert.equal(x.explanations[0].summary, '12 deliveries (293 KiB) from 3 clients, 3 connections');
  assert.equal(x.unexplainedBytes, 0);
  // Too few deliveries for the rule's count: nothing.
  assert.equal(explainSpike(spikeOf(flows), rules, logs.slice(0, 4)).explanations.length, 0);
});

test('no flow or log is claimed twice: competing rules, and a group that loses a member', () => {
  const rules = ruleSet(`${SPLIT}
  rule one_upload {
    title "FTP upload"
    confidence 0.95
    flow: proto == tcp
    log: service == "ftp" and action == "upload"
    match: log.client == flow.src and log.bytes ~= flow.payload within 1%
    explain "one"
  }`);
  // Two uploads: one over a single connection (both rules can explain it), one split in two.
  const single = flow({ start: at(0), end: at(60), bytes: 500_000_000 });
  const a = flow({ start: at(0), end: at(50), bytes: 300_000_000 });
  const b = flow({ start: at(50), end: at(100), bytes: 200_000_000 });
  const logs = [ftpUpload(at(59), 500_000_000, 60), ftpUpload(at(99), 500_000_000, 100)];
  const x = explainSpike(spikeOf([single, a, b]), rules, logs);
  assertClaimedOnce(x);
  assert.equal(x.explanations.length, 2, x.explanations.map((e) => `${e.rule} ${e.flows.map((f) => f.flowId)}`).join('; '));
  const byRule = new Map(x.explanations.map((e) => [e.rule, e]));
  assert.deepEqual(byRule.get('one_upload')?.flows, [single]);
  assert.deepEqual(byRule.get('split_upload')?.flows.map((f) => f.flowId), [a.flowId, b.flowId]);
  assert.equal(x.unexplained.length, 0);
});

test('bestSubset: every subset for few items, the best fit wins, ties go to the larger', () => {
  const target = 10;
  const fit = (xs: number[]) => {
    const sum = xs.reduce((s, x) => s + x, 0);
    return Math.abs(sum - target) <= 1 ? { confidence: 1 - Math.abs(sum - target) / 10, xs } : null;
  };
  assert.deepEqual(bestSubset([6, 4, 5], fit)?.xs, [6, 4]);
  // [7, 3] and [2, 3, 5] both hit 10 exactly: the larger one.
  assert.deepEqual(bestSubset([7, 2, 3, 5], fit)?.xs, [2, 3, 5]);
  assert.equal(bestSubset([50, 60], fit), null);
  // Beyond the exhaustive limit: runs of consecutive items.
  const many = Array.from({ length: 30 }, (_, i) => (i >= 10 && i < 15 ? 2 : 100));
  assert.deepEqual(bestSubset(many, fit)?.xs, [2, 2, 2, 2, 2]);
});

test('joins: a rule that equates a log address with a flow address finds logs by that address', async () => {
  const rules = await builtins('ftp_upload', 'smtp_in', 'smtp_burst');
  const byName = new Map(rules.rules.map((r) => [r.name, r]));
  // ftp_upload: passive (client is the flow's src) or active (its dst): both are looked up.
  assert.deepEqual(byName.get('ftp_upload')!.joins.map((j) => j.label), ['log.client == flow.src', 'log.client == flow.dst']);
  assert.deepEqual(byName.get('smtp_in')!.joins.map((j) => j.label), ['log.client == flow.src']);
  assert.deepEqual(byName.get('smtp_burst')!.joins.map((j) => j.label), ['log.client == flow.src', 'log.relay_ip == flow.dst']);
  // A rule joined on time alone keeps the time index only.
  const timeOnly = ruleSet(`rule r {\n title "t"\n flow: dport == 50000\n log: service == "ftp"\n match: log.end within 30s of flow.end\n explain "x"\n}`);
  assert.deepEqual(timeOnly.rules[0].joins, []);
  // Addresses written differently are one key.
  const v6 = ruleSet(`rule r {\n title "t"\n log: service == "ftp"\n match: log.client == flow.src\n explain "x"\n}`).rules[0].joins[0];
  const f = flow({ src: '2001:db8:0:0::5' });
  assert.equal(v6.flow(f), v6.log(log(at(0), 'ftp', 'upload', { client: '2001:DB8::5' })));
});

test('the address index changes no verdict: many clients uploading at once, each log finds its own flow', async () => {
  const rules = await builtins('ftp_upload');
  const flows: FlowRecord[] = [];
  const logs: LogEvent[] = [];
  for (let i = 0; i < 40; i++) {
    const client = `192.168.7.${i + 1}`;
    const bytes = 5_000_000 + i * 1000; // sizes too close for bytes alone to tell them apart
    flows.push(flow({ src: client, start: at(i), end: at(i + 60), bytes, pkts: 10 }));
    logs.push(ftpUpload(at(i + 60), bytes - 0, 60, client));
  }
  const x = explainSpike(spikeOf(flows), rules, logs);
  assert.equal(x.explanations.length, 40);
  for (const e of x.explanations) assert.equal(e.logs[0].fields.client, e.flows[0].src);
  assertClaimedOnce(x);
});

test('rules without a log: a guess from the port labels what no log explains, never more', async () => {
  const rules = await builtins('ftp_upload', 'port_ssh', 'port_ftp', 'http_transfer', 'port_http');
  const ssh = flow({ dport: 22, start: at(0), end: at(100), bytes: 50_000_000 });
  const ssh2 = flow({ dport: 22, start: at(5), end: at(90), bytes: 20_000_000 });
  const tiny = flow({ dport: 22, start: at(5), end: at(6), bytes: 4000 });
  const web = flow({ dport: 80, src: '203.0.113.9', start: at(0), end: at(200), bytes: 700_000_000 });
  const request = log(at(10), 'web', 'request', { client: '203.0.113.9', bytes: 690_000_000 });
  const x = explainSpike(spikeOf([ssh, ssh2, tiny, web]), rules, [request]);
  const rulesSeen = x.explanations.map((e) => e.rule);
  assert.deepEqual(rulesSeen, ['http_transfer', 'port_ssh'], 'log-backed first, the guess after, the port-80 guess beaten');
  const guess = x.explanations[1];
  assert.equal(guess.confidence, 0.2);
  assert.deepEqual(guess.flows.map((f) => f.flowId).sort(), [ssh.flowId, ssh2.flowId].sort());
  assert.match(guess.summary, /^2 flows to port 22 \(66\.8 MiB\): .*a guess from the port, no log explains them$/);
  assert.deepEqual(guess.logs, []);
  // A guess is no evidence: its bytes stay in the unexplained remainder.
  assert.equal(x.unexplainedBytes, ssh.bytes + ssh2.bytes + tiny.bytes);
});

test('a guess from port 21 does not take an FTP control connection that corroborates an upload', async () => {
  const rules = await builtins('ftp_upload', 'port_ftp');
  const data = flow({ start: at(10), end: at(370), bytes: 891_289_600, pkts: 600_000 });
  const control = flow({ start: at(8), end: at(400), dport: 21, pkts: 3000, bytes: 3_000_000 });
  const x = explainSpike(spikeOf([data, control]), rules, [ftpUpload(at(366), 891_289_600, 360)]);
  assert.deepEqual(x.explanations.map((e) => e.rule), ['ftp_upload']);
  assert.equal(x.unexplained.length, 0);
});

test('assignment: one-to-one explanations of similar confidence claim first, and a group that lost members searches again', async () => {
  const rules = await builtins('smtp_in');
  const client = '198.51.100.23';
  // Three connections, each carrying one message; the first one's payload is 5% over its
  // message (retransmissions), and the two others' messages sum to it exactly.
  const conn = (s: number, bytes: number) => flow({ src: client, dst: '10.2.3.25', dport: 25, start: at(s), end: at(s + 1), bytes, pkts: 40 });
  const big = conn(0, 1_000_000);
  const b = conn(2, 600_000);
  const c = conn(4, 400_000);
  const mails = [delivery(at(0), 950_000, client, 'a@x'), delivery(at(2), 600_000, client, 'b@x'), delivery(at(4), 400_000, client, 'c@x')];
  const x = explainSpike(spikeOf([big, b, c]), rules, mails);
  assertClaimedOnce(x);
  const pairs = x.explanations.map((e) => `${e.flows.map((f) => f.flowId).join('+')}: ${e.logs.map((l) => l.fields.from).join('+')}`);
  assert.deepEqual(pairs, [`${big.flowId}: a@x`, `${b.flowId}: b@x`, `${c.flowId}: c@x`]);
  // The group is still found when its members have no connection of their own.
  const alone = explainSpike(spikeOf([big]), rules, mails.slice(1));
  assert.deepEqual(alone.explanations.map((e) => e.logs.map((l) => l.fields.from)), [['b@x', 'c@x']]);
});

test('assignment: a group that fits clearly better than a one-to-one explanation still wins', async () => {
  const rules = await builtins('smtp_in');
  const client = '198.51.100.23';
  const conn = (s: number, bytes: number) => flow({ src: client, dst: '10.2.3.25', dport: 25, start: at(s), end: at(s + 1), bytes, pkts: 40 });
  // Two messages over one connection, summing to its payload exactly; another connection of
  // the client's is 14% off the larger message alone: within smtp_in's 20%, a poor fit.
  const both = conn(0, 1_000_000);
  const other = conn(3, 700_000);
  const mails = [delivery(at(0), 600_000, client, 'a@x'), delivery(at(1), 400_000, client, 'b@x')];
  const x = explainSpike(spikeOf([both, other]), rules, mails);
  assertClaimedOnce(x);
  assert.deepEqual(x.explanations.map((e) => [e.flows.map((f) => f.flowId), e.logs.map((l) => l.fields.from)]), [[[both.flowId], ['a@x', 'b@x']]]);
  assert.equal(x.explanations[0].summary, '2 mail deliveries (977 KiB) from 198.51.100.23, 2 senders');
  assert.deepEqual(x.unexplained.map((u) => u.flow.flowId), [other.flowId]);
});
