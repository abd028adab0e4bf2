import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FlowRecord, LogEvent } from '../../src/event.js';
import type { CompiledRule } from '../../src/rules/types.js';
import { compileRuleSource } from '../../src/rules/load.js';
import { DEFAULT_TIME_SLACK } from '../../src/rules/compile.js';
import { pluralOf } from '../../src/rules/format.js';
import { flowPayload, directionPayload, headerOverhead } from '../../src/rules/fields.js';

const S = 1_000_000;
const T0 = Date.UTC(2008, 2, 8, 3, 27, 47) * 1000;

function flowRec(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    kind: 'flow', flowId: 'f1', start: T0, end: T0 + 60 * S, proto: 6,
    src: '192.168.134.56', sport: 39448, dst: '10.2.3.102', dport: 46743,
    pkts: 1000, bytes: 1_000_000, byteBasis: 'payload',
    origin: { file: 'flows.txt', line: 1, raw: '' }, records: 1, ...over,
  };
}

function logEv(fields: LogEvent['fields'] = {}, over: Partial<LogEvent> = {}): LogEvent {
  return {
    kind: 'log', ts: T0 + 60 * S, service: 'ftp', action: 'upload', fields,
    message: '', origin: { file: 'ftp.log', line: 1, raw: '' }, ...over,
  };
}

function rule(clauses: string): CompiledRule {
  const [r] = compileRuleSource(`rule r {\n  title "t"\n  ${clauses}\n  explain "x"\n}\n`, 'test.rule');
  return r;
}

const flowTest = (expr: string) => {
  const r = rule(`flow: ${expr}`);
  return (over: Partial<FlowRecord> = {}) => r.matchesFlow(flowRec(over));
};
const logTest = (expr: string) => {
  const r = rule(`log: ${expr}`);
  return (fields: LogEvent['fields'] = {}, over: Partial<LogEvent> = {}) => r.matchesLog(logEv(fields, over));
};
const join = (expr: string, flow: Partial<FlowRecord> = {}, fields: LogEvent['fields'] = {}, log: Partial<LogEvent> = {}) =>
  rule(`confidence 1\n  match: ${expr}`).join(flowRec(flow), logEv(fields, log));

test('comparisons on numbers, sizes and protocols', () => {
  assert.equal(flowTest('bytes > 999KB')(), true);
  assert.equal(flowTest('bytes > 1MB')(), false);
  assert.equal(flowTest('bytes >= 1MB')(), true);
  assert.equal(flowTest('bytes == 1000000')(), true);
  assert.equal(flowTest('bytes != 1000000')(), false);
  assert.equal(flowTest('bytes < 0.95MiB')(), false); // 0.95 MiB = 996147 bytes
  assert.equal(flowTest('bytes <= 1MB')(), true);
  assert.equal(flowTest('pkts == 1000')(), true);
  assert.equal(flowTest('proto == tcp')(), true);
  assert.equal(flowTest('proto == udp')(), false);
  assert.equal(flowTest('proto == udp')({ proto: 17 }), true);
  assert.equal(flowTest('proto == "icmpv6"')({ proto: 58 }), true);
  assert.equal(flowTest('duration > 59s and duration < 1m')(), false);
  assert.equal(flowTest('duration >= 1m')(), true);
  assert.equal(flowTest('rate == 16666')(), false);
  assert.equal(flowTest('rate > 16KB and rate < 17KB')(), true);
});

test('addresses compare by value, IPv4 and IPv6', () => {
  assert.equal(flowTest('src == 192.168.134.56')(), true);
  assert.equal(flowTest('src == "192.168.134.56"')(), true);
  assert.equal(flowTest('dst == 192.168.134.56')(), false);
  assert.equal(flowTest('src == 2001:db8::1')({ src: '2001:0db8:0:0:0:0:0:1' }), true);
  assert.equal(flowTest('src != 2001:db8::1')({ src: '2001:db8::2' }), true);
});

test('strings and missing values', () => {
  assert.equal(flowTest('state == "FIN"')({ state: 'FIN' }), true);
  // A condition on a missing value is false, and so is its != .
  assert.equal(flowTest('state == "FIN"')(), false);
  assert.equal(flowTest('state != "FIN"')(), false);
  assert.equal(flowTest('not state == "FIN"')(), true);
  assert.equal(flowTest('dport == 21')({ dport: null }), false);
  assert.equal(logTest('user == "bob"')({ user: 'bob' }), true);
  assert.equal(logTest('user == "bob"')({}), false);
  // Unknown log fields are fine: numbers compare as numbers, text as text.
  assert.equal(logTest('status == 226')({ status: '226' }), true);
  assert.equal(logTest('status == "226"')({ status: 226 }), true);
  assert.equal(logTest('status > 200')({ status: 'OK' }), false);
});

test('in: lists, ranges, CIDR blocks v4 and v6', () => {
  assert.equal(flowTest('dport in [21, 46743]')(), true);
  assert.equal(flowTest('dport in [21, 22]')(), false);
  assert.equal(flowTest('proto in [udp, tcp]')(), true);
  assert.equal(flowTest('dport in 1024..65535')(), true);
  assert.equal(flowTest('dport in 1024..65535')({ dport: 1024 }), true);
  assert.equal(flowTest('dport in 1024..65535')({ dport: 65535 }), true);
  assert.equal(flowTest('dport in 1024..65535')({ dport: 1023 }), false);
  assert.equal(flowTest('dport in 1024..65535')({ dport: null }), false);
  assert.equal(flowTest('bytes in 1MB..2MB')(), true);
  assert.equal(flowTest('dst in 10.0.0.0/8')(), true);
  assert.equal(flowTest('src in 10.0.0.0/8')(), false);
  assert.equal(flowTest('src in [10.0.0.0/8, 192.168.128.0/17]')(), true);
  assert.equal(flowTest('src in 192.168.0.0/17')(), false);
  assert.equal(flowTest('src in 0.0.0.0/0')(), true);
  assert.equal(flowTest('src in 2001:db8::/32')({ src: '2001:db8:ffff::5' }), true);
  assert.equal(flowTest('src in 2001:db8::/32')({ src: '2001:db9::5' }), false);
  assert.equal(flowTest('src in fe80::/10')({ src: 'febf::1' }), true);
  // Address families never mix.
  assert.equal(flowTest('src in ::/0')(), false);
  assert.equal(flowTest('src in [192.168.134.56, 10.2.3.102]')(), true);
  assert.equal(logTest('user in ["alice", "bob"]')({ user: 'bob' }), true);
});

test('matches: JavaScript regular expressions', () => {
  const t = logTest('file matches "^/home/\\w+/backup/"');
  assert.equal(t({ file: '/home/xxx/backup//x.tar' }), true);
  assert.equal(t({ file: '/srv/backup/x' }), false);
  assert.equal(t({}), false);
  assert.equal(logTest('file matches "\\.tar\\.gz$"')({ file: 'a.tar.gz' }), true);
  assert.equal(logTest('file matches "\\.tar\\.gz$"')({ file: 'a.targz' }), false);
});

test('and, or, not and parentheses', () => {
  assert.equal(flowTest('proto == udp or bytes > 1KB')(), true);
  assert.equal(flowTest('proto == udp and bytes > 1KB')(), false);
  assert.equal(flowTest('not proto == udp')(), true);
  assert.equal(flowTest('not (proto == tcp and bytes > 1KB)')(), false);
  // and binds tighter than or.
  assert.equal(flowTest('proto == udp and bytes > 1KB or pkts == 1000')(), true);
  assert.equal(flowTest('proto == udp and (bytes > 1KB or pkts == 1000)')(), false);
  assert.equal(flowTest('not not proto == tcp')(), true);
});

test('absent clauses match everything', () => {
  const r = rule('');
  assert.equal(r.matchesFlow(flowRec()), true);
  assert.equal(r.matchesLog(logEv()), true);
  assert.deepEqual(r.join(flowRec(), logEv()), { confidence: 0.8, evidence: [] });
  assert.equal(r.timeSlack, DEFAULT_TIME_SLACK);
});

test('match: field to field equality with evidence', () => {
  const res = join('log.client == flow.src', {}, { client: '192.168.134.56' });
  assert.deepEqual(res, { confidence: 1, evidence: ['log client 192.168.134.56 = flow src'] });
  assert.equal(join('log.client == flow.src', {}, { client: '192.168.134.57' }), null);
  assert.equal(join('log.client == flow.src', {}, {}), null);
});

test('~= with a percentage tolerance, relative to the right side', () => {
  // 1% off, within 2%: dev = 0.5, confidence 1 - 0.2 * 0.5.
  const res = join('log.bytes ~= flow.bytes within 2%', {}, { bytes: 1_010_000 });
  assert.ok(res);
  assert.ok(Math.abs(res.confidence - 0.9) < 1e-9, String(res.confidence));
  assert.deepEqual(res.evidence, ['log bytes 1010000 ≈ flow bytes 1000000 (1.0% apart)']);
  assert.equal(join('log.bytes ~= flow.bytes within 2%', {}, { bytes: 1_020_000 })?.confidence, 0.8);
  assert.equal(join('log.bytes ~= flow.bytes within 2%', {}, { bytes: 1_020_001 }), null);
  assert.equal(join('log.bytes ~= flow.bytes within 2%', {}, { bytes: 1_000_000 })?.confidence, 1);
  assert.equal(join('log.bytes ~= flow.bytes within 2%', {}, {}), null);
});

test('~= with an absolute tolerance in bytes and in time', () => {
  const res = join('log.bytes ~= flow.bytes within 100KB', {}, { bytes: 950_000 });
  assert.ok(res);
  assert.ok(Math.abs(res.confidence - 0.9) < 1e-9);
  assert.equal(join('log.bytes ~= flow.bytes within 100KB', {}, { bytes: 1_100_001 }), null);
  const r = rule('match: log.time ~= flow.end within 5s');
  assert.equal(r.timeSlack, 5 * S);
  const near = r.join(flowRec(), logEv({}, { ts: T0 + 62 * S }));
  assert.ok(near);
  assert.ok(Math.abs(near.confidence - 0.8 * (1 - 0.2 * 0.4)) < 1e-9);
  assert.deepEqual(near.evidence, ['log time 03:28:49 ≈ flow end 03:28:47 (2.0s apart)']);
  assert.equal(r.join(flowRec(), logEv({}, { ts: T0 + 66 * S })), null);
});

test('within D of: times on both sides, a duration between', () => {
  const r = rule('match: log.end within 30s of flow.end');
  assert.equal(r.timeSlack, 30 * S);
  const res = r.join(flowRec(), logEv({}, { ts: T0 + 60 * S - 4_200_000 }));
  assert.ok(res);
  assert.deepEqual(res.evidence, ['log end 03:28:42 within 30s of flow end (4.2s apart)']);
  assert.ok(Math.abs(res.confidence - 0.8 * (1 - 0.2 * (4.2 / 30))) < 1e-9);
  assert.equal(r.join(flowRec(), logEv({}, { ts: T0 + 90 * S }))?.confidence, 0.8 * 0.8);
  assert.equal(r.join(flowRec(), logEv({}, { ts: T0 + 90 * S + 1 })), null);
  // Durations work too: pure-ftpd's bytes / rate against the flow's span.
  const d = join('log.duration within 2s of flow.duration', {}, { bytes: 59_000_000, rate: 1_000_000 });
  assert.ok(d);
  assert.ok(Math.abs(d.confidence - 0.9) < 1e-9);
  assert.equal(join('log.duration within 2s of flow.duration', {}, { duration: 57.9 }), null);
});

test('log start, end and duration', () => {
  const ts = T0 + 60 * S;
  assert.ok(join('log.start within 1ms of flow.start', {}, { duration: 60 }, { ts }));
  assert.ok(join('log.start within 1ms of flow.end', {}, {}, { ts }));
  assert.ok(join('log.end within 1ms of flow.end', {}, {}, { ts }));
});

test('payload: measured per direction, or estimated from wire bytes', () => {
  assert.equal(flowPayload(flowRec({ srcPayload: 100, dstPayload: 20 })), 120);
  assert.deepEqual(headerOverhead('link', 6, false), [54, 66]);
  assert.deepEqual(headerOverhead('link', 17, false), [42, 42]);
  assert.deepEqual(headerOverhead('link', 6, true), [74, 86]);
  assert.deepEqual(headerOverhead('ip', 6, false), [40, 52]);
  assert.deepEqual(headerOverhead('ip', 17, false), [28, 28]);
  assert.deepEqual(headerOverhead('ip', 17, true), [48, 48]);
  assert.deepEqual(headerOverhead('payload', 6, false), [0, 0]);
  assert.deepEqual(headerOverhead('unknown', 6, false), [0, 66]);
  const big = flowRec({ pkts: 2501219, bytes: 1031277512, byteBasis: 'link' });
  assert.deepEqual(flowPayload(big), { lo: 866197058, hi: 896211686, note: 'estimated from 2501219 packets' });
  // IPv6 is told by the address.
  assert.deepEqual(flowPayload(flowRec({ pkts: 10, bytes: 2000, byteBasis: 'ip', src: 'fe80::1', dst: 'fe80::2' })), {
    lo: 2000 - 10 * 72, hi: 2000 - 10 * 60, note: 'estimated from 10 packets',
  });
  // Clamped at zero: small packets can be all header.
  assert.deepEqual(flowPayload(flowRec({ pkts: 10, bytes: 600, byteBasis: 'link' })), { lo: 0, hi: 60, note: 'estimated from 10 packets' });
  // Per direction: measured, then estimated from that direction's counts, then the whole flow.
  assert.equal(directionPayload(flowRec({ srcPayload: 7 }), 'src'), 7);
  assert.deepEqual(directionPayload(flowRec({ srcBytes: 6600, srcPkts: 100, byteBasis: 'link' }), 'src'), {
    lo: 0, hi: 1200, note: 'estimated from 100 packets',
  });
  assert.deepEqual(directionPayload(flowRec({ pkts: 10, bytes: 1660, byteBasis: 'link' }), 'dst'), {
    lo: 1000, hi: 1120, note: 'estimated from 10 packets, whole flow',
  });
});

test('an estimated payload range matches a logged size, with dev at least 0.1', () => {
  const flow = { pkts: 2501219, bytes: 1031277512, byteBasis: 'link' as const };
  const res = join('log.bytes ~= flow.payload within 2%', flow, { bytes: 891289600 });
  assert.ok(res);
  assert.deepEqual(res.evidence, ['log bytes 891289600 ≈ flow payload 866197058..896211686 (estimated from 2501219 packets)']);
  assert.ok(Math.abs(res.confidence - 0.98) < 1e-9);
  // Outside the range but inside the band: the distance counts from the range's edge.
  const mid = (866197058 + 896211686) / 2;
  const off = 896211686 + 0.01 * mid;
  const res2 = join('log.bytes ~= flow.payload within 2%', flow, { bytes: off });
  assert.ok(res2);
  assert.ok(Math.abs(res2.confidence - (1 - 0.2 * 0.5)) < 1e-6, String(res2.confidence));
  assert.match(res2.evidence[0], /\(estimated from 2501219 packets; 1\.0% apart\)$/);
  // Within a tenth of the tolerance of the range, an estimate cannot tell sizes apart: a tie.
  const near = join('log.bytes ~= flow.payload within 2%', flow, { bytes: 896211686 + 0.0015 * mid });
  assert.ok(near && Math.abs(near.confidence - res.confidence) < 1e-9, String(near?.confidence));
  assert.equal(join('log.bytes ~= flow.payload within 2%', flow, { bytes: 896211686 + 0.021 * mid }), null);
  // Ranges satisfy ordinary comparisons when some value in them does.
  assert.equal(flowTest('payload > 890MB')(flow), true);
  assert.equal(flowTest('payload > 900MB')(flow), false);
  assert.equal(flowTest('payload == 870000000')(flow), true);
});

test('confidence: base times the product over approximate conditions', () => {
  const r = compileRuleSource(
    `rule r {
      title "t"
      confidence 0.9
      match: log.bytes ~= flow.bytes within 10% and log.end within 10s of flow.end and log.client == flow.src
      explain "x"
    }`,
    'test.rule',
  )[0];
  // 5% of 10% -> dev 0.5; 2s of 10s -> dev 0.2.
  const res = r.join(flowRec(), logEv({ bytes: 1_050_000, client: '192.168.134.56' }, { ts: T0 + 62 * S }));
  assert.ok(res);
  assert.ok(Math.abs(res.confidence - 0.9 * 0.9 * 0.96) < 1e-9, String(res.confidence));
  assert.equal(res.evidence.length, 3);
});

test('or takes the best-scoring true branch', () => {
  // 20 KB off 1 MB: dev 1 within 2%, dev 0.2 within 100 KB; the second branch scores better.
  const expr = '(log.bytes ~= flow.bytes within 2% or log.bytes ~= flow.bytes within 100KB)';
  const res = join(expr, {}, { bytes: 1_020_000 });
  assert.ok(res);
  assert.ok(Math.abs(res.confidence - (1 - 0.2 * 0.2)) < 1e-9);
  assert.deepEqual(res.evidence, ['log bytes 1020000 ≈ flow bytes 1000000 (20000 apart)']);
  assert.equal(join(expr, {}, { bytes: 2_000_000 }), null);
  // Passive or active FTP: either address join.
  const ftp = '(log.client == flow.src or (log.client == flow.dst and flow.sport == 20))';
  assert.deepEqual(join(ftp, {}, { client: '192.168.134.56' })?.evidence, ['log client 192.168.134.56 = flow src']);
  assert.deepEqual(join(ftp, { sport: 20 }, { client: '10.2.3.102' })?.evidence, ['log client 10.2.3.102 = flow dst', 'flow sport = 20']);
  assert.equal(join(ftp, {}, { client: '10.2.3.102' }), null);
});

test('timeSlack is the largest time tolerance in match:', () => {
  assert.equal(rule('match: log.end within 30s of flow.end and log.start within 2m of flow.start').timeSlack, 120 * S);
  // Tolerances on durations or sizes are not about where the log is.
  assert.equal(rule('match: log.duration ~= flow.duration within 10s').timeSlack, DEFAULT_TIME_SLACK);
  assert.equal(rule('match: log.bytes ~= flow.bytes within 2%').timeSlack, DEFAULT_TIME_SLACK);
});

test('plural: the count and its noun, singular for exactly one, the last word pluralized or the form given', () => {
  const [r] = compileRuleSource(
    `rule r {
      title "t"
      flows: dport == 25
      logs: service == "mail"
      explain "{count|plural:mail delivery} from {distinct(log.from)|plural:sender} over {count(flow)|plural:SMTP connection}, {count|plural:person:people}"
    }`,
    'test.rule',
  );
  const mail = (from: string, size: number) => logEv({ from, size }, { service: 'mail', action: 'delivery' });
  const one = { flows: [flowRec()], logs: [mail('a@x', 1)] };
  assert.equal(r.render(one), '1 mail delivery from 1 sender over 1 SMTP connection, 1 person');
  const many = { flows: [flowRec(), flowRec({ flowId: 'f2' })], logs: [mail('a@x', 600), mail('b@x', 700), mail('a@x', 1200)] };
  assert.equal(r.render(many), '3 mail deliveries from 2 senders over 2 SMTP connections, 3 people');
  assert.deepEqual(['delivery', 'day', 'match', 'mailbox', 'flow', 'address', 'rush'].map(pluralOf), ['deliveries', 'days', 'matches', 'mailboxes', 'flows', 'addresses', 'rushes']);
});

test('an optional section shows only when every slot in it has a value', () => {
  const [r] = compileRuleSource(
    'rule r { title "t" explain "{log.user} sent {log.bytes|bytes}{? at {log.rate|rate}?}{? in {log.duration|duration} by {log.client}?}." }',
    'test.rule',
  );
  const flow = flowRec();
  assert.equal(r.explain(flow, logEv({ user: 'u', bytes: 2048, rate: 1024 })), 'u sent 2.00 KiB at 1.00 KiB/s.');
  // A pure-ftpd transfer log (clf) line has no rate: the section drops, not '?'.
  assert.equal(r.explain(flow, logEv({ user: 'u', bytes: 2048 })), 'u sent 2.00 KiB.');
  assert.equal(r.explain(flow, logEv({ user: 'u', bytes: 2048, duration: 3, client: '192.0.2.7' })), 'u sent 2.00 KiB in 3.0s by 192.0.2.7.');
  // Outside a section a missing value still reads '?'.
  assert.equal(r.explain(flow, logEv({ bytes: 2048 })), '? sent 2.00 KiB.');
});

test('explain templates and formatters', () => {
  const [r] = compileRuleSource(
    `rule r {
      title "t"
      explain "{log.user} sent {log.bytes|bytes} ({log.bytes|count} bytes) in {flow.duration|duration} at {log.rate|rate}, done {log.end|time}; {log.missing} {{literal}} \\"q\\""
    }`,
    'test.rule',
  );
  const flow = flowRec({ start: Date.UTC(2008, 2, 8, 3, 27, 47) * 1000 + 764771, end: Date.UTC(2008, 2, 8, 3, 33, 46) * 1000 + 183595 });
  const log = logEv({ user: 'xxx@xxx.com', bytes: 891289600, rate: 2428.22 * 1024 }, { ts: Date.UTC(2008, 2, 8, 3, 33, 42) * 1000 });
  assert.equal(
    r.explain(flow, log),
    'xxx@xxx.com sent 850 MiB (891,289,600 bytes) in 5m58s at 2.37 MiB/s, done 03:33:42; ? {literal} "q"',
  );
  const [plain] = compileRuleSource('rule p { title "t" explain "{flow.src}:{flow.sport} {flow.payload} {flow.start} {flow.duration}" }', 'x.rule');
  assert.equal(
    plain.explain(flowRec({ pkts: 10, bytes: 1660, byteBasis: 'link' }), logEv()),
    '192.168.134.56:39448 1000..1120 2008-03-08 03:27:47 1m00s',
  );
  const [bytes] = compileRuleSource('rule b { title "t" explain "{log.bytes|bytes}|{flow.bytes|bytes}|{flow.payload|bytes}" }', 'x.rule');
  assert.equal(
    bytes.explain(flowRec({ bytes: 207309250, pkts: 1, byteBasis: 'payload' }), logEv({ bytes: 512 })),
    '512 B|198 MiB|198 MiB',
  );
});
