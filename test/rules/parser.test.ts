import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleSyntaxError } from '../../src/errors.js';
import { parseRuleText } from '../../src/rules/parser.js';
import { compileRuleSource } from '../../src/rules/load.js';

const TWO_RULES = `# two rules
rule ftp_upload {
  title "FTP upload"
  confidence 0.9
  tags ftp, upload
  flow: proto == tcp and bytes > 1MB
  log: service == "ftp" and action == "upload"
  match: log.client == flow.src
     and log.bytes ~= flow.payload within 2%
     and log.end within 30s of flow.end
     and log.duration ~= flow.duration within 10%
  explain "{log.user} uploaded {log.file} ({log.bytes|bytes}) from {flow.src} to {flow.dst}"
}

rule web_big {
  title "Big web response"
  flow: (dport in [80, 443] or sport in 8000..8999) and not src in 10.0.0.0/8
  log: service == "web" and status matches "^2"
  explain "{log.host} served {flow.payload|bytes}"
}
`;

/** Compile `source` and return the RuleSyntaxError it must raise. */
function errorOf(source: string, file = 'rules/test.rule'): RuleSyntaxError {
  try {
    compileRuleSource(source, file);
  } catch (error) {
    assert.ok(error instanceof RuleSyntaxError, `expected a RuleSyntaxError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a RuleSyntaxError');
}

/** The message starts with file:line:column, and `.detailed` puts a caret under the column. */
function assertAt(error: RuleSyntaxError, line: number, column: number, reason: RegExp | string): void {
  assert.ok(error.message.startsWith(`rules/test.rule:${line}:${column}: `), error.message);
  if (typeof reason === 'string') assert.equal(error.reason, reason);
  else assert.match(error.reason, reason);
  assert.equal(error.line, line);
  assert.equal(error.column, column);
  const [, source, caret] = error.detailed.split('\n');
  assert.equal(caret, `  ${' '.repeat(column - 1)}^`);
  assert.equal(source, `  ${error.sourceLine}`);
}

test('a valid file with two rules parses and compiles', () => {
  const parsed = parseRuleText(TWO_RULES);
  assert.deepEqual(parsed.lexErrors, []);
  assert.deepEqual(parsed.parseErrors, []);
  assert.ok(parsed.cst);
  const rules = compileRuleSource(TWO_RULES, 'rules/test.rule');
  assert.deepEqual(
    rules.map((r) => [r.name, r.title, r.line, r.confidence, r.tags, r.file]),
    [
      ['ftp_upload', 'FTP upload', 2, 0.9, ['ftp', 'upload'], 'rules/test.rule'],
      ['web_big', 'Big web response', 15, 0.8, [], 'rules/test.rule'],
    ],
  );
});

test('an empty file or one with only comments holds no rules', () => {
  assert.deepEqual(compileRuleSource('', 'x.rule'), []);
  assert.deepEqual(compileRuleSource('# nothing\n\n', 'x.rule'), []);
});

test('errors come back as values from parseRuleText', () => {
  const parsed = parseRuleText('rule a {\n  title "x"\n');
  assert.equal(parsed.cst, undefined);
  assert.deepEqual(parsed.parseErrors, [{ line: 2, column: 12, reason: "expected '}' but found end of file" }]);
});

test('missing closing brace before the next rule', () => {
  const e = errorOf('rule a {\n  title "x"\n  explain "y"\n\nrule b {\n  title "x"\n  explain "y"\n}\n');
  assertAt(e, 5, 1, "expected '}' but found 'rule'");
});

test('missing closing brace at end of file', () => {
  const e = errorOf('rule a {\n  title "x"\n  explain "y"\n');
  assertAt(e, 3, 14, "expected '}' but found end of file");
});

test('missing opening brace', () => {
  const e = errorOf('rule a\n  title "x"\n}');
  assertAt(e, 2, 3, "expected '{' but found 'title'");
});

test('a misspelt clause', () => {
  const e = errorOf('rule a {\n  titel "x"\n}');
  assertAt(e, 2, 3, "expected a clause (title, confidence, tags, flow:, flows:, log:, logs:, each:, match:, with, require, explain) or '}' but found 'titel'");
});

test('something other than a rule at top level', () => {
  const e = errorOf('title "x"');
  assertAt(e, 1, 1, "expected 'rule' or 'test' but found 'title'");
});

test('a condition without a comparison', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: bytes and pkts > 3\n  explain "y"\n}');
  assertAt(e, 3, 15, "expected a comparison (==, !=, <, <=, >, >=, ~=, in, matches, within, before, after, overlaps) after 'bytes' but found 'and'");
});

test('a missing right-hand side', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: bytes >\n  explain "y"\n}');
  assertAt(e, 4, 3, "expected a field, a value or '(' but found 'explain'");
});

test('an unclosed parenthesis', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: (bytes > 1MB\n  explain "y"\n}');
  assertAt(e, 4, 3, "expected ')' but found 'explain'");
});

test('an unterminated string', () => {
  const e = errorOf('rule a {\n  title "FTP upload\n  explain "y"\n}');
  assertAt(e, 2, 9, /^unterminated string/);
});

test('a bad character', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: bytes > 1MB; pkts > 1\n}');
  assertAt(e, 3, 20, "unexpected character ';'");
});

test('a bare name in match:', () => {
  const e = errorOf('rule a {\n  title "x"\n  match: client == flow.src\n  explain "y"\n}');
  assertAt(e, 3, 10, "bare name 'client' in match: write flow.client or log.client");
});

test('an unknown flow field points at the field name', () => {
  const e = errorOf('rule a {\n  title "x"\n  match: log.bytes ~= flow.payloads within 2%\n  explain "y"\n}');
  assertAt(e, 3, 28, /^unknown flow field 'payloads' \(known: proto, src, dst, sport, dport, .*payload.*\)$/);
});

test('an unknown bare flow field in flow:', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: byte > 1MB\n  explain "y"\n}');
  assertAt(e, 3, 9, /^unknown flow field 'byte'/);
});

test('a log field in flow:', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: log.bytes > 1MB\n  explain "y"\n}');
  assertAt(e, 3, 9, 'a flow: clause can only use flow fields; compare log.bytes in match:');
});

test('a type mismatch is reported at the operator', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: bytes > 30s\n  explain "y"\n}');
  assertAt(e, 3, 15, 'type mismatch: flow.bytes is a byte count but 30s is a duration');
  const e2 = errorOf('rule a {\n  title "x"\n  match: log.end within 30s of flow.bytes\n  explain "y"\n}');
  assertAt(e2, 3, 18, "type mismatch: log.end is a time but flow.bytes is a byte count");
  const e3 = errorOf('rule a {\n  title "x"\n  flow: src < 10.0.0.1\n  explain "y"\n}');
  assertAt(e3, 3, 13, "'<' needs numbers, times or sizes but flow.src is an address");
});

test('a bad unit points at the unit', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: bytes > 5mb\n  explain "y"\n}');
  assertAt(e, 3, 18, /^unknown unit 'mb' in '5mb' \(known: B, KB, MB, .*%\); did you mean 'MB'\?$/);
});

test('a duration tolerance on a size is a unit error', () => {
  const e = errorOf('rule a {\n  title "x"\n  match: log.bytes ~= flow.payload within 5s\n  explain "y"\n}');
  assertAt(e, 3, 43, 'tolerance 5s does not fit log.bytes is a byte count');
});

test('confidence out of 0..1', () => {
  const e = errorOf('rule a {\n  title "x"\n  confidence 1.5\n  explain "y"\n}');
  assertAt(e, 3, 14, 'confidence must be between 0 and 1, got 1.5');
});

test('a duplicate rule name', () => {
  const e = errorOf('rule a {\n  title "x"\n  explain "y"\n}\nrule a {\n  title "x"\n  explain "y"\n}\n');
  assertAt(e, 5, 6, "duplicate rule 'a' (first defined at line 1)");
});

test('a duplicate clause', () => {
  const e = errorOf('rule a {\n  title "x"\n  title "z"\n  explain "y"\n}');
  assertAt(e, 3, 3, "duplicate 'title' clause in rule 'a' (first on line 2)");
});

test('an invalid CIDR block', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: src in 10.0.0.0/33\n  explain "y"\n}');
  assertAt(e, 3, 16, "invalid CIDR '10.0.0.0/33': prefix length must be 0..32");
  const e6 = errorOf('rule a {\n  title "x"\n  flow: src in [10.0.0.0/8, fe80::/129]\n  explain "y"\n}');
  assertAt(e6, 3, 29, "invalid CIDR 'fe80::/129': prefix length must be 0..128");
  const bad = errorOf('rule a {\n  title "x"\n  flow: src in 10.0.0.300/8\n  explain "y"\n}');
  assertAt(bad, 3, 16, "invalid CIDR '10.0.0.300/8': '10.0.0.300' is not an IP address");
});

test('an invalid regex', () => {
  const e = errorOf('rule a {\n  title "x"\n  log: file matches "(unclosed"\n  explain "y"\n}');
  assertAt(e, 3, 21, /^invalid regex "\(unclosed": /);
});

test('a missing explain or title', () => {
  const e = errorOf('rule lonely {\n  title "x"\n  flow: bytes > 1MB\n}');
  assertAt(e, 1, 6, `rule 'lonely' has no explain clause (explain "..." is required)`);
  const t = errorOf('rule lonely {\n  explain "x"\n}');
  assertAt(t, 1, 6, `rule 'lonely' has no title clause (title "..." is required)`);
});

test('template errors point inside the string', () => {
  const field = errorOf('rule a {\n  title "x"\n  explain "sent {flow.byts}"\n}');
  assertAt(field, 3, 23, /^unknown flow field 'byts'/);
  const fmt = errorOf('rule a {\n  title "x"\n  explain "sent {flow.bytes|mb}"\n}');
  assertAt(fmt, 3, 29, "unknown formatter 'mb' (known: bytes, rate, duration, time, count, plural)");
  const bare = errorOf('rule a {\n  title "x"\n  explain "by {user}"\n}');
  assertAt(bare, 3, 16, "template slot '{user}' must name flow.<field> or log.<field>");
  const unclosed = errorOf('rule a {\n  title "x"\n  explain "by {log.user"\n}');
  assertAt(unclosed, 3, 15, /^unclosed '\{' in template/);
});

test('plural: a noun is required, at most two forms, none empty, numbers only; other formatters take no argument', () => {
  const usage = ' (write {count|plural:delivery} or {count|plural:delivery:deliveries})';
  const template = (t: string) => errorOf(`rule a {\n  title "x"\n  explain "${t}"\n}`);
  // Column 12 is the template's first character.
  assertAt(template('{count|plural} sent'), 3, 25, `formatter 'plural' needs an argument after ':'${usage}`);
  assertAt(template('{count|plural:} sent'), 3, 26, `formatter 'plural' has an empty argument${usage}`);
  assertAt(template('{count|plural:a:b:c}'), 3, 29, `formatter 'plural' takes at most 2 arguments${usage}`);
  assertAt(template('{log.user|plural:user}'), 3, 22, "formatter 'plural' does not fit log.user, which is text");
  assertAt(template('{flow.bytes|bytes:x}'), 3, 29, "formatter 'bytes' takes no argument after ':'");
  assertAt(template('{count|plurals:x}'), 3, 19, /^unknown formatter 'plurals' \(known: .*\); did you mean 'plural'\?$/);
});

test('a percentage outside ~= and a CIDR outside in', () => {
  const p = errorOf('rule a {\n  title "x"\n  flow: bytes > 5%\n  explain "y"\n}');
  assertAt(p, 3, 17, "a percentage is only allowed as a '~=' tolerance");
  const c = errorOf('rule a {\n  title "x"\n  flow: src == 10.0.0.0/8\n  explain "y"\n}');
  assertAt(c, 3, 16, "a CIDR block like 10.0.0.0/8 only makes sense after 'in'");
});

test('an unknown protocol name', () => {
  const e = errorOf('rule a {\n  title "x"\n  flow: proto == "sctpx"\n  explain "y"\n}');
  assertAt(e, 3, 18, /^unknown protocol 'sctpx'/);
});

/** A one-rule file with `body` as its clauses, and the error it must raise at `line:column`. */
function clauseError(body: string, line: number, column: number, reason: RegExp | string): void {
  assertAt(errorOf(`rule a {\n  title "x"\n${body}\n  explain "y"\n}`), line, column, reason);
}

test('every remaining checked mistake: at its token, with the reason', () => {
  clauseError('  flow: proto in [tcp, sctpp]', 3, 24, /^unknown protocol 'sctpp' \(known: icmp, tcp, udp, icmpv6 or a number\)$/);
  clauseError('  flow: state in [CON, FIN]', 3, 19, `'CON' is not a value here: write "CON" for text`);
  clauseError('  flow: 5 == 6', 3, 11, 'a condition needs a field on at least one side');
  clauseError('  flow: 5 in [5, 6]', 3, 9, "the left side of 'in' must be a field");
  clauseError('  flow: state in 1..5', 3, 18, /^a range needs a numeric field but flow\.state is text$/);
  clauseError('  flow: dport in 1024..80', 3, 18, 'empty range 1024..80: the lower end comes first');
  clauseError('  flow: bytes in 10.0.0.0/8', 3, 18, /^a CIDR block needs an address but flow\.bytes is a byte count$/);
  clauseError('  flow: 5 matches "x"', 3, 9, "the left side of 'matches' must be a field");
  clauseError('  flow: bytes matches "^1"', 3, 15, /^'matches' needs text but flow\.bytes is a byte count$/);
  clauseError('  match: log.bytes within 5s of flow.bytes', 3, 20, /^'within \.\.\. of' needs two times or two durations but log\.bytes is a byte count and flow\.bytes is a byte count$/);
  clauseError('  flows: dport == 25\n  match: sum(flows.bytes) > 1MB', 4, 14, /^sum\(\.\.\.\) goes over the rule's flows or logs: write sum\(flow\.bytes\) or sum\(log\.bytes\)$/);
  clauseError('  flows: dport == 25\n  match: sum(flow.state) > 1MB', 4, 10, /^sum\(\.\.\.\) needs numbers, sizes or durations but flow\.state is text$/);
  clauseError('  flows: dport == 25\n  match: max(flow.src) > 1MB', 4, 10, /^max\(\.\.\.\) needs numbers, sizes or times but flow\.src is an address$/);
  clauseError('  match: log.end ~= flow.end within 5%', 3, 37, 'a percentage tolerance makes no sense for times; use a duration like 5s');
});

test('template brace mistakes point into the string', () => {
  assertAt(errorOf('rule a {\n  title "x"\n  explain "got {log.bytes"\n}'), 3, 16, "unclosed '{' in template (write '{{' for a literal brace)");
  assertAt(errorOf('rule a {\n  title "x"\n  explain "got } here"\n}'), 3, 16, "unmatched '}' in template (write '}}' for a literal brace)");
  assertAt(errorOf('rule a {\n  title "x"\n  explain "got {? at {log.rate}"\n}'), 3, 16, "unclosed optional section '{?' in template (close it with '?}')");
  assertAt(errorOf('rule a {\n  title "x"\n  explain "a {? b {? c {log.rate}?}?}"\n}'), 3, 19, "optional sections '{? ... ?}' do not nest");
  assertAt(errorOf('rule a {\n  title "x"\n  explain "a {? b ?}"\n}'), 3, 14, "optional section '{? ... ?}' holds no slot, so it would always show");
  assertAt(errorOf('rule a {\n  title "x"\n  explain "a {? at {flow.payloads|bytes}?}"\n}'), 3, 26, /^unknown flow field 'payloads'/);
});

test('named groups: captures only in log:, never hiding a known field, never twice', () => {
  clauseError('  flow: state matches "(?<s>C)"', 3, 23, "named group 's' captures nothing here: only a log: (or logs:) clause's 'matches' binds log.s");
  clauseError('  log: message matches "(?<bytes>\\d+)"', 3, 24, "named group 'bytes' would hide the log field 'bytes': call it something else, like bytes_seen");
  clauseError('  log: message matches "(?<n>\\d+)" and program matches "(?<n>x)"', 3, 56, "named group 'n' is captured twice in this rule");
});

test('a test block in a rule file: its grammar mistakes', () => {
  assertAt(errorOf('test "t" {\n  flows tcp\n}'), 2, 3, "expected flow, log, expect or '}' in a test but found 'flows'");
  assertAt(errorOf('test "t" {\n  flow tcp 10.0.0.1:1 10.0.0.2:2\n}'), 2, 23, "expected '->' but found '10.0.0.2'");
  assertAt(errorOf('test t {\n}'), 1, 6, "expected a string but found 't'");
  assertAt(errorOf('test "t" {\n  flow tcp 10.0.0.1:1 -> 10.0.0.2:2 start "2008-03-08 03:00:00" end "2008-03-08 03:00:00" duration 1s bytes 1\n  expect unexplained\n}'), 2, 100, "give a flow's end or its duration, not both");
});
