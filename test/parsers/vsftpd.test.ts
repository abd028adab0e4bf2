import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { parseVsftpdMessage, splitVsftpdLogLine, vsftpdParser } from '../../parsers/vsftpd.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, time: TimeContext = { zone: 'UTC', year: 2026 }) => parseFile(vsftpdParser, fixture('logs', name), time);

async function detected(name: string): Promise<string | undefined> {
  const input = await openInput(fixture('logs', name));
  return detectFormat(input.head, headLines(input.head))?.parser.name;
}

describe('vsftpd.log: transfers, logins, bad lines', () => {
  it('reads uploads and downloads with bytes, rate (bytes/s) and duration = bytes / rate', async () => {
    const items = await read('vsftpd-transfers.log');
    const events = logs(items);
    assert.deepEqual(
      events.map((e) => e.action),
      ['connect', 'login', 'upload', 'upload', 'download', 'download', 'delete', 'mkdir', 'connect', 'login-failed', 'login'],
    );
    assert.ok(events.every((e) => e.service === 'ftp' && e.program === 'vsftpd'));
    const up = events[2];
    assert.equal(iso(up.ts), '2026-12-01T20:12:13.000Z');
    assert.deepEqual(
      [up.pid, up.fields.user, up.fields.client, up.fields.file, up.fields.bytes, up.fields.rate, up.fields.duration],
      [26347, 'alice', '192.0.2.10', '/home/alice/backup-2026-12-01.tar', 524288000, 4096 * 1024, 125],
    );
    // FAIL UPLOAD: the bytes that made it, marked partial.
    assert.deepEqual([events[3].fields.partial, events[3].fields.failed, events[3].fields.duration], [1, 1, 50]);
    // A transfer line without its bytes field: no bytes, no duration.
    assert.deepEqual(events[5].fields, { user: 'alice', client: '192.0.2.10', file: '/home/alice/empty', rate: 0 });
    assert.equal(events[6].fields.file, '/home/alice/old.tar');
    assert.deepEqual([events[8].fields.client, events[8].fields.user], ['2001:db8::7', undefined]);
    assert.deepEqual([events[10].fields.anonymous, events[10].fields.user], [1, 'ftp']);
  });

  it('every bad line is an issue with its line and reason', async () => {
    const bad = issues(await read('vsftpd-transfers.log'));
    assert.deepEqual(bad.map((i) => i.line), [11, 13, 14]);
    assert.match(bad[0].reason, /no vsftpd.log stamp/);
    assert.match(bad[1].reason, /without '\[pid N\]'/);
    assert.match(bad[2].reason, /invalid date 'Tue Feb 30 20:17:02 2026'/);
    assert.ok(bad.every((i) => i.file === fixture('logs', 'vsftpd-transfers.log')));
  });

  it('takes the zone from the context (vsftpd.log has none)', async () => {
    const events = logs(await read('vsftpd-transfers.log', { zone: 'Europe/Berlin' }));
    assert.equal(iso(events[2].ts), '2026-12-01T19:12:13.000Z');
  });
});

describe('vsftpd: real files', () => {
  it('crowdsec-vsftpd.log: unpadded day, ::ffff: clients, an FTP response line; no issues', async () => {
    const items = await read('crowdsec-vsftpd.log');
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.action), ['connect', 'login', 'login-failed', 'login-failed', 'response']);
    assert.equal(iso(events[0].ts), '2020-06-08T12:08:44.000Z');
    assert.equal(iso(events[3].ts), '2020-06-09T12:08:53.000Z');
    assert.deepEqual([events[1].fields.user, events[1].fields.client], ['ubuntu', '::ffff:93.24.101.89']);
    assert.deepEqual([events[4].fields.user, events[4].fields.response], ['www-data', '530 Permission denied.']);
  });

  it('mtail vsftpd_log with log_ftp_protocol: 125 lines, 125 events, the two uploads exact', async () => {
    const items = await read('mtail-vsftpd-protocol.log');
    assert.equal(items.length, 125);
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    const count = (a: string) => events.filter((e) => e.action === a).length;
    assert.deepEqual([count('response'), count('command'), count('connect'), count('login'), count('upload')], [100, 19, 2, 2, 2]);
    const up = events.filter((e) => e.action === 'upload');
    assert.deepEqual(up.map((e) => [iso(e.ts), e.fields.file, e.fields.bytes, e.fields.rate]), [
      ['2011-02-21T18:31:54.000Z', '/incoming/example_324592677_all.deb', 530, 1.56 * 1024],
      ['2011-02-21T18:31:55.000Z', '/incoming/example_324592677_all.changes', 752, 2.25 * 1024],
    ]);
    assert.ok(Math.abs((up[0].fields.duration as number) - 530 / (1.56 * 1024)) < 1e-9);
    assert.equal(events.find((e) => e.action === 'command')?.fields.command, 'STAT');
  });

  it('vsftpd.log lines, vsftpd syslog lines and PAM lines in one file (look-alike of fail2ban vsftpd)', async () => {
    const items = await read('vsftpd-syslog-mixed.log', { zone: 'UTC', year: 2021 });
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.deepEqual(events.map((e) => `${e.service}:${e.action ?? '-'}`), [
      'ftp:login-failed', 'ftp:login-failed', 'ftp:login-failed', 'ftp:login-failed', 'ftp:login-failed', 'ftp:login-failed', 'ftp:upload', 'syslog:-',
    ]);
    assert.deepEqual([events[0].fields.client, events[0].fields.user], ['192.0.2.67', undefined]);
    assert.deepEqual([events[1].program, events[1].fields.user], ['vsftpd(pam_unix)', 'user1']);
    assert.equal(iso(events[2].ts), '2007-01-19T12:20:33.000Z');
    assert.equal(events[3].fields.user, 'test');
    assert.equal(events[4].fields.reason, 'User is not in the allow user list.');
    assert.deepEqual([events[5].host, events[5].pid, events[5].fields.user], ['ftp1.example.org', 1658, 'username']);
    assert.deepEqual([events[6].fields.bytes, events[6].fields.duration], [10485760, 10]);
  });

  it('the generic syslog reader interprets vsftpd lines by program too', async () => {
    const events = logs(await parseFile(syslogParser, fixture('logs', 'vsftpd-syslog-mixed.log'), { zone: 'UTC', year: 2021 }));
    assert.equal(events.find((e) => e.action === 'upload')?.fields.file, '/srv/ftp/bob/data.bin');
  });
});

describe('vsftpd: pieces and detection', () => {
  it('splits a vsftpd.log line into stamp, pid and message', () => {
    const h = splitVsftpdLogLine('Tue Dec  1 20:12:13 2026 [pid 26347] [user] OK LOGIN: Client "192.0.2.1"')!;
    assert.deepEqual([h.form, h.pid, h.program, h.message, h.stamp.text], ['ctime', 26347, 'vsftpd', '[user] OK LOGIN: Client "192.0.2.1"', 'Tue Dec  1 20:12:13 2026']);
    assert.equal(splitVsftpdLogLine('Dec  1 20:12:13 host vsftpd[1]: x'), undefined);
  });

  it('rejects texts that are not vsftpd messages', () => {
    for (const text of ['OK UPLOAD Client "x"', 'something else', '[user] MAYBE LOGIN: Client "x"']) assert.equal(parseVsftpdMessage(text), undefined, text);
    assert.equal(parseVsftpdMessage('[u] OK RENAME: Client "192.0.2.1", "/a /b"')?.action, 'rename');
  });

  it('wins detection on vsftpd.log files, mixed or not', async () => {
    for (const name of ['vsftpd-transfers.log', 'crowdsec-vsftpd.log', 'mtail-vsftpd-protocol.log', 'vsftpd-syslog-mixed.log']) assert.equal(await detected(name), 'vsftpd', name);
    assert.equal(vsftpdParser.timeCompleteness(['Tue Dec  1 20:12:13 2026 [pid 1] CONNECT: Client "192.0.2.1"']), 'full');
    assert.equal(vsftpdParser.timeCompleteness(['Oct 11 01:06:47 ftp1 vsftpd: (pam_unix) authentication failure; rhost=192.0.2.1']), 'no-year');
  });
});

describe('vsftpd through rsyslog, as Debian vsftpd 3.0.3 writes it (e2e suite, syslog_enable=YES)', () => {
  it('reads the session with RFC 3339 stamps, a file name with a space, and the PAM failure of the auth facility', async () => {
    const items = await read('e2e-vsftpd-syslog.rfc3339.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.action), ['login', 'upload', 'download', 'login-failed', 'login-failed']);
    assert.ok(events.every((e) => e.service === 'ftp'));
    const up = events[1];
    // rsyslog's RSYSLOG_FileFormat keeps the microseconds syslog(3) gave it.
    assert.equal(up.ts % 1_000_000, 383437);
    assert.equal(iso(up.ts), '2026-12-02T01:14:16.383Z');
    assert.deepEqual([up.pid, up.fields.user, up.fields.client, up.fields.file, up.fields.bytes], [10662, 'fle2ebackup', '127.0.0.20', '/tmp/e2e-try2/root/my file.bin', 2000000]);
    assert.equal(up.fields.rate, 412399.7 * 1024);
    // PAM writes its own line under vsftpd's tag: client from rhost=, user from user=.
    assert.deepEqual([events[3].fields.client, events[3].fields.user], ['127.0.0.1', 'fle2ebackup']);
    assert.equal(await detected('e2e-vsftpd-syslog.rfc3339.log'), 'vsftpd');
  });
});
