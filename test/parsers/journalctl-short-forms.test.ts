// journalctl's -o short-unix, -o short-full and -o short-monotonic, on real journalctl 252
// output (test/fixtures/journalctl-multiline-run/run.sh): the same journal as the short-iso
// files gives the same events; short-full's zone abbreviation is resolved in the --tz zone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { UnknownFormatError } from '../../src/errors.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { openStreams } from '../../src/sources/read-streams.js';
import { abbreviatedOffset, wallClockOffsets, type TimeContext, type WallClock } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { splitSyslogLine, SyslogClock, whyNotSyslog, type SyslogHeader } from '../../parsers/syslog-header.js';
import { GENERIC_SYSLOG_SCORE, syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile, ROOT } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, zone = 'UTC') => parseFile(syslogParser, fixture('logs', name), { zone });

/** What a test compares of an event: time, host, tag, message and what pure-ftpd read. */
const shape = (e: LogEvent) => ({
  line: e.origin.line,
  time: iso(e.ts),
  host: e.host,
  program: e.program,
  pid: e.pid,
  message: e.message,
  service: e.service,
  action: e.action,
  fields: e.fields,
});

const TRACEBACK = [
  'Traceback (most recent call last):',
  '  File "/usr/local/bin/backup.py", line 12, in <module>',
  '    upload()',
  'ConnectionResetError: [Errno 104] Connection reset by peer',
].join('\n');
const UPLOAD = '(backup@198.51.100.20) [NOTICE] /srv/ftp/backup/db.tar.gz uploaded  (891289600 bytes, 2428.22KB/sec)';

/** export.py's five entries, as every short form of their journal gives them. */
const MULTILINE = [
  [1, '2025-12-01T20:01:02.000Z', 'backup.py', 4100, TRACEBACK],
  [5, '2025-12-01T20:01:04.000Z', 'pure-ftpd', 3301, UPLOAD],
  [6, '2025-12-01T20:01:05.000Z', 'app', 77, 'two lines\n        second, tab-indented'],
  [8, '2025-12-01T20:01:06.000Z', 'app', 77, 'ends with a newline'],
  [9, '2025-12-01T20:01:07.000Z', 'app', 77, 'blank line inside\n\nafter the blank'],
] as const;

/** `export.py dst`: across New York's 2025-11-02 change, 01:00-01:59 first EDT, then EST. */
const DST = [
  [1, '2025-11-02T04:59:59.000Z', 'backup.py', 4100, 'before the repeat: 00:59:59 EDT'],
  [2, '2025-11-02T05:30:00.000Z', 'backup.py', 4100, TRACEBACK],
  [6, '2025-11-02T05:59:59.000Z', 'app', 77, 'last second of the first pass: 01:59:59 EDT'],
  [7, '2025-11-02T06:00:00.000Z', 'app', 77, 'first second of the second pass: 01:00:00 EST'],
  [8, '2025-11-02T06:30:00.000Z', 'pure-ftpd', 3301, UPLOAD],
  [9, '2025-11-02T07:00:00.000Z', 'app', 77, 'after the repeat: 02:00:00 EST'],
] as const;

function assertEvents(events: LogEvent[], expected: typeof MULTILINE | typeof DST, name: string): void {
  assert.deepEqual(
    events.map((e) => [e.origin.line, iso(e.ts), e.host, e.program, e.pid, e.message]),
    expected.map(([line, time, program, pid, message]) => [line, time, 'web1', program, pid, message]),
    name,
  );
  const upload = events.find((e) => e.program === 'pure-ftpd')!;
  assert.deepEqual([upload.service, upload.action, upload.fields.bytes], ['ftp', 'upload', 891289600], `${name}: pure-ftpd's line read as pure-ftpd's`);
}

/** Each file of the multi-line journal and the zone to read it in. */
const MULTILINE_FILES: [string, string][] = [
  ['journalctl-multiline-short-unix.log', 'UTC'],
  ['journalctl-multiline-short-unix.log', 'America/New_York'],
  ['journalctl-multiline-short-full.log', 'UTC'],
  ['journalctl-multiline-short-full.log', 'Europe/Berlin'],
  ['journalctl-multiline-short-full-new-york.log', 'America/New_York'],
  ['journalctl-multiline-short-full-berlin.log', 'Europe/Berlin'],
  ['journalctl-multiline-short-full-dubai.log', 'Asia/Dubai'],
  ['journalctl-multiline-short-full-dubai.log', 'UTC'],
];

describe('journalctl -o short-unix and -o short-full (real journalctl output)', () => {
  for (const [name, zone] of MULTILINE_FILES) {
    it(`${name} read in ${zone}: every entry, continuation lines joined, as short-iso gives them`, async () => {
      const items = await read(name, zone);
      assert.deepEqual(issues(items), [], 'no line skipped');
      const events = logs(items);
      assertEvents(events, MULTILINE, name);
      const shortIso = logs(await read('journalctl-multiline-short-iso.log'));
      assert.deepEqual(events.map(shape), shortIso.map(shape), `${name}: the same events as short-iso`);
    });
  }

  it('the repeated hour in New York: EDT lines take the first pass, EST lines the second, as short-iso says', async () => {
    const items = await read('journalctl-dst-short-full-new-york.log', 'America/New_York');
    assert.deepEqual(issues(items), []);
    assertEvents(logs(items), DST, 'short-full');
    const shortIso = await read('journalctl-dst-short-iso-new-york.log', 'America/New_York');
    assertEvents(logs(shortIso), DST, 'short-iso');
    assert.deepEqual(logs(items).map(shape), logs(shortIso).map(shape));
  });

  it('a short-full file read in a zone that is not its own: each line skipped, the reason naming the fix', async () => {
    const items = await read('journalctl-multiline-short-full-new-york.log');
    assert.deepEqual(logs(items), []);
    const first = issues(items)[0];
    assert.equal(first.line, 1);
    assert.equal(first.reason, "zone 'EST' is not UTC's: pass --tz with the zone journalctl ran in (e.g. --tz America/New_York)");
    const berlin = issues(await read('journalctl-multiline-short-full-berlin.log', 'America/New_York'));
    assert.equal(berlin[0].reason, "zone 'CET' is not America/New_York's: pass --tz with the zone journalctl ran in (e.g. --tz Europe/Berlin)");
  });

  it('detection claims them as the short-iso file of the same journal is claimed (pure-ftpd, on syslog)', async () => {
    for (const name of [
      'journalctl-multiline-short-unix.log',
      'journalctl-multiline-short-full.log',
      'journalctl-multiline-short-full-new-york.log',
      'journalctl-multiline-short-full-berlin.log',
      'journalctl-multiline-short-full-dubai.log',
      'journalctl-dst-short-full-new-york.log',
    ]) {
      const input = await openInput(fixture('logs', name));
      const lines = headLines(input.head);
      assert.equal(detectFormat(input.head, lines)?.parser.name, 'pure-ftpd', name);
      assert.equal(syslogParser.detect(input.head, lines), GENERIC_SYSLOG_SCORE, `${name}: syslog lines`);
    }
  });

  it('`flowlink events` on the wrong-zone file: one summary line with the reason, no stack trace', () => {
    const file = fixture('logs', 'journalctl-multiline-short-full-new-york.log');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), 'events', file], { encoding: 'utf8' });
    assert.match(r.stderr, /skipped 10 lines in .*short-full-new-york\.log, first at line 1: zone 'EST' is not UTC's: pass --tz/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const ok = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), 'events', '--tz', 'America/New_York', file], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^2025-12-01 15:01:02 .*backup\.py\[4100\]: Traceback/);
  });
});

describe('journalctl short-unix and short-full headers', () => {
  function split(line: string): SyslogHeader {
    const h = splitSyslogLine(line);
    assert.ok(h, `expected a syslog header in ${JSON.stringify(line)}`);
    return h;
  }
  const at = (line: string, ctx: TimeContext): string => iso(new SyslogClock(ctx).toMicros(split(line).stamp));

  it('host, program, pid and message as the other short forms give them', () => {
    for (const line of [
      '1764619262.000000 web1 backup.py[4100]: msg  ',
      'Mon 2025-12-01 15:01:02 EST web1 backup.py[4100]: msg',
      'Tue 2025-12-02 01:31:02 +0530 web1 backup.py[4100]: msg',
    ]) {
      const h = split(line);
      assert.deepEqual([h.host, h.program, h.pid, h.message], ['web1', 'backup.py', 4100, 'msg'], line);
    }
    assert.equal(split('1764619262.000000 web1 x: y').form, 'short-unix');
    assert.equal(split('Mon 2025-12-01 20:01:02 UTC web1 x: y').form, 'short-full');
  });

  it('short-unix is the instant itself, whatever the zone', () => {
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kathmandu']) {
      assert.equal(at('1764619262.123456 web1 app[77]: x', { zone }), '2025-12-01T20:01:02.123Z');
    }
  });

  it('short-full: UTC, GMT and numeric zones as written; letters in the --tz zone', () => {
    assert.equal(at('Mon 2025-12-01 20:01:02 UTC web1 x: y', { zone: 'America/New_York' }), '2025-12-01T20:01:02.000Z');
    assert.equal(at('Mon 2025-12-01 20:01:02 GMT web1 x: y', { zone: 'UTC' }), '2025-12-01T20:01:02.000Z');
    assert.equal(at('Mon 2025-12-01 17:01:02 -03 web1 x: y', { zone: 'UTC' }), '2025-12-01T20:01:02.000Z');
    assert.equal(at('Tue 2025-12-02 01:31:02 +0530 web1 x: y', { zone: 'UTC' }), '2025-12-01T20:01:02.000Z');
    assert.equal(at('Tue 2025-07-01 22:01:02 CEST web1 x: y', { zone: 'Europe/Berlin' }), '2025-07-01T20:01:02.000Z');
    assert.equal(at('Tue 2025-12-02 05:01:02 JST web1 x: y', { zone: 'Asia/Tokyo' }), '2025-12-01T20:01:02.000Z', 'a letter name luxon does not know (GMT+9): taken on trust');
    assert.throws(() => at('Tue 2025-07-01 22:01:02 CET web1 x: y', { zone: 'Europe/Berlin' }), /zone 'CET' is not Europe\/Berlin's/, 'summer in Berlin is CEST');
  });

  it('abbreviatedOffset: both passes of a repeated hour, none in a gap', () => {
    const wall = (month: number, day: number, hour: number, minute: number): WallClock => ({ year: 2025, month, day, hour, minute, second: 0, micro: 0 });
    assert.deepEqual(wallClockOffsets(wall(11, 2, 1, 30), 'America/New_York'), [-240, -300]);
    assert.equal(abbreviatedOffset(wall(11, 2, 1, 30), 'EDT', 'America/New_York'), -240);
    assert.equal(abbreviatedOffset(wall(11, 2, 1, 30), 'EST', 'America/New_York'), -300);
    assert.equal(abbreviatedOffset(wall(10, 26, 2, 30), 'CEST', 'Europe/Berlin'), 120);
    assert.equal(abbreviatedOffset(wall(10, 26, 2, 30), 'CET', 'Europe/Berlin'), 60);
    assert.deepEqual(wallClockOffsets(wall(3, 9, 2, 30), 'America/New_York'), []);
    assert.throws(() => abbreviatedOffset(wall(3, 9, 2, 30), 'EDT', 'America/New_York'), /2025-03-09 02:30 does not exist in America\/New_York/);
    // Israel's letters are not luxon's: outside the repeat taken on trust, inside it no guess.
    assert.equal(abbreviatedOffset(wall(10, 24, 1, 30), 'IDT', 'Asia/Jerusalem'), 180);
    assert.throws(() => abbreviatedOffset(wall(10, 26, 1, 30), 'IDT', 'Asia/Jerusalem'), /does not tell which pass/);
  });

  it('a line without a zone or a weekday is not short-full', () => {
    for (const line of ['Mon 2025-12-01 20:01:02 web1 x: y', '2025-12-01 20:01:02 UTC web1 x: y', 'Mon 2025-13-01 20:01:02 UTC web1 x: y']) {
      assert.equal(splitSyslogLine(line), undefined, line);
    }
  });
});

describe('journalctl -o short-monotonic (real journalctl output): no wall-clock time', () => {
  const file = fixture('logs', 'journalctl-multiline-short-monotonic.log');

  it('is no format flowlink reads, and the error says why and what to print instead', async () => {
    const input = await openInput(file);
    assert.equal(detectFormat(input.head, headLines(input.head)), undefined);
    await assert.rejects(openStreams([file], { zone: 'UTC' }, 'logs'), (error: unknown) => {
      assert.ok(error instanceof UnknownFormatError);
      assert.match(error.message, /short-monotonic\.log: unknown format/);
      assert.equal(error.hint, 'journalctl -o short-monotonic output: seconds since boot, no wall-clock time to put on the timeline: print the journal with -o short-iso');
      return true;
    });
  });

  it('its lines, read as syslog anyway, are skipped with that reason', () => {
    assert.match(whyNotSyslog('[    0.001000] web1 backup.py[4100]: Traceback (most recent call last):'), /^journalctl -o short-monotonic line: seconds since boot/);
  });
});
