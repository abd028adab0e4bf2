// The constructs added for issue 5: time relations, events alone, aggregates over groups,
// companions (`with` / `require`), `spike.x` and `{count}` templates; then `not`, regexes and
// IPv6 CIDR blocks once more, and every new error path with its position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord, LogEvent } from '../../src/event.js';
import { RuleSyntaxError } from '../../src/errors.js';
import { compileRuleSource } from '../../src/rules/load.js';
import type { CompiledRule } from '../../src/rules/types.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 8, 3, 0, 0) * 1000;

function flowRec(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    kind: 'flow', flowId: 'f1', start: T0, end: T0 + 60 * S, proto: 6, src: '192.168.134.56', sport: 39448,
    dst: '10.2.3.102', dport: 46743, pkts: 1000, bytes: 1_000_000, byteBasis: 'payload',
    origin: { file: 'flows.txt', line: 1, raw: '' }, records: 1, ...over,
  };
}

function logEv(fields: LogEvent['fields'] = {}, over: Partial<LogEvent> = {}): LogEvent {
  return { kind: 'log', ts: T0 + 60 * S, service: 'ftp', action: 'upload', fields, message: '', origin: { file: 'l', line: 1, raw: '' }, ...over };
}

function rule(clauses: string): CompiledRule {
  const [r] = compileRuleSource(`rule r {\n  title "t"\n  confidence 1\n  ${clauses}\n  explain "x"\n}\n`, 'test.rule');
  return r;
}

const join = (expr: string, flow: Partial<FlowRecord> = {}, log: Partial<LogEvent> = {}, fields: LogEvent['fields'] = {}) =>
  rule(`match: ${expr}`).join(flowRec(flow), logEv(fields, log));

test('before and after: order, then the gap against the tolerance', () => {
  // log at T0+60s, flow T0..T0+60s.
  assert.ok(join('flow.start before log.time'));
  assert.equal(join('log.time before flow.start'), null);
  assert.ok(join('log.time after flow.start within 1m'));
  assert.equal(join('log.time after flow.start within 59s'), null);
  const r = join('flow.start before log.time within 2m');
  assert.ok(r);
  assert.ok(Math.abs(r.confidence - (1 - 0.2 * 0.5)) < 1e-9, String(r.confidence));
  assert.deepEqual(r.evidence, ['flow start 03:00:00 before log time 03:01:00 (1m00s, within 2m)']);
  // Equal times: before holds (gap 0).
  assert.ok(join('flow.end before log.time within 1s'));
  // Events alone: `flow before log` is the flow's end against the log's start.
  assert.equal(join('flow before log', {}, {}, { duration: 30 }), null);
  assert.ok(join('flow before log', { end: T0 + 20 * S }, {}, { duration: 30 }));
  assert.equal(rule('match: flow.start before log.time within 10m').timeSlack, 10 * 60 * S);
});

test('overlaps: spans that share a moment, or come within the tolerance', () => {
  // The log's transfer window, from bytes and rate: 30 s ending at T0+60s.
  const fields = { bytes: 3_000_000, rate: 100_000 };
  assert.ok(join('log overlaps flow', {}, {}, fields));
  assert.deepEqual(join('log overlaps flow', {}, {}, fields)?.evidence, ['log 03:00:30..03:01:00 overlaps flow 03:00:00..03:01:00']);
  assert.equal(join('log overlaps flow', { start: T0 - 100 * S, end: T0 }, {}, fields), null);
  const near = join('log overlaps flow within 1m', { start: T0 - 100 * S, end: T0 }, {}, fields);
  assert.ok(near);
  assert.ok(Math.abs(near.confidence - (1 - 0.2 * 0.5)) < 1e-9);
  assert.deepEqual(near.evidence, ['log 03:00:30..03:01:00 overlaps flow 02:58:20..03:00:00 (30s apart, within 1m)']);
  assert.ok(join('log.start overlaps flow within 5s', {}, {}, fields));
  assert.ok(join('flow.start overlaps log within 31s', {}, {}, fields));
  assert.equal(join('flow.start overlaps log within 29s', {}, {}, fields), null);
});

test('not, regexes and IPv6 CIDR blocks', () => {
  const f = (expr: string, over: Partial<FlowRecord> = {}) => rule(`flow: ${expr}`).matchesFlow(flowRec(over));
  const l = (expr: string, fields: LogEvent['fields']) => rule(`log: ${expr}`).matchesLog(logEv(fields));
  assert.equal(f('not dport in 1024..65535'), false);
  assert.equal(f('not dport in 1024..65535', { dport: 21 }), true);
  assert.equal(f('not (src in 10.0.0.0/8 or dst in 10.0.0.0/8)'), false);
  assert.equal(f('not src in 2001:db8::/32'), true, 'an IPv4 address is outside any IPv6 block');
  assert.equal(f('src in 2001:db8::/32', { src: '2001:DB8::1' }), true, 'case does not matter');
  assert.equal(f('src in 2001:db8:0:1::/64', { src: '2001:db8:0:1:ffff:ffff:ffff:ffff' }), true);
  assert.equal(f('src in 2001:db8:0:1::/64', { src: '2001:db8:0:2::' }), false);
  assert.equal(f('src in ::ffff:0:0/96', { src: '::ffff:10.0.0.1' }), true);
  assert.equal(f('src in [::1/128, fe80::/10]', { src: '::1' }), true);
  assert.equal(f('src in fe80::/10', { src: 'fec0::1' }), false);
  assert.equal(f('src in 2001:db8::/32', { src: 'not-an-address' }), false);
  assert.equal(l('user matches "^[a-z]+@example\\\\.com$"', { user: 'bob@example.com' }), true);
  assert.equal(l('user matches "^[a-z]+@example\\\\.com$"', { user: 'bob@exampleXcom' }), false);
  assert.equal(l('not user matches "^root$"', {}), true);
  assert.equal(l('path matches "\\\\.iso$"', { path: '/pub/a.iso' }), true);
});

test('an IPv4-mapped IPv6 address is its IPv4 host: a dual-stack daemon\'s client meets the IPv4 flow', () => {
  // vsftpd with listen_ipv6=YES (Debian's default) logs IPv4 clients as ::ffff:a.b.c.d.
  for (const client of ['::ffff:192.168.134.56', '::FFFF:192.168.134.56', '::ffff:c0a8:8638', '0:0:0:0:0:ffff:c0a8:8638']) {
    assert.ok(join('log.client == flow.src', {}, {}, { client }), client);
    assert.ok(join('flow.src == log.client', {}, {}, { client }), client);
  }
  assert.equal(join('log.client == flow.src', {}, {}, { client: '::ffff:192.168.134.57' }), null);
  assert.equal(join('log.client != flow.src', {}, {}, { client: '::ffff:192.168.134.56' }), null);
  // An IPv4 host in IPv6 clothing is still not the IPv6 host ::c0a8:8638 (IPv4-compatible, deprecated).
  assert.equal(join('log.client == flow.src', {}, {}, { client: '::c0a8:8638' }), null);
  const l = (expr: string, client: string) => rule(`log: ${expr}`).matchesLog(logEv({ client }));
  assert.equal(l('client in 192.168.0.0/16', '::ffff:192.168.134.56'), true);
  assert.equal(l('client in 10.0.0.0/8', '::ffff:192.168.134.56'), false);
  // A block written inside ::ffff:0:0/96 is a block of IPv4 hosts, however they are written.
  assert.equal(l('client in ::ffff:192.168.0.0/112', '192.168.134.56'), true);
  assert.equal(l('client in ::ffff:192.168.0.0/112', '192.169.0.1'), false);
  assert.equal(l('client in ::/0', '::ffff:192.168.134.56'), false, 'an IPv4 host is outside every IPv6 block');
  // The correlation engine finds a flow's logs by this key (logFinder): the same one.
  const indexed = rule('match: log.client == flow.src');
  const [key] = indexed.joins;
  assert.equal(key.log(logEv({ client: '::ffff:192.168.134.56' })), key.flow(flowRec()));
});

test('aggregates over a group of logs, in match: and in templates', () => {
  const [r] = compileRuleSource(
    `rule m {
      title "mail"
      flow: dport == 25
      logs: service == "mail"
      each: log.client == flow.src
      match: count(log) >= 2 and distinct(log.from) == 2 and sum(log.size) ~= flow.payload within 10% and max(log.time) after min(log.time)
      explain "{count} deliveries, {count(log)} lines, {sum(log.size)|bytes} ({sum(log.size)|count} B), {distinct(log.from)} senders, first {min(log.time)|time}"
    }`,
    'm.rule',
  );
  assert.equal(r.logArity, 'many');
  const flow = flowRec({ dport: 25, bytes: 1_000_000 });
  const logs = [300_000, 350_000, 330_000].map((size, i) =>
    logEv({ size, client: '192.168.134.56', from: i === 1 ? 'a@x' : 'b@x' }, { service: 'mail', ts: T0 + (10 + i) * S }),
  );
  const b = { flows: [flow], logs };
  const m = r.evaluate(b);
  assert.ok(m);
  assert.ok(m.evidence.includes('sum(log.size) 980000 ≈ flow payload 1000000 (estimated from 1000 packets; 2.0% apart)'), m.evidence.join('\n'));
  assert.equal(r.render(b), '3 deliveries, 3 lines, 957 KiB (980,000 B), 2 senders, first 03:00:10');
  assert.equal(r.evaluate({ flows: [flow], logs: logs.slice(0, 1) }), null);
  assert.ok(r.pair(flow, logs[0]));
  assert.equal(r.pair(flowRec({ src: '10.9.9.9' }), logs[0]), null);
});

test('spike fields in match:', () => {
  const r = rule('flows: dport == 25\n  logs: service == "mail"\n  match: sum(log.size) ~= spike.bytes within 5% and spike.duration >= 5m');
  const spike = { start: T0, end: T0 + 300 * S, bytes: 1_000_000, excessBytes: 900_000 };
  const logs = [logEv({ size: 500_000 }), logEv({ size: 490_000 })];
  assert.ok(r.evaluate({ flows: [], logs, spike }));
  assert.equal(r.evaluate({ flows: [], logs: logs.slice(1), spike }), null);
  // Outside a spike (rule tests, join()), spike values are missing and conditions on them false.
  assert.equal(r.evaluate({ flows: [], logs }), null);
});

test('with / require: the event\'s own fields bare, the rule\'s events by name', () => {
  const [r] = compileRuleSource(
    `rule f {
      title "t"
      flow: dport > 1023
      with control: flow dport == 21 and src == flow.src and start before flow.start within 10m
      require login: log action == "login" and client == flow.src
      explain "{flow.src} control {control.sport} login {login.user}"
    }`,
    'f.rule',
  );
  assert.deepEqual(r.companions.map((c) => [c.name, c.kind, c.required, c.slack]), [
    ['control', 'flow', false, 10 * 60 * S],
    ['login', 'log', true, 5 * 60 * S],
  ]);
  const data = flowRec({ start: T0 + 100 * S });
  const control = flowRec({ flowId: 'c', dport: 21, sport: 40000, start: T0 });
  const [withControl, withLogin] = r.companions;
  const o = withControl.test({ flows: [data], logs: [] }, control);
  assert.ok(o);
  // Only conditions that join two events are evidence; `dport == 21` is why it was picked.
  assert.deepEqual(o.evidence, ['control src 192.168.134.56 = flow src', 'control start 03:00:00 before flow start 03:01:40 (1m40s, within 10m)']);
  assert.ok(Math.abs(o.factor - (1 - 0.2 * (100 / 600))) < 1e-9);
  assert.equal(withControl.test({ flows: [data], logs: [] }, { ...control, start: T0 + 101 * S }), null);
  assert.ok(withLogin.test({ flows: [data], logs: [] }, logEv({ client: '192.168.134.56' }, { action: 'login' })));
  const login = logEv({ user: 'bob' }, { action: 'login' });
  assert.equal(r.render({ flows: [data], logs: [], events: { control, login } }), '192.168.134.56 control 40000 login bob');
  assert.equal(r.render({ flows: [data], logs: [] }), '192.168.134.56 control ? login ?');
});

test('keywords stay usable as field names after a dot, and `flows`/`logs` as names elsewhere', () => {
  const r = rule('log: log.before == "x" and log.flows == 2');
  assert.equal(r.matchesLog(logEv({ before: 'x', flows: 2 })), true);
  const [t] = compileRuleSource('rule t { title "t" tags flows, logs, each explain "x" }', 't.rule');
  assert.deepEqual(t.tags, ['flows', 'logs', 'each']);
});

// ---------------------------------------------------------------- errors

function errorOf(source: string): RuleSyntaxError {
  try {
    compileRuleSource(source, 'rules/test.rule');
  } catch (error) {
    assert.ok(error instanceof RuleSyntaxError, String(error));
    return error;
  }
  assert.fail('expected a RuleSyntaxError');
}

/** Compile a rule whose 4th line is `line`; the error must be on it at `column`, with a caret there. */
function assertError(line: string, column: number, reason: RegExp | string, before = ''): void {
  const source = `rule a {\n  title "x"\n${before || '  flow: dport > 0\n'}${line}\n  explain "y"\n}\n`;
  const e = errorOf(source);
  const lineNo = source.split('\n').indexOf(line) + 1;
  assert.ok(e.message.startsWith(`rules/test.rule:${lineNo}:${column}: `), e.message);
  if (typeof reason === 'string') assert.equal(e.reason, reason);
  else assert.match(e.reason, reason);
  const [, src, caret] = e.detailed.split('\n');
  assert.equal(src, `  ${line}`);
  assert.equal(caret, `  ${' '.repeat(column - 1)}^`);
}

test('errors: time relations', () => {
  assertError('  match: log.time before 30s', 26, "'before' needs a time or an event on both sides (flow, log.start, control), not a value");
  assertError('  match: flow.bytes after log.time', 21, "'after' needs times or events (flow, log.start, control) but flow.bytes is a byte count");
  assertError('  match: log overlaps flow within 5MB', 35, "'within' needs a duration like 30s, not 5MB");
  assertError('  match: log overlaps flow within 5mn', 36, /^unknown unit 'mn' in '5mn' .*did you mean '\w+'\?$/);
  assertError('  match: flow > log.time', 15, "flow alone is an event's time span: compare flow.start or flow.end, or use before, after, overlaps or within ... of");
  assertError('  match: log.time before and', 26, "expected a field, a value or '(' but found 'and'");
});

test('errors: groups and aggregates', () => {
  assertError('  match: summ(log.size) > 1MB', 10, "unknown aggregate 'summ' (known: count, sum, min, max, distinct); did you mean 'sum'?");
  assertError('  log: sum(log.size) > 1MB', 8, "sum(...) looks at a whole group: use it in match:, a with/require clause or explain, not in log:");
  assertError('  match: count(log.user) > 1', 20, 'count(...) counts events: write count(log); for distinct values use distinct(log.user)');
  assertError('  match: sum(log.time) > 1', 10, 'sum(...) needs numbers, sizes or durations but log.time is a time');
  assertError('  match: sum(log) > 1', 14, 'sum(...) needs a field, like sum(log.bytes)');
  assertError('  match: sum(src.bytes) > 1', 14, 'sum(...) goes over the rule\'s flows or logs: write sum(flow.bytes) or sum(log.bytes)');
  assertError('  match: flow.bytes > 1MB', 10, /^'flows:' makes flow a group: use an aggregate such as sum\(flow\.bytes\)/, '  flows: dport > 0\n');
  assertError('  flows: dport > 1', 3, "duplicate 'flow:' / 'flows:' clause in rule 'a' (first on line 3)");
  assertError('  each: client == flow.src', 9, "bare name 'client' in each: write flow.client or log.client");
  assertError('  each: spike.bytes > 1', 9, "'spike' is only known in match:, with/require clauses and explain, not in each:");
  assertError('  match: spike.byte > 1', 16, "unknown spike field 'byte' (known: start, end, duration, bytes, excess); did you mean 'bytes'?");
  assertError('  match: log.bytes ~= flow.payloads within 1%', 28, /; did you mean 'payload'\?\)$/);
});

test('errors: companions', () => {
  assertError('  with spike: flow dport == 21', 8, "'spike' cannot name an event: it already means something in rules; try a name like 'control'");
  assertError('  with src: flow dport == 21', 8, "'src' is a field name, so 'src' alone would be ambiguous; call the event something else, like 'control'");
  assertError('  with control: flows dport == 21', 17, "expected 'flow' or 'log' but found 'flows'");
  assertError('  with control: flow contrl.src == flow.src', 22, "unknown event 'contrl' (known: flow, log, spike, control); did you mean 'control'?");
  assertError('  match: control.src == flow.src', 10,
    "'control' is found after the rule's flows and logs are matched: use it in its own with/require clause or in explain, not in match:",
    '  with control: flow dport == 21\n');
  assertError('  require control: log action == "login"', 11, "duplicate event 'control' in rule 'a' (first on line 3)", '  with control: flow dport == 21\n');
});

test('errors: template slots with aggregates and events', () => {
  const e = errorOf('rule a {\n  title "x"\n  logs: service == "mail"\n  explain "{summ(log.size)|bytes}"\n}');
  assert.equal(e.reason, "unknown aggregate 'summ' (known: count, sum, min, max, distinct); did you mean 'sum'?");
  assert.equal(e.column, 13);
  const f = errorOf('rule a {\n  title "x"\n  logs: service == "mail"\n  explain "{sum(log.tme)|bytes} {log.user}"\n}');
  assert.match(f.reason, /^'logs:' makes log a group/);
  assert.equal(f.column, 34);
  const g = errorOf('rule a {\n  title "x"\n  explain "{sum(log.time)|bytes}"\n}');
  assert.equal(g.reason, 'sum(...) needs numbers, sizes or durations but log.time is a time');
  const h = errorOf('rule a {\n  title "x"\n  explain "{count(log)|duration}"\n}');
  assert.equal(h.reason, "formatter 'duration' does not fit count(log), which is a number");
  assert.equal(h.column, 24);
  const i = errorOf('rule a {\n  title "x"\n  explain "{ctrl.sport}"\n}');
  assert.match(i.reason, /^unknown event 'ctrl'/);
  assert.equal(i.column, 13);
});

test('every rule example in docs/rules.md compiles', async () => {
  const { readFileSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const path = await import('node:path');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const doc = readFileSync(path.join(root, 'docs', 'rules.md'), 'utf8');
  const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^(#.*\n)*rule /.test(b));
  assert.ok(blocks.length >= 2);
  for (const b of blocks) assert.ok(compileRuleSource(b, 'docs/rules.md').length > 0);
});
