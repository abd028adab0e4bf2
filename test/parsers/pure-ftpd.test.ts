import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { parsePureFtpdMessage, pureFtpdParser } from '../../parsers/pure-ftpd.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const UTC_2008: TimeContext = { zone: 'UTC', anchor: Date.UTC(2008, 2, 8) * 1000 };
const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, time: TimeContext = UTC_2008) => parseFile(pureFtpdParser, fixture('logs', name), time);

async function headOf(file: string): Promise<{ head: Buffer; lines: string[] }> {
  const input = await openInput(file);
  return { head: input.head, lines: headLines(input.head) };
}

describe('pure-ftpd: the backup uploads (must-pass)', () => {
  it('reads the three uploads with user, client, file, bytes, rate and duration', async () => {
    const items = await read('pure-ftpd-backup.log');
    assert.equal(issues(items).length, 0);
    const uploads = logs(items).filter((e) => e.action === 'upload');
    assert.deepEqual(uploads.map((e) => iso(e.ts)), ['2008-03-08T03:33:10.000Z', '2008-03-08T03:33:42.000Z', '2008-03-08T03:37:39.000Z']);
    const big = uploads[1];
    assert.equal(big.service, 'ftp');
    assert.equal(big.host, 'server');
    assert.equal(big.program, 'ftpd');
    assert.equal(big.fields.user, 'xxx@xxx.com');
    assert.equal(big.fields.client, '192.168.134.56');
    assert.equal(big.fields.file, '/home/xxx/backup//xxx.com_2008.03.08_03-21-02');
    assert.equal(big.fields.bytes, 891289600);
    assert.equal(big.fields.rate, 2428.22 * 1024);
    assert.ok(Math.abs((big.fields.duration as number) - 358.4) < 0.1, `duration ${big.fields.duration}`);
    assert.equal(big.fields.level, 'NOTICE');
    assert.equal(big.origin.line, 5);
    assert.match(big.origin.raw, /uploaded {2}\(891289600 bytes/);
    assert.equal(uploads[0].fields.file, '/home/xxx/public_html/mm//xxx.com_2008.03.08_03-31-02');
    assert.equal(uploads[2].fields.bytes, 514473734);
    assert.equal(uploads[2].fields.rate, 2121.01 * 1024);
  });

  it('reads the whole session and keeps the cron line as generic syslog', async () => {
    const items = logs(await read('pure-ftpd-backup.log'));
    assert.deepEqual(items.map((e) => e.action ?? '-'), ['-', 'connect', 'login', 'upload', 'upload', 'upload', 'logout']);
    assert.deepEqual([items[0].service, items[0].program, items[0].pid, items[0].message], ['syslog', 'CRON', 9311, '(backup) CMD (/usr/local/bin/nightly-backup.sh)']);
    assert.equal(items[1].fields.user, undefined);
    assert.equal(items[2].fields.user, 'xxx@xxx.com');
    assert.equal(items[6].fields.user, 'xxx@xxx.com');
  });

  it('moves with the zone: New York 03:33:10 is 08:33:10Z', async () => {
    const items = logs(await read('pure-ftpd-backup.log', { zone: 'America/New_York', anchor: Date.UTC(2008, 2, 8) * 1000 }));
    assert.equal(iso(items.find((e) => e.action === 'upload')!.ts), '2008-03-08T08:33:10.000Z');
  });
});

describe('pure-ftpd: year inference', () => {
  it('crosses New Year with an anchor in early January 2009', async () => {
    const items = logs(await read('pure-ftpd-new-year.log', { zone: 'UTC', anchor: Date.UTC(2009, 0, 5) * 1000 }));
    assert.deepEqual(items.map((e) => iso(e.ts)), ['2008-12-31T23:59:58.000Z', '2009-01-01T00:00:03.000Z']);
  });

  it('crosses New Year with year 2008 given', async () => {
    const items = logs(await read('pure-ftpd-new-year.log', { zone: 'UTC', year: 2008 }));
    assert.deepEqual(items.map((e) => iso(e.ts)), ['2008-12-31T23:59:58.000Z', '2009-01-01T00:00:03.000Z']);
    assert.deepEqual(items.map((e) => e.action), ['connect', 'login']);
    assert.equal(items[1].fields.user, 'alice');
  });

  it("falls back to the file's mtime when the context has no year, and says so", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-pureftpd-'));
    const file = path.join(dir, 'messages');
    await fs.copyFile(fixture('logs', 'pure-ftpd-new-year.log'), file);
    await fs.utimes(file, new Date(Date.UTC(2011, 0, 2)), new Date(Date.UTC(2011, 0, 2)));
    const items = await parseFile(pureFtpdParser, file, { zone: 'UTC' });
    assert.deepEqual(logs(items).map((e) => iso(e.ts)), ['2010-12-31T23:59:58.000Z', '2011-01-01T00:00:03.000Z']);
    assert.ok(items.some((i) => i.kind === 'note' && /modification time/.test(i.message)));
    await fs.rm(dir, { recursive: true });
  });
});

describe('pure-ftpd: real files', () => {
  it('crowdsec-pureftpd.log: 15 failed logins then a login, no pid, no issues', async () => {
    const items = await read('crowdsec-pureftpd.log', { zone: 'UTC', year: 2021 });
    assert.equal(items.length, 16);
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.filter((e) => e.action === 'login-failed').length, 15);
    assert.ok(events.every((e) => e.service === 'ftp' && e.program === 'pure-ftpd' && e.pid === undefined && e.host === 'ftpcdr'));
    assert.ok(events.every((e) => e.fields.client === '172.21.10.2'));
    assert.equal(events[0].fields.user, 'root');
    assert.equal(events[0].fields.level, 'WARNING');
    assert.equal(iso(events[0].ts), '2021-01-07T14:19:31.000Z');
    // `(?@ip) [INFO] user@test.com is now logged in`: the user comes from the text.
    assert.deepEqual([events[15].action, events[15].fields.user], ['login', 'user@test.com']);
  });

  it('a `last message repeated` line is a generic event with repeated=N', async () => {
    const events = logs(await read('pure-ftpd-repeated.log', { zone: 'UTC', year: 2012 }));
    assert.deepEqual(events.map((e) => e.action ?? '-'), ['connect', 'login-failed', '-']);
    assert.equal(events[1].fields.user, 'Administrator');
    assert.deepEqual([events[2].service, events[2].program, events[2].fields.repeated], ['syslog', 'pure-ftpd', 4]);
  });

  it('messages logged without the syslog stamp are issues, each with a reason', async () => {
    const items = await read('pure-ftpd-bare-messages.log');
    assert.equal(logs(items).length, 0);
    const bad = issues(items);
    assert.equal(bad.length, 11);
    assert.deepEqual(bad.map((i) => i.line), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.match(bad[0].reason, /no syslog time stamp/);
    assert.ok(bad.slice(1).every((i) => /pure-ftpd message without a syslog time stamp/.test(i.reason)));
    assert.ok(bad.every((i) => i.file === fixture('logs', 'pure-ftpd-bare-messages.log')));
  });

  it('mixed programs, transfers of each kind, a junk line and a continuation', async () => {
    const items = await read('pure-ftpd-mixed-programs.log', { zone: 'UTC', year: 2020 });
    const bad = issues(items);
    assert.deepEqual(bad.map((i) => i.line), [12]);
    assert.match(bad[0].reason, /no syslog header/);
    const events = logs(items);
    assert.deepEqual(
      events.map((e) => `${e.service}:${e.action ?? '-'}`),
      ['syslog:-', 'ftp:download', 'ftp:upload', 'ftp:timeout', 'ftp:delete', 'ftp:login-failed', 'ftp:refused', 'ftp:login', 'ftp:-', 'syslog:-', 'syslog:-'],
    );
    const [ssh, down, partial, , del, disabled, , anon, other, bare, kernel] = events;
    assert.deepEqual([ssh.program, ssh.pid, ssh.host], ['sshd(pam_unix)', 19939, 'web1']);
    assert.deepEqual(
      [down.fields.client, down.fields.user, down.fields.file, down.fields.bytes, down.fields.rate, down.fields.duration],
      ['2001:db8::5', 'carol', '/srv/ftp/carol//report.pdf', 1048576, 512 * 1024, 2],
    );
    // One space before `(` is accepted too.
    assert.deepEqual([partial.fields.partial, partial.fields.bytes, partial.fields.duration], [1, 7340032, 7]);
    assert.equal(del.fields.file, '/srv/ftp/carol//old.txt');
    assert.deepEqual([disabled.fields.user, disabled.fields.reason], ['dave', 'account disabled']);
    assert.deepEqual([anon.fields.anonymous, anon.fields.user], [1, undefined]);
    assert.deepEqual([other.fields.user, other.fields.level], ['ftp', 'DEBUG']);
    assert.deepEqual([bare.program, bare.message], ['pure-ftpd', 'Missing argument']);
    assert.equal(kernel.message, '[12345.678] eth0: link up\ncontinued text that belongs to the kernel line');
    assert.equal(kernel.origin.line, 13);
  });
});

describe('parsePureFtpdMessage', () => {
  it('takes the client after the last @ and drops the ? user', () => {
    assert.deepEqual(parsePureFtpdMessage('(?@60.211.252.98) [INFO] New connection from 60.211.252.98'), {
      action: 'connect',
      fields: { client: '60.211.252.98', level: 'INFO' },
    });
    assert.deepEqual(parsePureFtpdMessage('(a@b@c@::1) [INFO] Logout.'), { action: 'logout', fields: { user: 'a@b@c', client: '::1', level: 'INFO' } });
  });

  it('reads timeouts, refusals and unknown texts', () => {
    assert.equal(parsePureFtpdMessage('(?@192.0.2.1) [INFO] Timeout - try typing a little faster next time')?.action, 'timeout');
    assert.equal(parsePureFtpdMessage('(?@192.0.2.1) [INFO] Timeout (no operation for 900 seconds)')?.action, 'timeout');
    assert.equal(parsePureFtpdMessage('(?@192.0.2.1) [WARNING] 50 users (the maximum) are already logged in, sorry')?.action, 'refused');
    assert.equal(parsePureFtpdMessage("(?@192.0.2.1) [WARNING] I can't accept more than 3 connections as the same user")?.action, 'refused');
    assert.equal(parsePureFtpdMessage('(u@192.0.2.1) [INFO] Anonymous user logged in the virtual FTP')?.action, 'login');
    assert.deepEqual(parsePureFtpdMessage('(u@192.0.2.1) [ERROR] Disk full - please upload later'), {
      action: undefined,
      fields: { user: 'u', client: '192.0.2.1', level: 'ERROR' },
    });
  });

  it('rejects texts that are not pure-ftpd messages', () => {
    for (const text of ['connect from  192.0.2.10 (192.0.2.10)', '(no at sign) [INFO] x', '(a@b) [lower] x', '(a@b) x', 'repeated login failures from 198.51.100.23']) {
      assert.equal(parsePureFtpdMessage(text), undefined, text);
    }
  });
});

describe('pure-ftpd: detection and samples', () => {
  it('wins over generic syslog on a file with pure-ftpd lines, even far down the head', async () => {
    for (const name of ['pure-ftpd-backup.log', 'crowdsec-pureftpd.log', 'pure-ftpd-repeated.log', 'pure-ftpd-mixed-programs.log']) {
      const { head, lines } = await headOf(fixture('logs', name));
      assert.ok(pureFtpdParser.detect(head, lines) > syslogParser.detect(head, lines), name);
      assert.ok(syslogParser.detect(head, lines) > 0, name);
      assert.equal(detectFormat(head, lines)?.parser.name, 'pure-ftpd', name);
    }
  });

  it('claims a file of bare pure-ftpd messages (to report them) and not plain syslog', async () => {
    const bare = await headOf(fixture('logs', 'pure-ftpd-bare-messages.log'));
    assert.ok(pureFtpdParser.detect(bare.head, bare.lines) > 0);
    assert.equal(syslogParser.detect(bare.head, bare.lines), 0);
    const plain = await headOf(fixture('logs', 'lnav-syslog-rfc3164.log'));
    assert.equal(pureFtpdParser.detect(plain.head, plain.lines), 0);
  });

  it('reports no-year for RFC 3164 heads', async () => {
    const { lines } = await headOf(fixture('logs', 'pure-ftpd-backup.log'));
    assert.equal(pureFtpdParser.timeCompleteness(lines), 'no-year');
    assert.equal(pureFtpdParser.timeCompleteness(['2026-12-01T20:01:02+0000 host pure-ftpd: (?@192.0.2.1) [INFO] Logout.']), 'full');
  });

  it('parses each of its samples into an ftp event', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-pureftpd-'));
    const file = path.join(dir, 'samples.log');
    await fs.writeFile(file, pureFtpdParser.samples.join('\n') + '\n');
    const items = await parseFile(pureFtpdParser, file, UTC_2008);
    assert.equal(items.length, pureFtpdParser.samples.length);
    assert.ok(items.every((i) => i.kind === 'log' && i.service === 'ftp' && i.action !== undefined));
    const { head: h, lines } = await headOf(file);
    assert.equal(detectFormat(h, lines)?.parser, pureFtpdParser);
    await fs.rm(dir, { recursive: true });
  });
});

describe('pure-ftpd through rsyslog, as Debian pure-ftpd 1.0.50 writes it (e2e suite)', () => {
  const Y2026: TimeContext = { zone: 'UTC', year: 2026 };
  it('the traditional and the RFC 3339 file give the same events; only RFC 3339 keeps sub-seconds', async () => {
    const traditional = logs(await read('e2e-pure-ftpd-download.log', Y2026));
    const rfc3339 = logs(await read('e2e-pure-ftpd-download.rfc3339.log', Y2026));
    const shape = (e: LogEvent) => [e.action, e.fields.user, e.fields.client, Math.floor(e.ts / 1_000_000)];
    assert.deepEqual(traditional.map(shape), rfc3339.map(shape));
    assert.deepEqual(traditional.map((e) => e.action), ['connect', 'login', 'connect', 'login', 'logout', 'download', 'logout']);
    const down = rfc3339[5];
    assert.equal(iso(down.ts), '2026-12-02T01:08:33.804Z');
    // pure-ftpd joins its root and the file with `//`; the path is kept as logged.
    assert.deepEqual([down.fields.user, down.fields.client, down.fields.file, down.fields.bytes, down.fields.rate],
      ['backup', '127.0.0.20', '/tmp/fle2e2/daemons/pure-root//release-1.iso', 20972297, 3052.02 * 1024]);
    assert.ok(Math.abs(Number(down.fields.duration) - 20972297 / (3052.02 * 1024)) < 1e-9);
    assert.equal(traditional[5].ts, Date.UTC(2026, 11, 2, 1, 8, 33) * 1000);
  });
});
