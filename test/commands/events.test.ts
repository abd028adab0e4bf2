// `flowlink events` as a user runs it: a real process on real logs, streams and exit codes checked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fixture, ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join('samples', 'backup-spike');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'events', ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter((l) => l.length > 0) };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-events-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('flowlink events', () => {
  it('lists the sample server log in time order, the year taken from the flows, one line per event', () => {
    const r = run(SAMPLE);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.length, 116);
    assert.match(r.stderr, /argus\.txt: not listed \(argus-text holds flow records\)/);
    assert.match(r.stderr, /messages: year taken from samples\/backup-spike\/argus\.txt \(2008-03-06/);
    assert.equal(r.lines[0], '2008-03-06 22:07:54  samples/backup-spike/messages:1  ftp connect client=60.211.252.98');
    const upload = r.lines.find((l) => l.includes('messages:98'));
    assert.equal(upload, '2008-03-08 03:33:42  samples/backup-spike/messages:98  ftp upload user=xxx@xxx.com client=192.168.134.56 file=/home/xxx/backup//xxx.com_2008.03.08_03-21-02 bytes=891289600');
    // Generic syslog shows host, program and message.
    assert.ok(r.lines.includes('2008-03-06 22:17:00  samples/backup-spike/messages:3  syslog  server CRON[22139]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)'));
    const times = r.lines.map((l) => l.slice(0, 19));
    assert.deepEqual(times, [...times].sort());
  });

  it('--service, --since and --until pick events; --tz shows local time and reads --since in it', () => {
    const r = run(SAMPLE, '--service', 'ftp', '--since', '2008-03-08T03:30', '--until', '2008-03-08T03:37:40');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines.map((l) => l.split('  ')[1]), ['samples/backup-spike/messages:97', 'samples/backup-spike/messages:98', 'samples/backup-spike/messages:99']);
    const ny = run(SAMPLE, '--service', 'ftp', '--tz', 'America/New_York', '--tz', 'messages=UTC', '--since', '2008-03-07T22:33:42', '--until', '2008-03-07T22:33:43');
    assert.equal(ny.code, 0, ny.stderr);
    assert.deepEqual(ny.lines.map((l) => l.slice(0, 44)), ['2008-03-07 22:33:42  samples/backup-spike/me']);
  });

  it('--json prints one object per event with time, file, line, text, service, action and fields', () => {
    const r = run(SAMPLE, '--json', '--service', 'ftp', '--since', '2008-03-08T03:33:42Z', '--until', '2008-03-08T03:33:43Z');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.lines.length, 1);
    const e = JSON.parse(r.lines[0]);
    assert.deepEqual(
      [e.time, e.file, e.line, e.service, e.action, e.fields.user, e.fields.bytes, e.host, e.program],
      ['2008-03-08T03:33:42.000000Z', 'samples/backup-spike/messages', 98, 'ftp', 'upload', 'xxx@xxx.com', 891289600, 'server', 'ftpd'],
    );
  });

  it('exit 1 with a message when nothing matches; exit 2 for a bad time, an unknown format, no inputs', () => {
    const none = run(SAMPLE, '--service', 'web');
    assert.deepEqual([none.code, none.stdout, /no events match the filters/.test(none.stderr)], [1, '', true]);
    const bad = run(SAMPLE, '--since', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^flowlink: --since 'yesterday' is not a time/);
    const fmt = run(SAMPLE, '--format', 'pureftpd');
    assert.equal(fmt.code, 2);
    assert.match(fmt.stderr, /^flowlink: --format 'pureftpd' is not a format \(did you mean pure-ftpd\?\)\n {2}hint: formats: argus-text, .*syslog/);
    assert.doesNotMatch(fmt.stderr, /at .*\.js:\d+/);
    assert.equal(run().code, 2);
  });

  it('--format FILE=NAME reads a file as that format; --verbose lists each skipped line', (t) => {
    const dir = scratch(t);
    // vsftpd.log lines read as generic syslog: no line has a syslog header.
    const file = path.join(dir, 'vsftpd.log');
    writeFileSync(file, readFileSync(fixture('logs', 'vsftpd-transfers.log')));
    const detected = run(file);
    assert.equal(detected.code, 0, detected.stderr);
    assert.ok(detected.lines.some((l) => / ftp upload /.test(l)));
    const forced = run(file, '--format', 'vsftpd.log=syslog', '--verbose');
    assert.equal(forced.code, 1);
    const lineCount = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').length;
    const skippedLines = forced.stderr.split('\n').filter((l) => l.startsWith(`flowlink: ${file}:`));
    assert.equal(skippedLines.length, lineCount);
    assert.match(skippedLines[0], /:1: skipped: no syslog header/);
    assert.match(forced.stderr, new RegExp(`skipped ${lineCount} lines in ${file}, first at line 1`));
    const quiet = run(file, '--format', 'syslog');
    assert.equal(quiet.stderr.split('\n').filter((l) => l.startsWith(`flowlink: ${file}:`)).length, 0);
  });

  it('merges a rotated log given in any order, a truncated .gz reported, nothing else lost', (t) => {
    const dir = scratch(t);
    const lines = readFileSync(path.join(ROOT, SAMPLE, 'messages'), 'utf8').trimEnd().split('\n');
    const text = (a: number, b: number) => lines.slice(a, b).join('\n') + '\n';
    const gz = gzipSync(text(0, 60));
    writeFileSync(path.join(dir, 'messages.2.gz'), gz.subarray(0, gz.length - 12)); // the gzip trailer and some data cut
    writeFileSync(path.join(dir, 'messages.1'), text(60, 100));
    writeFileSync(path.join(dir, 'messages'), text(100, 116));
    const r = run(path.join(dir, 'messages'), path.join(dir, 'messages.1'), path.join(dir, 'messages.2.gz'), '--year', '2008');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /messages\.2\.gz: reading stopped after line \d+: the gzip data ends early/);
    const read = r.lines.map((l) => l.split('  ')[1]);
    const fromGz = read.filter((f) => f.includes('messages.2.gz:')).length;
    assert.ok(fromGz >= 50 && fromGz < 60, `${fromGz} lines from the cut .gz`);
    assert.equal(read.length, fromGz + 56);
    const times = r.lines.map((l) => l.slice(0, 19));
    assert.deepEqual(times, [...times].sort());
    // Through the store (ingest's reader) the same lines are kept and the cut is noted too.
    const stored = run('--db', path.join(dir, 'case.db'), dir, '--year', '2008');
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stderr, /messages\.2\.gz: reading stopped: the gzip data ends early/);
    assert.ok(stored.lines.filter((l) => l.includes('messages.2.gz:')).length >= fromGz);
  });

  it('a clock stepped back: lines within reach are put in place, a line behind lines already listed is listed where read and reported', (t) => {
    const dir = scratch(t);
    const file = path.join(dir, 'messages');
    // sshd lines as OpenSSH writes them; the clock is set back 8 and then 15 minutes.
    writeFileSync(
      file,
      [
        'Mar  8 03:00:00 server sshd[100]: Accepted publickey for deploy from 192.0.2.7 port 40001 ssh2',
        'Mar  8 03:10:00 server sshd[101]: Accepted publickey for deploy from 192.0.2.7 port 40002 ssh2',
        'Mar  8 03:10:20 server sshd[102]: Failed password for invalid user admin from 192.0.2.9 port 50001 ssh2',
        'Mar  8 03:10:05 server sshd[103]: Failed password for invalid user admin from 192.0.2.9 port 50002 ssh2',
        'Mar  8 03:20:00 server sshd[104]: Accepted publickey for deploy from 192.0.2.7 port 40003 ssh2',
        'Mar  8 03:05:00 server sshd[105]: session closed for user deploy',
        '',
      ].join('\n'),
    );
    const r = run(file, '--year', '2008');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.lines.map((l) => Number(l.split('  ')[1].split(':').pop())), [1, 2, 4, 3, 6, 5]);
    assert.match(r.stderr, /messages: 1 event stamped before events already listed \(a clock stepped back by more than 1m00s\? first at line 6, 15m00s back\): listed where read, out of time order/);
  });

  it("shows a log's terminal controls in caret notation in text, not raw; --json keeps them escaped as JSON does", () => {
    // syslog-ng 3.38 writes a message's control characters as they came (fixtures' SOURCES.md).
    const file = fixture('logs', 'syslog-ng-default.log');
    assert.ok(readFileSync(file, 'latin1').includes('\x1b[0m'), 'the real file holds a raw ESC');
    const r = run(file, '--year', '2026');
    assert.equal(r.code, 0, r.stderr);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stdout, /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character reaches the terminal but TAB and newline');
    assert.ok(r.lines.some((l) => l.endsWith('vm ctrl: bell^G tab\t esc^[[0m cr^M del^? end')), r.lines.join('\n'));
    const json = run(file, '--year', '2026', '--json').lines.map((l) => JSON.parse(l) as { text: string });
    assert.ok(json.some((e) => e.text.endsWith('bell\x07 tab\t esc\x1b[0m cr\r del\x7f end')), 'JSON carries the bytes as they were');
  });

  it('--db lists the case file’s events in time order, after adding the inputs', (t) => {
    const dir = scratch(t);
    const db = path.join(dir, 'case.db');
    const first = run('--db', db, SAMPLE, '--service', 'ftp');
    assert.equal(first.code, 0, first.stderr);
    const again = run('--db', db, '--service', 'ftp');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(again.lines, first.lines);
    assert.deepEqual(first.lines, run(SAMPLE, '--service', 'ftp').lines);
  });
});
