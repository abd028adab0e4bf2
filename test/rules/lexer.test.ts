import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize, unquote } from '../../src/rules/lexer.js';

function kinds(source: string): string[] {
  const { tokens, errors } = tokenize(source);
  assert.deepEqual(errors, []);
  return tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

test('keywords, names and punctuation', () => {
  assert.deepEqual(kinds('rule ftp_upload { title "x" }'), [
    'Rule:rule', 'Identifier:ftp_upload', 'LCurly:{', 'Title:title', 'StringLiteral:"x"', 'RCurly:}',
  ]);
  // A keyword prefix does not make a keyword: `rules`, `matchesx`, `flows` are names.
  assert.deepEqual(kinds('rules matches match matchesx flows'), [
    'Identifier:rules', 'Matches:matches', 'Match:match', 'Identifier:matchesx', 'Identifier:flows',
  ]);
  assert.deepEqual(kinds('flow: log.client == flow.src'), [
    'Flow:flow', 'Colon::', 'Log:log', 'Dot:.', 'Identifier:client', 'Eq:==', 'Flow:flow', 'Dot:.', 'Identifier:src',
  ]);
});

test('comparison operators', () => {
  assert.deepEqual(kinds('== != <= >= < > ~='), ['Eq:==', 'NotEq:!=', 'Lte:<=', 'Gte:>=', 'Lt:<', 'Gt:>', 'Approx:~=']);
});

test('numbers, quantities with units, ranges', () => {
  assert.deepEqual(kinds('0.9 1MB 2% 30s 500ms 1.5GiB 10KB 2h 1d'), [
    'NumberLiteral:0.9', 'Quantity:1MB', 'Quantity:2%', 'Quantity:30s', 'Quantity:500ms', 'Quantity:1.5GiB',
    'Quantity:10KB', 'Quantity:2h', 'Quantity:1d',
  ]);
  assert.deepEqual(kinds('1024..65535'), ['NumberLiteral:1024', 'DotDot:..', 'NumberLiteral:65535']);
  assert.deepEqual(kinds('1MB..2MB'), ['Quantity:1MB', 'DotDot:..', 'Quantity:2MB']);
  // Any letters glued to a number are one quantity, so a bad unit is reported as a bad unit.
  assert.deepEqual(kinds('5xb'), ['Quantity:5xb']);
});

test('IPv4 and IPv6 addresses and CIDR blocks', () => {
  assert.deepEqual(kinds('10.2.3.102 10.0.0.0/8 fe80::1 2001:db8::/32 ::1 ::ffff:10.0.0.1'), [
    'Address:10.2.3.102', 'Address:10.0.0.0/8', 'Address:fe80::1', 'Address:2001:db8::/32', 'Address:::1', 'Address:::ffff:10.0.0.1',
  ]);
});

test('strings with escapes; comments and newlines are skipped', () => {
  const { tokens } = tokenize('# a comment\n"say \\"hi\\" \\\\ \\d" # trailing\n');
  assert.equal(tokens.length, 1);
  assert.equal(tokens[0].startLine, 2);
  assert.equal(unquote(tokens[0].image), 'say "hi" \\ \\d');
});

test('positions are 1-based lines and columns', () => {
  const { tokens } = tokenize('rule a {\n  title "x"\n}');
  const title = tokens.find((t) => t.image === 'title')!;
  assert.equal(title.startLine, 2);
  assert.equal(title.startColumn, 3);
});

test('a bad character is reported with its line and column', () => {
  const { errors } = tokenize('rule a {\n  title "x"\n  flow: bytes > 1MB @ 3\n}');
  assert.deepEqual(errors, [{ line: 3, column: 21, reason: "unexpected character '@'" }]);
});

test('an unterminated string is reported where it starts', () => {
  const { errors } = tokenize('rule a {\n  title "FTP upload\n}');
  assert.equal(errors.length, 1);
  assert.equal(errors[0].line, 2);
  assert.equal(errors[0].column, 9);
  assert.match(errors[0].reason, /unterminated string/);
});
