import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { parseProftpdMessage, proftpdParser, splitProftpdSystemLogLine } from '../../parsers/proftpd.js';
import { syslogParser } from '../../parsers/syslog.js';
import { xferlogParser } from '../../parsers/xferlog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const UTC_2026: TimeContext = { zone: 'UTC', anchor: Date.UTC(2026, 11, 2) * 1000 };
const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, time: TimeContext = UTC_2026) => parseFile(proftpdParser, fixture('logs', name), time);

async function detected(name: string): Promise<string | undefined> {
  const input = await openInput(fixture('logs', name));
  return detectFormat(input.head, headLines(input.head))?.parser.name;
}

/** Action, user and client of each event: the session as the rules' corroboration sees it. */
const session = (events: LogEvent[]) => events.map((e) => [e.action ?? '-', e.fields.user ?? '-', e.fields.client ?? '-']);

// Written by Debian's proftpd-core 1.3.8 (conf/proftpd.conf.in, `-d 1`) through the e2e suite's
// rsyslog: an active-mode download by `backup`, then a wrong password and an unknown user.
const DEBIAN_SESSION = [
  ['-', '-', '-'], // forked daemon process
  ['-', '-', '-'], // STARTUP
  ['connect', '-', '127.0.0.20'],
  ['-', '-', '127.0.0.20'], // Preparing to chroot
  ['-', '-', '127.0.0.20'], // Environment successfully chroot()ed
  ['-', '-', '127.0.0.20'], // mod_cap
  ['login', 'backup', '127.0.0.20'],
  ['transfer', '-', '127.0.0.20'],
  ['logout', '-', '127.0.0.20'],
  ['connect', '-', '127.0.0.21'],
  ['login-failed', 'backup', '127.0.0.21'],
  ['logout', '-', '127.0.0.21'],
  ['connect', '-', '127.0.0.21'],
  ['login-failed', 'nosuch', '127.0.0.21'],
  ['logout', '-', '127.0.0.21'],
  ['-', '-', '-'], // killed (signal 15)
  ['-', '-', '-'], // SHUTDOWN
];

describe('proftpd: Debian 1.3.8 through rsyslog (e2e suite)', () => {
  it('reads every line of the traditional file into a session, none skipped', async () => {
    const items = await read('e2e-proftpd-session.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(session(events), DEBIAN_SESSION);
    assert.ok(events.every((e) => e.service === 'ftp' && e.program === 'proftpd' && e.host === 'vm'));
    assert.ok(events.every((e) => e.fields.server === '127.0.0.12'), 'the server address before the client is kept');
    const login = events[6];
    assert.equal(iso(login.ts), '2026-12-02T03:56:00.000Z');
    assert.equal(login.pid, 17886);
    assert.equal(login.origin.line, 7);
    assert.equal(login.fields.client_name, undefined, 'without reverse DNS the name is the address: not repeated');
    assert.equal(events[10].fields.reason, 'Incorrect password');
    assert.equal(events[13].fields.reason, 'no such user');
  });

  it('reads the debug line of a transfer: its bytes and seconds, no file name', async () => {
    const events = logs(await read('e2e-proftpd-session.log'));
    const done = events.find((e) => e.action === 'transfer')!;
    assert.equal(done.fields.bytes, 3000000);
    assert.equal(done.fields.duration, 0.95);
    assert.equal(done.fields.file, undefined);
  });

  it('reads the same lines in RFC 3339 with their microseconds', async () => {
    const items = await read('e2e-proftpd-session.rfc3339.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(session(events), DEBIAN_SESSION);
    assert.equal(iso(events[2].ts), '2026-12-02T03:56:00.298Z');
  });

  it('is detected as proftpd, and the generic syslog reader interprets the same lines', async () => {
    assert.equal(await detected('e2e-proftpd-session.log'), 'proftpd');
    assert.equal(await detected('e2e-proftpd-session.rfc3339.log'), 'proftpd');
    const generic = logs(await parseFile(syslogParser, fixture('logs', 'e2e-proftpd-session.log'), UTC_2026));
    assert.deepEqual(session(generic), DEBIAN_SESSION);
  });
});

describe('proftpd: passive sessions of the e2e suite (s6)', () => {
  it('reads the data port of PASV and EPSV replies, and the transfer of the upload session', async () => {
    const items = await read('e2e-proftpd-passive.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.action ?? '-'), [
      'connect', '-', '-', '-', 'login', 'passive', 'logout',
      'connect', '-', '-', '-', 'login', 'passive', 'transfer', 'logout',
    ]);
    assert.deepEqual([events[4].fields.user, events[4].fields.client], ['lister', '127.0.0.21']);
    // curl's EPSV: only the port; lftp's PASV: address and port (125 * 256 + 80), the one
    // the capture shows the upload's data connection going to.
    assert.deepEqual([events[5].fields.data_port, events[5].fields.data_addr], [32092, undefined]);
    assert.deepEqual([events[12].fields.data_addr, events[12].fields.data_port], ['127.0.0.12', 32080]);
    assert.deepEqual([events[13].fields.bytes, events[13].fields.duration], [20975526, 5.68]);
    assert.equal(events[11].fields.user, 'backup');
  });
});

describe('proftpd: other versions and its SystemLog (crowdsecurity/hub, MIT)', () => {
  it('reads SystemLog lines (comma milliseconds, no colon after the pid) and syslog lines in one file', async () => {
    const items = await read('crowdsec-proftpd-mixed.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(session(events), [
      ['login-failed', 'asd', '192.168.1.142'],
      ['login-failed', 'seb', '192.168.1.142'],
      ['login-failed', 'sdf', '1.1.1.1'],
      ['login-failed', 'unruffled-feynman', '1.1.1.1'],
      ['login-failed', 'ccvv_ftp1', '2a02:8070:e186:16e1:1111:222:3333:b173'],
    ]);
    assert.equal(iso(events[0].ts), '2021-05-28T18:08:01.124Z');
    assert.equal(events[0].host, 'mantis');
    assert.equal(events[0].pid, 498625);
    assert.equal(events[0].fields.server, 'mantis');
    assert.equal(events[1].fields.reason, 'Incorrect password');
    assert.equal(events[2].fields.server, '172.31.39.97');
    assert.equal(await detected('crowdsec-proftpd-mixed.log'), 'proftpd');
  });

  it('takes SystemLog times in the zone given', async () => {
    const events = logs(await read('crowdsec-proftpd-mixed.log', { zone: 'Europe/Berlin', anchor: Date.UTC(2021, 4, 28) * 1000 }));
    assert.equal(iso(events[0].ts), '2021-05-28T16:08:01.124Z');
  });

  it('splits the SystemLog stamp the daemon writes to stderr (Debian 1.3.8, e2e suite)', () => {
    const h = splitProftpdSystemLogLine('2026-12-02 03:55:58,641 vm proftpd[17836] 127.0.0.12: SocketBindTight in effect, ignoring DefaultServer');
    assert.ok(h);
    assert.deepEqual([h.host, h.program, h.pid, h.message], ['vm', 'proftpd', 17836, '127.0.0.12: SocketBindTight in effect, ignoring DefaultServer']);
    assert.deepEqual(h.stamp.kind === 'dated' && h.stamp.wall, { year: 2026, month: 12, day: 2, hour: 3, minute: 55, second: 58, micro: 641000 });
    assert.equal(splitProftpdSystemLogLine('2026-12-02 03:55:58,641 vm sshd[17836]: x'), undefined);
    assert.equal(splitProftpdSystemLogLine('2026-13-02 03:55:58,641 vm proftpd[1] x'), undefined);
  });
});

describe('proftpd: the older syslog form, written for flowlink in the shapes of fail2ban and ossec (GPL-2.0, not copied)', () => {
  it('reads lines without a colon after `proftpd[pid]`, trailing spaces, and keeps the cron line generic', async () => {
    const UTC_2005: TimeContext = { zone: 'UTC', anchor: Date.UTC(2005, 4, 21) * 1000 };
    const items = await read('proftpd-old-syslog.log', UTC_2005);
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(session(events), [
      ['-', '-', '-'], // STARTUP
      ['connect', '-', '192.0.2.10'],
      ['-', 'carol', '192.0.2.10'], // no such user 'carol': the next line is the failure
      ['login-failed', 'carol', '192.0.2.10'],
      ['logout', '-', '192.0.2.10'],
      ['login', 'alice', '198.51.100.7'],
      ['-', '-', '198.51.100.7'], // mod_delay
      ['login-failed', 'root', '::ffff:203.0.113.5'],
      ['refused', '-', '::ffff:203.0.113.9'],
      ['-', '-', '-'], // cron
    ]);
    assert.deepEqual([events[0].service, events[0].program, events[0].pid, events[0].fields.server], ['ftp', 'proftpd', 25526, 'ftp1.example.org']);
    assert.equal(events[2].message, "ftp1.example.org (192.0.2.10[192.0.2.10]): no such user 'carol'");
    assert.equal(events[5].fields.client_name, 'client.example.net');
    assert.equal(events[8].fields.reason, 'Maximum login attempts (3) exceeded');
    assert.deepEqual([events[9].service, events[9].program], ['syslog', 'CRON']);
    assert.equal(iso(events[1].ts), '2005-05-21T20:21:18.000Z');
    assert.equal(await detected('proftpd-old-syslog.log'), 'proftpd');
  });
});

describe('proftpd messages', () => {
  it('takes the client from the prefix, not from a forged copy in the user name', () => {
    // The shape of fail2ban's injection test line (GPL-2.0, not copied): the client sent a
    // user name holding a whole fake prefix.
    const m = parseProftpdMessage('ftp.example (192.0.2.7[192.0.2.7]): USER ftp.example proftpd[1] ftp.example (evil[198.51.100.9]): no such user found from 192.0.2.7 [192.0.2.7] to 203.0.113.1:21');
    assert.equal(m?.action, 'login-failed');
    assert.equal(m?.fields.client, '192.0.2.7');
    assert.equal(m?.fields.user, 'ftp.example proftpd[1] ftp.example (evil[198.51.100.9])');
  });

  it('keeps a client name that differs from its address', () => {
    const m = parseProftpdMessage('ftp.example (host.example.net[198.51.100.9]) - USER anonymous: Login successful.');
    assert.deepEqual(m?.fields, { server: 'ftp.example', client: '198.51.100.9', client_name: 'host.example.net', user: 'anonymous' });
    assert.equal(parseProftpdMessage('ftp.example (ftp.example[192.0.2.1]) - ANON ftp: Login successful.')?.fields.anonymous, 1);
  });

  it('leaves what is not proftpd\'s prefix alone', () => {
    assert.equal(parseProftpdMessage('fatal: SyslogFacility: unable to open syslog'), undefined);
    assert.equal(parseProftpdMessage('FTP session opened.'), undefined);
  });
});

describe("proftpd's TransferLog, read as xferlog (e2e suite, s6)", () => {
  it('reads the uploads and the download; the seconds are whole, rounded down', async () => {
    const items = await parseFile(xferlogParser, fixture('logs', 'e2e-proftpd-xferlog.log'), UTC_2026);
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => [e.action, e.fields.bytes, e.fields.user, e.fields.client]), [
      ['upload', 15730643, 'backup', '127.0.0.20'],
      ['upload', 20975526, 'backup', '127.0.0.20'],
      ['upload', 26220409, 'backup', '127.0.0.20'],
      ['download', 20975841, 'backup', '127.0.0.20'],
    ]);
    // The same transfers' debug lines say 4.00, 5.68, 7.36 and 6.66 seconds (the capture: 4.01,
    // 5.69, 7.37, 6.67): proftpd writes the seconds truncated, so a short transfer reads 0.
    assert.deepEqual(events.map((e) => e.fields.duration), [4, 5, 7, 6]);
    assert.equal(iso(events[0].ts), '2026-12-02T03:59:06.000Z');
    assert.equal(events[3].fields.file, '/tmp/fle2e-s6/daemons/proftpd-root/mirror-1.iso');
    assert.equal(await detected('e2e-proftpd-xferlog.log'), 'xferlog');
  });
});
