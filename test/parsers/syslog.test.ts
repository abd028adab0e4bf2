import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { pureFtpdParser } from '../../parsers/pure-ftpd.js';
import { GENERIC_SYSLOG_SCORE, syslogParser } from '../../parsers/syslog.js';
import { detectFormat } from '../../parsers/index.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, time: TimeContext = { zone: 'UTC', year: 2020 }) => parseFile(syslogParser, fixture('logs', name), time);

async function headOf(name: string): Promise<{ head: Buffer; lines: string[] }> {
  const input = await openInput(fixture('logs', name));
  return { head: input.head, lines: headLines(input.head) };
}

describe('generic syslog: real files', () => {
  it('lnav RFC 3164: tags with and without pid, all service syslog, no action', async () => {
    const items = await read('lnav-syslog-rfc3164.log');
    assert.equal(items.length, 4);
    const events = logs(items);
    assert.deepEqual(events.map((e) => [e.program, e.pid]), [['automount', 7998], ['automount', 16442], ['automount', 7999], ['sudo', undefined]]);
    assert.ok(events.every((e) => e.service === 'syslog' && e.action === undefined && e.host === 'veridian'));
    assert.equal(iso(events[0].ts), '2020-11-03T09:23:38.000Z');
    assert.equal(events[3].message, 'timstack : TTY=pts/6 ; PWD=/auto/wstimstack/rpms/lbuild/test ; USER=root ; COMMAND=/usr/bin/tail /var/log/messages');
  });

  it('lnav repeated message: syslogd line with no host or program gets repeated=2; year moves Jan -> Mar', async () => {
    const events = logs(await read('lnav-syslog-repeated-msg.log', { zone: 'UTC', anchor: Date.UTC(2021, 0, 10) * 1000 }));
    assert.equal(events.length, 5);
    const last = events[4];
    assert.deepEqual([last.host, last.program, last.fields.repeated], [undefined, undefined, 2]);
    assert.equal(events[1].program, 'tomcat.log');
    assert.deepEqual(events.map((e) => iso(e.ts).slice(0, 10)), ['2021-01-03', '2021-03-24', '2021-03-24', '2021-03-24', '2021-03-24']);
  });

  it('macOS multi-line: TAB continuation lines join the line before', async () => {
    const items = await read('lnav-macos-syslog-multiline.log');
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.length, 7);
    assert.equal(events[2].message, 'Configuration Notice:\nASL Module "com.apple.cdscheduler" claims selected messages.\nThose messages may not appear in standard system log files or in the ASL database.');
    assert.equal(events[2].origin.line, 3);
    assert.equal(events[3].origin.line, 6);
  });

  it('RFC 5424 without PRI: zones Z and +03:00, SD skipped, MSGID kept', async () => {
    const events = logs(await read('lnav-rfc5424-nopri-zones.log'));
    assert.deepEqual(events.map((e) => iso(e.ts)), ['2022-08-27T14:22:01.613Z', '2022-08-27T14:22:01.694Z', '2022-08-27T14:22:01.888Z']);
    assert.deepEqual(events.map((e) => [e.program, e.pid]), [['NSX', 3106], ['CRON', 20856], ['NSX', 4828]]);
    assert.equal(events[2].fields.msgid, 'SWITCHING');
    assert.match(events[0].message, /^keep-alive check received resp/);
    assert.match(events[2].message, /^dynamic arp entry/);
  });

  it('RFC 5424 with PRI (pfSense filterlog)', async () => {
    const events = logs(await read('crowdsec-pfsense-rfc5424-filterlog.log'));
    assert.equal(events.length, 4);
    assert.deepEqual([events[0].host, events[0].program, events[0].pid], ['firewall.lan', 'filterlog', 92653]);
    assert.equal(events[0].ts, Date.UTC(2025, 10, 6, 11, 32, 42) * 1000 + 868451);
    assert.match(events[0].message, /^7,,,1000000102,vtnet0\.5,match,block/);
  });

  it('beats: RFC 3339 with microseconds, +0400 without colon, and no zone (context zone)', async () => {
    const suse = logs(await read('beats-suse-iso8601.log'));
    assert.equal(suse[0].ts, Date.UTC(2018, 7, 14, 12, 30, 2) * 1000 + 203151);
    const tz = logs(await read('beats-tz-offset.log', { zone: 'Europe/Berlin' }));
    assert.deepEqual(tz.map((e) => iso(e.ts)), ['1986-04-25T21:23:45.101Z', '1986-04-25T21:23:45.388Z', '2019-06-14T08:40:20.912Z']);
    assert.deepEqual(tz.map((e) => e.program), ['shutdown', 'thermald', 'sudo']);
  });

  it('mixed RFC 3164 and RFC 3339 in one file (crowdsec postfix)', async () => {
    const items = await read('crowdsec-postfix-mixed-ts.log', { zone: 'UTC', anchor: Date.UTC(2024, 8, 1) * 1000 });
    assert.equal(issues(items).length, 0);
    const events = logs(items);
    assert.equal(events.length, 7);
    assert.deepEqual(events.map((e) => iso(e.ts).slice(0, 10)), ['2024-05-11', '2024-05-11', '2024-08-26', '2024-08-25', '2024-06-04', '2024-10-31', '2025-02-27']);
    assert.equal(events[5].program, 'postfix/submission/smtpd');
  });

  it('a localised month is an issue with a reason, not an event', async () => {
    const items = await read('lnav-syslog-french-month.log');
    assert.deepEqual(items, [{ kind: 'issue', file: fixture('logs', 'lnav-syslog-french-month.log'), line: 1, reason: "no syslog header: 'août' is not an English month name" }]);
  });

  it('pure-ftpd lines read by the generic parser are still interpreted by their program', async () => {
    // /var/log/messages mixes daemons: how a line is read follows its program, not the file's head.
    const items = await read('pure-ftpd-backup.log', { zone: 'UTC', year: 2008 });
    assert.equal(logs(items).length, 7);
    const ftp = logs(items).filter((e) => e.service === 'ftp');
    assert.ok(ftp.length > 0);
    assert.ok(ftp.some((e) => e.action === 'upload' && e.fields.bytes === 891289600));
  });

  it("journalctl's own marker lines are not entries: no skipped line, one note (real journalctl 252 output)", async () => {
    // Written by journalctl from a journal of two boots (fixtures' SOURCES.md): `-- Boot ID --` between them.
    for (const [name, firstTs] of [
      ['journalctl-short.log', '2025-12-01T20:01:02.000Z'],
      ['journalctl-short-iso.log', '2025-12-01T20:01:02.000Z'],
      ['journalctl-short-iso-precise.log', '2025-12-01T20:01:02.000Z'],
    ]) {
      const items = await read(name, { zone: 'UTC', year: 2025 });
      assert.deepEqual(issues(items), [], name);
      const events = logs(items);
      assert.deepEqual(events.map((e) => e.origin.line), [1, 2, 4, 5, 6], `${name}: line 3 is the marker`);
      assert.equal(iso(events[0].ts), firstTs);
      assert.equal(events[2].message, 'Linux version 6.1.0-18-amd64', `${name}: the entry after the marker is whole`);
      assert.ok(events.some((e) => e.service === 'ftp' && e.action === 'upload' && e.fields.bytes === 891289600), name);
      assert.deepEqual(items.filter((i) => i.kind === 'note').map((n) => n.kind === 'note' && n.message), [
        "ignored 1 journalctl marker line ('-- Boot ... --' and the like): not log entries",
      ]);
    }
    const empty = await read('journalctl-no-entries.log');
    assert.deepEqual(empty.map((i) => i.kind), ['note']);
  });

  it("journalctl's multi-line messages: later lines, indented to the message column, join their entry (real journalctl 252 output)", async () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/usr/local/bin/backup.py", line 12, in <module>',
      '    upload()',
      'ConnectionResetError: [Errno 104] Connection reset by peer',
    ].join('\n');
    for (const form of ['short', 'short-iso', 'short-iso-precise']) {
      const name = `journalctl-multiline-${form}.log`;
      const items = await read(name, { zone: 'UTC', year: 2025 });
      assert.deepEqual(issues(items), [], `${name}: no continuation line skipped`);
      const events = logs(items);
      assert.deepEqual(events.map((e) => e.origin.line), [1, 5, 6, 8, 9], name);
      // The message's own indent (the traceback's) stays; journalctl's goes.
      assert.equal(events[0].message, traceback, name);
      assert.equal(events[0].origin.raw.split('\n').length, 4, `${name}: the raw text keeps every line`);
      assert.deepEqual([events[0].program, events[0].pid], ['backup.py', 4100]);
      // The entry after a multi-line one is read as its own, pure-ftpd's upload included.
      assert.deepEqual([events[1].service, events[1].action, events[1].fields.bytes], ['ftp', 'upload', 891289600], name);
      assert.equal(events[2].message, 'two lines\n        second, tab-indented', `${name}: journalctl wrote the TAB as spaces`);
      assert.equal(events[3].message, 'ends with a newline', name);
      assert.equal(events[4].message, 'blank line inside\n\nafter the blank', `${name}: the blank line, written as the indent alone, is kept`);
      assert.equal(iso(events[4].ts), '2025-12-01T20:01:07.000Z');
    }
  });

  it('a file that opens with a long multi-line entry is detected and read whole (real journalctl output)', async () => {
    const { head, lines: headLinesOf } = await headOf('journalctl-long-traceback-short-iso.log');
    assert.equal(detectFormat(head, headLinesOf)?.parser.name, 'syslog', 'no parser but the generic one claims it');
    const items = await read('journalctl-long-traceback-short-iso.log', { zone: 'UTC', year: 2025 });
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.origin.line), [1, 43, 44]);
    const lines = events[0].message.split('\n');
    assert.equal(lines.length, 42);
    assert.deepEqual([lines[1], lines[2], lines[41]], ['  File "/usr/lib/python3/dist-packages/backup/step0.py", line 10, in run', '    step1()', 'OSError: [Errno 28] No space left on device']);
  });

  it('a space-indented line short of the message column is not a continuation: it and the rest of its entry are skipped and counted', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-syslog-'));
    const file = path.join(dir, 'journal.txt');
    const real = await fs.readFile(fixture('logs', 'journalctl-multiline-short.log'), 'utf8');
    // The traceback's second line moved left of `Traceback`'s column (38): not journalctl's.
    await fs.writeFile(file, real.replace('                                        File', '    File'));
    const items = await parseFile(syslogParser, file, { zone: 'UTC', year: 2025 });
    // A line that is not the entry's ends it (as a TAB line after a skipped one): the rest of
    // the traceback is counted too, each line named, none of it appended to a wrong entry.
    assert.deepEqual(issues(items).map((i) => i.line), [2, 3, 4]);
    const events = logs(items);
    assert.equal(events.length, 5);
    assert.equal(events[0].message, 'Traceback (most recent call last):');
    assert.equal(events[2].message, 'two lines\n        second, tab-indented', 'the entries after it are whole');
    await fs.rm(dir, { recursive: true });
  });

  it('journalctl markers of older systemd, and lines that only look like them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-syslog-'));
    const file = path.join(dir, 'journal.txt');
    await fs.writeFile(file, [
      // systemd before 246, and 246-250: the header line.
      '-- Logs begin at Wed 2017-02-08 15:18:00 CET, end at Tue 2017-09-19 09:25:27 CEST. --',
      '-- Journal begins at Mon 2021-11-01 08:00:01 UTC, ends at Tue 2021-11-02 20:05:00 UTC. --',
      'Nov 01 08:00:01 web1 systemd[1]: Starting Daily apt download activities...',
      '-- Reboot --',
      'Nov 01 09:00:00 web1 kernel: Linux version 5.10.0-8-amd64',
      '-- Boot ABCDEF --',
      '-- something else --',
    ].join('\n') + '\n');
    const items = await parseFile(syslogParser, file, { zone: 'UTC', year: 2021 });
    assert.deepEqual(logs(items).map((e) => e.origin.line), [3, 5]);
    // Not journalctl's: skipped and counted as any unreadable line is.
    assert.deepEqual(issues(items).map((i) => i.line), [6, 7]);
    assert.ok(items.some((i) => i.kind === 'note' && i.message.startsWith('ignored 3 journalctl marker lines')));
    await fs.rm(dir, { recursive: true });
  });

  it('reports a day that does not exist as an issue', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-syslog-'));
    const file = path.join(dir, 'messages');
    await fs.writeFile(file, 'Feb 30 10:00:00 host prog[1]: impossible\nFeb 28 10:00:00 host prog[1]: fine\n');
    const items = await parseFile(syslogParser, file, { zone: 'UTC', year: 2021 });
    assert.deepEqual(items.map((i) => i.kind), ['issue', 'log']);
    assert.match((items[0] as ParseIssue).reason, /invalid date 'Feb 30 10:00:00'/);
    await fs.rm(dir, { recursive: true });
  });
});

describe('generic syslog: detection, time completeness, samples', () => {
  it('claims syslog files with a score below pure-ftpd', async () => {
    for (const name of ['lnav-syslog-rfc3164.log', 'lnav-rfc5424-nopri-zones.log', 'crowdsec-pfsense-rfc5424-filterlog.log', 'beats-tz-offset.log', 'lnav-macos-syslog-multiline.log']) {
      const { head, lines } = await headOf(name);
      const score = syslogParser.detect(head, lines);
      assert.ok(score > 0, name);
      assert.equal(pureFtpdParser.detect(head, lines), 0, name);
    }
    const ftp = await headOf('crowdsec-pureftpd.log');
    assert.ok(syslogParser.detect(ftp.head, ftp.lines) < pureFtpdParser.detect(ftp.head, ftp.lines));
    // journalctl's indented continuation lines are not counted against a head: a file that
    // opens with a 41-line traceback (44 lines, 3 entries) is still syslog.
    const long = await headOf('journalctl-long-traceback-short-iso.log');
    assert.equal(long.lines.length, 44);
    assert.equal(syslogParser.detect(long.head, long.lines), GENERIC_SYSLOG_SCORE);
    const french = await headOf('lnav-syslog-french-month.log');
    assert.equal(syslogParser.detect(french.head, french.lines), 0);
  });

  it("says 'no-year' for RFC 3164 heads and 'full' otherwise", async () => {
    assert.equal(syslogParser.timeCompleteness((await headOf('lnav-syslog-rfc3164.log')).lines), 'no-year');
    assert.equal(syslogParser.timeCompleteness((await headOf('crowdsec-postfix-mixed-ts.log')).lines), 'no-year');
    assert.equal(syslogParser.timeCompleteness((await headOf('beats-suse-iso8601.log')).lines), 'full');
    assert.equal(syslogParser.timeCompleteness((await headOf('lnav-rfc5424-nopri-zones.log')).lines), 'full');
    assert.equal(syslogParser.timeCompleteness(['2026-12-01T20:01:02+0000 host prog[1]: msg']), 'full');
  });

  it('parses each of its samples into an event', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-syslog-'));
    const file = path.join(dir, 'samples.log');
    await fs.writeFile(file, syslogParser.samples.join('\n') + '\n');
    const items = await parseFile(syslogParser, file, { zone: 'UTC', year: 2020 });
    assert.equal(items.length, syslogParser.samples.length);
    assert.ok(items.every((i) => i.kind === 'log' && i.service === 'syslog'));
    await fs.rm(dir, { recursive: true });
  });
});
