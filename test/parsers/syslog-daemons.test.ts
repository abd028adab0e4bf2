// The files real syslog daemons write (rsyslog 8.2302's templates, syslog-ng 3.38, busybox
// syslogd 1.35), each fed the same lines by logger (test/fixtures/logs/SOURCES.md, "Written
// by the syslog daemons"). The daemons ran with TZ=America/New_York (EST, -05:00 on Dec 3):
// a stamp `09:37:04` is 14:37:04Z. Expected values are what was sent, not what flowlink said.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { syslogParser } from '../../parsers/syslog.js';
import { splitSyslogLine } from '../../parsers/syslog-header.js';
import { fixture, iso, parseFile } from '../helpers.js';

const NY: TimeContext = { zone: 'America/New_York', year: 2026 };
const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');

/** The file read as flowlink reads it: the format detected from its head, then parsed. */
async function read(name: string, time: TimeContext = NY): Promise<{ format?: string; items: ParseItem[]; events: LogEvent[] }> {
  const input = await openInput(fixture('logs', name));
  const detected = detectFormat(input.head, headLines(input.head));
  const items: ParseItem[] = [];
  if (detected) for await (const item of detected.parser.parse(input, time)) items.push(item);
  return { format: detected?.parser.name, items, events: logs(items) };
}

const byProgram = (events: LogEvent[], program: string) => events.filter((e) => e.program === program);

// What send.sh sent to every daemon (the local lines).
const UPLOAD = '(backup@127.0.0.1) [NOTICE] /srv/ftp/x.tar uploaded  (1048576 bytes, 2048.00KB/sec)';
const UTF8 = 'Übertragung abgeschlossen: café ✓ 日本語';
const CRON = '(root) CMD (run-parts /etc/cron.hourly)';

/** The lines every form keeps the same: the upload, postfix's two, cron's, the UTF-8 one. */
function assertServiceLines(events: LogEvent[], host: string | undefined, uploadAt: string): void {
  const upload = events.find((e) => e.action === 'upload');
  assert.ok(upload, 'the pure-ftpd line is an FTP upload');
  assert.deepEqual([upload.service, upload.host, upload.program, upload.pid, upload.message], ['ftp', host, 'pure-ftpd', undefined, UPLOAD]);
  assert.deepEqual([upload.fields.user, upload.fields.client, upload.fields.file, upload.fields.bytes], ['backup', '127.0.0.1', '/srv/ftp/x.tar', 1048576]);
  assert.equal(iso(upload.ts), uploadAt);
  const smtpd = byProgram(events, 'postfix/smtpd');
  assert.deepEqual(smtpd.map((e) => [e.service, e.action, e.pid, e.fields.client]), [['mail', 'connect', 123, '127.0.0.1'], ['mail', 'disconnect', 123, '127.0.0.1']]);
  assert.deepEqual(byProgram(events, 'cron').map((e) => [e.pid, e.message, e.host]), [[4242, CRON, host]]);
  assert.deepEqual(byProgram(events, 'utf8').map((e) => e.message), [UTF8]);
}

describe('rsyslog 8.2302 file templates', () => {
  it('RSYSLOG_TraditionalFileFormat: RFC 3164, #012 escapes kept in one line, 8 KB cut', async () => {
    const { format, items, events } = await read('rsyslog-traditional.log');
    assert.equal(format, 'pure-ftpd');
    assert.equal(issues(items).length, 0);
    assert.equal(events.length, 9);
    assertServiceLines(events, 'vm', '2026-12-03T14:37:04.000Z');
    // `<14>just a message, no tag` sent raw: rsyslog writes no tag, flowlink invents none.
    assert.deepEqual([events[4].host, events[4].program, events[4].message], ['vm', undefined, 'just a message, no tag']);
    assert.equal(byProgram(events, 'multi')[0].message, 'first line#012second line#012#011tabbed third line');
    assert.equal(byProgram(events, 'ctrl')[0].message, 'bell#007 tab#011 esc#033[0m cr#015 del\x7f end');
    // 9000 A + END sent; rsyslog keeps 8096 bytes of `<14>Dec  3 09:37:05 long: AAA...`.
    assert.equal(byProgram(events, 'long')[0].message, 'A'.repeat(8096 - '<14>Dec  3 09:37:05 long: '.length));
  });

  it('RSYSLOG_FileFormat: RFC 3339 with microseconds and the -05:00 offset', async () => {
    const { format, items, events } = await read('rsyslog-fileformat.log');
    assert.equal(format, 'pure-ftpd');
    assert.equal(issues(items).length, 0);
    assert.equal(events.length, 9);
    assertServiceLines(events, 'vm', '2026-12-03T14:37:04.240Z');
    assert.equal(events[0].ts, Date.UTC(2026, 11, 3, 14, 37, 4) * 1000 + 240056);
    assert.equal(events[8].ts, Date.UTC(2026, 11, 3, 14, 37, 6) * 1000 + 102828);
  });

  it("RSYSLOG_SyslogProtocol23Format: RFC 5424, the message without rsyslog's extra space", async () => {
    const { format, items, events } = await read('rsyslog-protocol23.log');
    assert.equal(format, 'pure-ftpd');
    assert.equal(issues(items).length, 0);
    const upload = events[0];
    assert.deepEqual([upload.action, upload.host, upload.program, upload.message, upload.fields.bytes], ['upload', 'vm', 'pure-ftpd', UPLOAD, 1048576]);
    assert.equal(upload.ts, Date.UTC(2026, 11, 3, 14, 37, 4) * 1000 + 240056);
    assert.deepEqual([events[3].program, events[3].pid, events[3].message], ['cron', 4242, CRON]);
    // rsyslog's APP-NAME stops at `/` (and at the first word of a tagless message): `postfix`, `just`.
    assert.deepEqual([events[1].program, events[1].pid, events[1].message], ['postfix', 123, 'connect from localhost[127.0.0.1]']);
    // ... and postfix's daemon is told from the message (parsers/postfix.ts).
    assert.deepEqual(events.slice(1, 3).map((e) => [e.service, e.action, e.fields.daemon, e.fields.client]), [['mail', 'connect', 'smtpd', '127.0.0.1'], ['mail', 'disconnect', 'smtpd', '127.0.0.1']]);
    assert.deepEqual([events[4].program, events[4].message], ['just', 'a message, no tag']);
    assert.equal(events[6].message, UTF8);
  });

  it('RSYSLOG_SyslogProtocol23Format with parser.permitSlashInProgramName: postfix/smtpd is mail again', async () => {
    const { events } = await read('rsyslog-protocol23-slash.log');
    assert.deepEqual(events.map((e) => [e.program, e.pid, e.service, e.action]), [['postfix/smtpd', 123, 'mail', 'connect'], ['postfix/smtpd', 123, 'mail', 'disconnect']]);
  });

  it('RSYSLOG_ForwardFormat and RSYSLOG_TraditionalForwardFormat as a collector stores them (<PRI> kept)', async () => {
    const { format, items, events } = await read('rsyslog-collector-forward.log');
    assert.equal(format, 'pure-ftpd');
    assert.equal(issues(items).length, 0);
    assert.equal(events.length, 18);
    // Odd lines `<94>2026-12-03T09:37:04.240056-05:00 vm pure-ftpd: ...`, even ones `<94>Dec  3 09:37:04 vm ...`.
    assert.deepEqual(events.slice(0, 2).map((e) => [iso(e.ts), e.action, e.host, e.message]), [
      ['2026-12-03T14:37:04.240Z', 'upload', 'vm', UPLOAD],
      ['2026-12-03T14:37:04.000Z', 'upload', 'vm', UPLOAD],
    ]);
    for (let k = 0; k < 18; k += 2) {
      // The collector cuts each at 8 KB with its header: the long line's two copies differ.
      if (events[k].program === 'long') continue;
      assert.deepEqual([events[k + 1].program, events[k + 1].pid, events[k + 1].message], [events[k].program, events[k].pid, events[k].message]);
    }
    assert.equal(splitSyslogLine('<94>2026-12-03T09:37:04.240056-05:00 vm pure-ftpd: x')?.pri, 94);
  });

  it('lines received over UDP/TCP from another host, RFC 3164 and RFC 5424 (tag written without a colon)', async () => {
    for (const name of ['rsyslog-remote-traditional.log', 'rsyslog-remote-default.log']) {
      const { format, items, events } = await read(name);
      assert.equal(format, 'pure-ftpd', name);
      assert.equal(issues(items).length, 0, name);
      assert.ok(events.every((e) => e.host === 'ftp-remote'), name);
      const uploads = events.filter((e) => e.action === 'upload');
      assert.deepEqual(uploads.map((e) => [e.program, e.fields.client, e.fields.file, e.fields.bytes]), [
        ['pure-ftpd', '10.0.0.5', '/srv/ftp/u3164.tar', 1048576],
        ['pure-ftpd', '10.0.0.5', '/srv/ftp/u5424.tar', 2097152],
      ], name);
      assert.equal(uploads[1].message, '(backup@10.0.0.5) [NOTICE] /srv/ftp/u5424.tar uploaded  (2097152 bytes, 4096.00KB/sec)');
      assert.deepEqual(byProgram(events, 'postfix/smtpd').map((e) => [e.action, e.pid, e.fields.client]), [['connect', 123, '10.0.0.7'], ['disconnect', 123, '10.0.0.7']], name);
      // `utf8 5424 mit SD: ...`: a program flowlink does not know stays in the message.
      assert.deepEqual([events[4].program, events[4].message], [undefined, 'utf8 5424 mit SD: café ✓'], name);
    }
    const { events } = await read('rsyslog-remote-default.log');
    // RFC 5424 keeps the sender's microseconds; RFC 3164 has whole seconds.
    assert.deepEqual(events.map((e) => iso(e.ts)).sort(), ['2026-12-03T14:37:13.000Z', '2026-12-03T14:37:14.000Z', '2026-12-03T14:37:14.081Z', '2026-12-03T14:37:14.491Z', '2026-12-03T14:37:14.697Z']);
  });

  it('RSYSLOG_DebugFormat is no log format: not detected, and read as syslog every line is counted', async () => {
    const { format } = await read('rsyslog-debug.log');
    assert.equal(format, undefined);
    const items = await parseFile(syslogParser, fixture('logs', 'rsyslog-debug.log'), NY);
    assert.equal(logs(items).length, 0);
    assert.equal(issues(items).length, 19); // 20 lines, 1 blank
    assert.match(issues(items)[0].reason, /^no syslog header/);
  });
});

describe('syslog-ng 3.38 file destinations', () => {
  it('default template: RFC 3164; a multi-line message keeps its newlines, the lines after the first are counted', async () => {
    const { format, items, events } = await read('syslog-ng-default.log');
    assert.equal(format, 'pure-ftpd');
    assertServiceLines(events, 'vm', '2026-12-03T14:38:12.000Z');
    assert.deepEqual(byProgram(events, 'multi').map((e) => e.message), ['first line']);
    assert.deepEqual(issues(items).map((i) => i.line), [8, 9]);
    assert.equal(byProgram(events, 'ctrl')[0].message, 'bell\x07 tab\t esc\x1b[0m cr\r del\x7f end');
    assert.equal(byProgram(events, 'long')[0].message, 'A'.repeat(9000) + 'END');
    assert.deepEqual([events[0].program, events[0].pid, events[0].message], ['syslog-ng', 21967, "syslog-ng starting up; version='3.38.1'"]);
    assert.equal(events.length, 21);
  });

  it('ts-format(iso) frac-digits(3): milliseconds and -05:00', async () => {
    const { events } = await read('syslog-ng-iso.log');
    assertServiceLines(events, 'vm', '2026-12-03T14:38:12.000Z');
    assert.equal(iso(events[0].ts), '2026-12-03T14:38:07.944Z');
    assert.equal(iso(events.find((e) => e.message === 'just a message, no tag')!.ts), '2026-12-03T14:38:13.349Z');
  });

  it('flags(syslog-protocol): RFC 5424 with [meta sequenceId]', async () => {
    const { events } = await read('syslog-ng-5424.log');
    assertServiceLines(events, 'vm', '2026-12-03T14:38:12.000Z');
    assert.deepEqual([events[0].program, events[0].pid], ['syslog-ng', 21967]);
    assert.deepEqual(events.find((e) => e.program === 'just')?.message, 'a message, no tag');
  });

  it('remote lines: RFC 3164 over network() and RFC 5424 over syslog() keep the sender as host', async () => {
    for (const name of ['syslog-ng-remote-iso.log', 'syslog-ng-remote-5424.log']) {
      const { items, events } = await read(name);
      assert.equal(issues(items).length, 0);
      const uploads = events.filter((e) => e.action === 'upload');
      assert.deepEqual(uploads.map((e) => [e.host, e.fields.file, e.fields.bytes]), [['ftp-remote', '/srv/ftp/u3164.tar', 1048576], ['ftp-remote', '/srv/ftp/s5424.tar', 2097152]], name);
      // network() reads RFC 5424 as RFC 3164 (host `localhost`): those lines are not guessed at.
      assert.equal(events.filter((e) => e.host === 'localhost' && e.service === 'syslog').length, 3, name);
    }
    const { events } = await read('syslog-ng-remote-iso.log');
    assert.equal(iso(events[5].ts), '2026-12-03T14:38:42.214Z');
  });
});

describe('busybox syslogd 1.35', () => {
  it('default: `host facility.level tag: msg`, the facility.level is not the tag', async () => {
    const { format, items, events } = await read('busybox-syslogd.log');
    assert.equal(format, 'pure-ftpd');
    assert.equal(issues(items).length, 0);
    assert.equal(events.length, 12);
    assertServiceLines(events, 'vm', '2026-12-03T14:39:17.000Z');
    assert.deepEqual([events[0].program, events[0].message], [undefined, 'syslogd started: BusyBox v1.35.0']);
    assert.deepEqual([events[5].program, events[5].message], [undefined, 'just a message, no tag']);
    // busybox turns newlines into spaces and control characters into ^X; it reads 1 KB.
    assert.equal(byProgram(events, 'multi')[0].message, 'first line second line \ttabbed third line');
    assert.equal(byProgram(events, 'ctrl')[0].message, 'bell^G tab\t esc^[[0m cr^M del\x7f end');
    assert.equal(byProgram(events, 'long')[0].message, 'A'.repeat(1023 - '<14>Dec  3 09:39:19 long: '.length));
    // Without -t the client's own stamp (Jan  2 03:04:05, sent raw) is kept: after December, next year.
    assert.deepEqual(byProgram(events, 'oldstamp').map((e) => [e.pid, iso(e.ts)]), [[77, '2027-01-02T08:04:05.000Z']]);
  });

  it('facility and level names as busybox writes them, <PRI> for a facility without one', async () => {
    const { items, events } = await read('busybox-syslogd-priorities.log');
    assert.equal(issues(items).length, 0);
    assert.deepEqual(events.slice(1, 6).map((e) => [e.program, e.pid]), [['sshd', 901], ['vsftpd', 902], ['pure-ftpd', undefined], ['ntpd', 55], ['kernel', undefined]]);
    assert.equal(events[4].message, 'ntp facility 12 has no name');
    assert.deepEqual([events[1].message, events[1].host], ['error: PAM: Authentication failure for root from 10.0.0.9', 'vm']);
    // Words that only look like one stay in the message.
    assert.equal(splitSyslogLine('Dec  3 09:49:11 vm <1011> ntpd[55]: x')?.message, '<1011> ntpd[55]: x');
    assert.equal(splitSyslogLine('Dec  3 09:49:11 vm user.infos ntpd[55]: x')?.message, 'user.infos ntpd[55]: x');
    // A word with a dot that is no facility.level stays in the message.
    assert.equal(splitSyslogLine('Dec  3 09:49:11 vm index.html was fetched')?.message, 'index.html was fetched');
  });

  it('-S (small): no host and no facility.level', async () => {
    const { items, events } = await read('busybox-syslogd-small.log');
    assert.equal(issues(items).length, 0);
    assertServiceLines(events, undefined, '2026-12-03T14:39:20.000Z');
  });

  it("-t: the client's stamp is replaced by the time received", async () => {
    const { events } = await read('busybox-syslogd-t.log');
    assertServiceLines(events, 'vm', '2026-12-03T14:39:22.000Z');
    assert.deepEqual(byProgram(events, 'oldstamp').map((e) => iso(e.ts)), ['2026-12-03T14:39:24.000Z']);
  });
});
