// `flowlink rules check|list|test` as a user runs them: a real process, exit codes and streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';

/** The line of `rule ftp_upload {` in the built-in file, as the messages cite it. */
const FTP_RULE_LINES = readFileSync(path.join(ROOT, 'rules', 'ftp.rule'), 'utf8').split('\n');
const FTP_UPLOAD_LINE = FTP_RULE_LINES.findIndex((l) => l.startsWith('rule ftp_upload ')) + 1;
const FTP_TESTS = FTP_RULE_LINES.filter((l) => l.startsWith('test "')).length;

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-rules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const GOOD = `rule big_ssh {
  title "Big SSH transfer"
  confidence 0.5
  flow: proto == tcp and dport == 22 and bytes > 10MB
  log: program == "sshd" and message matches "Accepted publickey for (?<login>\\S+) from (?<peer>\\S+)"
  match: log.peer == flow.src and log.time overlaps flow within 1m
  explain "{log.login} over ssh from {log.peer}"
}

test "a login just before a big ssh flow" {
  flow tcp 192.168.134.56:50022 -> 10.2.3.102:22 start "2008-03-08 03:39:10" end "2008-03-08 03:45:02" pkts 38000 bytes 55000000
  log "Mar  8 03:39:09 server sshd[2211]: Accepted publickey for backup from 192.168.134.56 port 50022 ssh2: RSA SHA256:x"
  expect big_ssh
}
`;

test('rules check: 0 for good files; 2 for a bad one, each error with file:line:column and a caret', (t) => {
  const dir = scratch(t);
  const good = path.join(dir, 'good.rule');
  const bad = path.join(dir, 'bad.rule');
  const worse = path.join(dir, 'worse.rule');
  writeFileSync(good, GOOD);
  writeFileSync(bad, 'rule a {\n  title "x"\n  flow: byts > 1MB\n  explain "y"\n}\n');
  writeFileSync(worse, 'rule b {\n  title "x"\n  flow: bytes > 1Mb\n  explain "y"\n}\n');
  const ok = run('rules', 'check', good, 'rules');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /good\.rule: 1 rule, 1 test, ok/);
  assert.match(ok.stdout, new RegExp(`rules/ftp\\.rule: 2 rules, ${FTP_TESTS} tests, ok`));
  const r = run('rules', 'check', bad, good, worse);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.rule:3:9: unknown flow field 'byts' \(known: .*; did you mean 'bytes'\?\)\n {4}flow: byts > 1MB\n {10}\^/);
  assert.match(r.stderr, /worse\.rule:3:18: unknown unit 'Mb' in '1Mb' \(known: B, KB, MB, .*\); did you mean 'MB'\?/);
  assert.match(r.stderr, /2 rule files with errors/);
  assert.match(r.stdout, /good\.rule: 1 rule, 1 test, ok/, 'a bad file does not stop the others being checked');
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('rules check: a rule named like a built-in is a duplicate', (t) => {
  const dir = scratch(t);
  const file = path.join(dir, 'dup.rule');
  writeFileSync(file, 'rule ftp_upload {\n  title "x"\n  explain "y"\n}\n');
  const r = run('rules', 'check', file);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`dup\\.rule:1:6: duplicate rule 'ftp_upload' \\(first defined at rules/ftp\\.rule:${FTP_UPLOAD_LINE}\\)`));
  assert.equal(run('rules', 'check', '--only-rules', file).code, 0);
});

test('rules list: every loaded rule with where it came from; --rules DIR adds a folder, --only-rules leaves the built-ins out', (t) => {
  const dir = scratch(t);
  mkdirSync(path.join(dir, 'mine'));
  writeFileSync(path.join(dir, 'mine', 'b.rule'), GOOD);
  writeFileSync(path.join(dir, 'mine', 'a.rule'), 'rule aaa {\n  title "A"\n  flow: dport == 873\n  explain "rsync daemon"\n}\n');
  writeFileSync(path.join(dir, 'mine', 'notes.txt'), 'not a rule file');
  const r = run('rules', 'list', '--rules', path.join(dir, 'mine'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^ftp_upload +FTP upload +rules/ftp\\.rule:${FTP_UPLOAD_LINE} +built-in$`, 'm'));
  assert.match(r.stdout, /^port_ssh +SSH \(guessed from port 22\) +rules\/ports\.rule:\d+ +built-in$/m);
  const lines = r.stdout.split('\n');
  const aaa = lines.findIndex((l) => l.startsWith('aaa '));
  const ssh = lines.findIndex((l) => l.startsWith('big_ssh '));
  assert.ok(aaa > 0 && ssh > aaa, 'a folder loads its *.rule files in name order, after the built-ins');
  assert.match(lines[aaa], /a\.rule:1 +user$/);
  const only = JSON.parse(run('rules', 'list', '--json', '--only-rules', '--rules', path.join(dir, 'mine')).stdout) as { name: string; origin: string }[];
  assert.deepEqual(only.map((x) => [x.name, x.origin]), [['aaa', 'user'], ['big_ssh', 'user']]);
  const none = run('rules', 'list', '--only-rules');
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no rules to explain with/);
  const empty = run('rules', 'list', '--rules', path.join(dir, 'nowhere'));
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /cannot read rule file .*nowhere \(ENOENT\)/);
});

test('rules test: the built-in cases pass; a failing case exits 1 and says why', (t) => {
  const builtin = run('rules', 'test', ...['ftp', 'mail', 'ports', 'web'].map((n) => `rules/${n}.rule`));
  assert.equal(builtin.code, 0, builtin.stdout + builtin.stderr);
  assert.match(builtin.stdout, /^ok {4}rules\/ftp\.rule:\d+ {2}a passive upload, with its control connection {2}\(ftp_upload 0\.9\d\)$/m);
  assert.match(builtin.stdout, /^\d+ tests: \d+ passed$/m);
  const dir = scratch(t);
  const file = path.join(dir, 'ssh.rule');
  writeFileSync(file, GOOD.replace('expect big_ssh', 'expect big_ssh confidence >= 0.9'));
  const r = run('rules', 'test', file);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL {2}.*ssh\.rule:10 {2}a login just before a big ssh flow$/m);
  assert.match(r.stdout, /ssh\.rule:13:3: expected big_ssh confidence >= 0\.9, got big_ssh 0\.\d\d/);
  assert.match(r.stdout, /^1 test: 0 passed, 1 failed$/m);
  writeFileSync(file, GOOD.replace('expect big_ssh', 'expect big_ssh confidence >= 0.4'));
  assert.equal(run('rules', 'test', file).code, 0);
});
