// Rule files' own test cases: the built-in rules ship with positive and negative cases, and
// a case's log lines go through the real parsers, so a broken line or verdict says where.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSyntaxError } from '../../src/errors.js';
import { compileRuleFile } from '../../src/rules/compile.js';
import { builtinRuleFiles, loadRuleFiles } from '../../src/rules/load.js';
import { runRuleTest } from '../../src/rules/run-tests.js';
import type { RuleSet } from '../../src/rules/types.js';

async function builtinSet(): Promise<RuleSet> {
  return loadRuleFiles(builtinRuleFiles());
}

/** One test file compiled next to the built-ins, as `flowlink rules test` loads it. */
async function withBuiltins(source: string, file = 'my.rule'): Promise<RuleSet> {
  const set = await builtinSet();
  const own = compileRuleFile(source, file);
  return { rules: [...set.rules, ...own.rules], files: [...set.files, file], tests: own.tests };
}

const UPLOAD_LINE =
  'Mar  8 03:33:42 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/backup//xxx.com_2008.03.08_03-21-02 uploaded  (891289600 bytes, 2428.22KB/sec)';
const DATA_FLOW =
  'flow tcp 192.168.134.56:39448 -> 10.2.3.102:46743 start "2008-03-08 03:27:47.764771" end "2008-03-08 03:33:46.183595" pkts 2501219 bytes 1031277512';

test('every built-in rule file carries test cases, positive and negative, and they all pass', async () => {
  const set = await builtinSet();
  const tests = set.tests ?? [];
  for (const file of builtinRuleFiles()) {
    const own = tests.filter((t) => t.file === file);
    const expects = own.flatMap((t) => t.expects);
    assert.ok(expects.some((e) => e.kind === 'explained'), `${file}: no positive case`);
    assert.ok(expects.some((e) => e.kind !== 'explained'), `${file}: no negative case`);
  }
  for (const t of tests) {
    const r = await runRuleTest(t, set);
    assert.deepEqual(r.failures, [], `${t.file}:${t.line} ${t.name}`);
  }
});

test('a test case: flows as written, the log line read by the real pure-ftpd parser', async () => {
  const set = await withBuiltins(`test "upload" {\n  ${DATA_FLOW}\n  log "${UPLOAD_LINE}" as pure-ftpd\n  expect ftp_upload confidence >= 0.8\n}\n`);
  const t = set.tests![0];
  assert.equal(t.name, 'upload');
  assert.equal(t.flows[0].start, Date.UTC(2008, 2, 8, 3, 27, 47) * 1000 + 764771);
  assert.equal(t.flows[0].dport, 46743);
  assert.equal(t.flows[0].origin.file, 'my.rule');
  const r = await runRuleTest(t, set);
  assert.deepEqual(r.failures, []);
  assert.match(r.got[0], /^ftp_upload 0\.\d\d$/);
});

test('a missed expectation names the file, line and column and what the engine concluded', async () => {
  const set = await withBuiltins(`test "too sure" {\n  ${DATA_FLOW}\n  log "${UPLOAD_LINE}"\n  expect ftp_upload confidence >= 0.99\n  expect no ftp_upload\n}\n`);
  const r = await runRuleTest(set.tests![0], set);
  assert.equal(r.failures.length, 2);
  assert.match(r.failures[0], /^my\.rule:4:3: expected ftp_upload confidence >= 0\.99, got ftp_upload 0\.\d\d$/);
  assert.match(r.failures[1], /^my\.rule:5:3: expected no ftp_upload, got ftp_upload/);
});

test('unknown rules and formats, and lines the parser cannot read, fail with their position', async () => {
  const set = await withBuiltins(
    `test "broken" {\n  ${DATA_FLOW}\n  log "${UPLOAD_LINE}" as pure-ftp\n  log "not a log line at all" as pure-ftpd\n  log "zzz"\n  expect ftp_uplaod\n}\n`,
  );
  const r = await runRuleTest(set.tests![0], set);
  assert.match(r.failures.find((f) => f.startsWith('my.rule:3:'))!, /unknown log format 'pure-ftp' \(known: pure-ftpd, (.*, )?vsftpd, .*\)/);
  assert.match(r.failures.find((f) => f.startsWith('my.rule:4:'))!, /pure-ftpd (cannot read this line|read no event from this line)/);
  assert.match(r.failures.find((f) => f.startsWith('my.rule:5:'))!, /no log format reads this line; name one with 'as FORMAT'/);
  assert.match(r.failures.find((f) => f.startsWith('my.rule:6:'))!, /expect names rule 'ftp_uplaod', which is not loaded/);
});

test('postfix lines of one message are joined into its delivery, as in a real maillog', async () => {
  const lines = [
    'Mar 22 18:20:29 mx postfix/submission/smtpd[22590]: AA10A2839B: client=client.example.org[192.0.2.49], sasl_method=PLAIN, sasl_username=alice@example.org',
    'Mar 22 18:20:29 mx postfix/qmgr[15878]: AA10A2839B: from=<alice@example.org>, size=48200311, nrcpt=2 (queue active)',
  ];
  const flow = 'flow tcp 192.0.2.49:51532 -> 192.0.2.10:587 start "2011-03-22 18:20:28" end "2011-03-22 18:20:40" pkts 34000 bytes 50100000';
  const set = await withBuiltins(`test "in" {\n  ${flow}\n${lines.map((l) => `  log "${l}"`).join('\n')}\n  expect smtp_in\n}\n`);
  assert.deepEqual((await runRuleTest(set.tests![0], set)).failures, []);
});

function errorOf(source: string): RuleSyntaxError {
  try {
    compileRuleFile(source, 'my.rule');
  } catch (error) {
    assert.ok(error instanceof RuleSyntaxError, String(error));
    return error;
  }
  assert.fail('expected a RuleSyntaxError');
}

test('test case mistakes are caught when the file is loaded, at their column', () => {
  const flow = (rest: string) => `test "t" {\n  flow tcp 10.0.0.1:1 -> 10.0.0.2:2 ${rest}\n  expect unexplained\n}\n`;
  assert.equal(errorOf(`test "t" {\n  ${DATA_FLOW}\n}\n`).message, `my.rule:1:1: test "t" expects nothing: add a line like 'expect ftp_upload confidence >= 0.8' or 'expect unexplained'`);
  assert.match(errorOf(`test "t" {\n  expect unexplained\n}\n`).message, /^my\.rule:1:1: test "t" has no flow/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" end "2008-03-08 03:01:00" byts 5')).message, /^my\.rule:2:91: unknown flow attribute 'byts' \(known: start, .*\); did you mean 'bytes'\?$/);
  assert.match(errorOf(flow('start "03:00:00" duration 60s bytes 5')).message, /^my\.rule:2:43: a time in a test is a UTC date and time in quotes/);
  assert.match(errorOf(flow('start "2008-02-30 03:00:00" duration 60s bytes 5')).message, /is not a real date/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" duration 60MB bytes 5')).message, /duration needs a duration like 358s or 6m, not 60MB/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" bytes 5')).message, /needs an end .* or a duration/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" end "2008-03-08 02:00:00" bytes 5')).message, /the flow ends before it starts/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" duration 1s')).message, /needs its bytes/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" duration 1s bytes 5 basis wire')).message, /basis is what a flow's bytes count: link, ip, payload or unknown, not wire/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" duration 1s bytes 5 bytes 6')).message, /'bytes' given twice in one flow/);
  assert.match(errorOf(flow('start "2008-03-08 03:00:00" duration 1s pkts 5s bytes 1')).message, /pkts needs a number, not 5s/);
  assert.match(errorOf(`test "t" {\n  flow tcpp 10.0.0.1:1 -> 10.0.0.2:2 start "2008-03-08 03:00:00" duration 1s bytes 1\n  expect unexplained\n}\n`).message, /^my\.rule:2:8: unknown protocol 'tcpp'/);
  assert.match(errorOf(`test "t" {\n  flow tcp 10.0.0.300:1 -> 10.0.0.2:2 start "2008-03-08 03:00:00" duration 1s bytes 1\n  expect unexplained\n}\n`).message, /invalid address '10\.0\.0\.300' in a test flow/);
  assert.match(errorOf(`test "t" {\n  flow tcp 10.0.0.1:70000 -> 10.0.0.2:2 start "2008-03-08 03:00:00" duration 1s bytes 1\n  expect unexplained\n}\n`).message, /port 70000 is not 0\.\.65535/);
  assert.match(errorOf(`test "t" {\n  ${DATA_FLOW}\n  expect unexplained confidence > 0.5\n}\n`).message, /a confidence only goes with 'expect RULE'/);
  assert.match(errorOf(`test "t" {\n  ${DATA_FLOW}\n  expect ftp_upload confidence > 5\n}\n`).message, /confidence must be between 0 and 1, got 5/);
  assert.match(errorOf(`test "t" {\n  ${DATA_FLOW}\n  expect maybe ftp_upload\n}\n`).message, /expected 'expect RULE', 'expect no RULE' or 'expect unexplained' but found 'expect maybe ftp_upload'/);
});

test('IPv6 endpoints are written in brackets, as flowlink prints them', () => {
  const ok = compileRuleFile(`test "v6" {\n  flow tcp [2001:db8::5]:40000 -> [2001:db8::1]:21 start "2008-03-08 03:00:00" duration 1s bytes 1\n  expect unexplained\n}\n`, 'my.rule');
  assert.equal(ok.tests[0].flows[0].src, '2001:db8::5');
  assert.equal(ok.tests[0].flows[0].dport, 21);
});
