import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { wallClockToMicros, ZonedClock, type TimeContext } from '../../src/time.js';
import { detectFormat } from '../../parsers/index.js';
import { parseXferlogFields, xferlogParser } from '../../parsers/xferlog.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const read = (name: string, time: TimeContext = { zone: 'UTC' }) => parseFile(xferlogParser, fixture('logs', name), time);

async function withFile(text: string, run: (file: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-xferlog-'));
  const file = path.join(dir, 'xferlog');
  await fs.writeFile(file, text);
  try {
    await run(file);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
}

describe('xferlog: real file (mtail vsftpd_xferlog)', () => {
  it('10 anonymous uploads, duration = transfer-seconds, no issues', async () => {
    const items = await read('mtail-vsftpd-xferlog.log');
    assert.equal(items.length, 10);
    const events = logs(items);
    assert.equal(events.length, 10);
    assert.ok(events.every((e) => e.service === 'ftp' && e.action === 'upload' && e.fields.anonymous === 1 && e.fields.client === '198.51.100.36'));
    assert.equal(iso(events[0].ts), '2011-02-21T15:21:32.000Z');
    assert.deepEqual([events[0].fields.bytes, events[0].fields.duration, events[0].fields.rate, events[0].fields.user], [528, 1, 528, 'anonymous@']);
    assert.equal(events[9].fields.file, '/incoming/example_324590117_all.changes');
  });
});

describe('xferlog: variants and bad lines', () => {
  it('padded and zero-padded days, directions, access modes, status, names with spaces', async () => {
    const items = await read('xferlog-variants.log');
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.action), ['upload', 'upload', 'download', 'delete', 'download', 'upload']);
    const [backup, alice, report, del, iso9660, guest] = events;
    assert.equal(iso(backup.ts), '2008-03-08T03:33:42.000Z');
    assert.deepEqual([backup.fields.bytes, backup.fields.duration, backup.fields.user, backup.fields.client], [891289600, 367, 'xxx@xxx.com', '192.168.134.56']);
    assert.equal(iso(alice.ts), '2026-12-01T20:12:13.000Z');
    assert.equal(report.fields.file, '/srv/ftp/alice/My Report 2026.pdf');
    assert.deepEqual([del.fields.transfer_type, del.fields.duration, del.fields.rate], ['ascii', 0, undefined]);
    assert.deepEqual([iso9660.fields.partial, iso9660.fields.anonymous, iso9660.fields.client], [1, 1, 'client.example.org']);
    // No status field (old wu-ftpd): complete, not partial.
    assert.deepEqual([guest.fields.guest, guest.fields.partial], [1, undefined]);
    const bad = issues(items);
    assert.deepEqual(bad.map((i) => i.line), [7, 8, 9, 10]);
    assert.match(bad[0].reason, /not a number/);
    assert.match(bad[1].reason, /3 fields/);
    assert.match(bad[2].reason, /out of range/);
    assert.match(bad[3].reason, /no xferlog time stamp/);
  });

  it('the window [time - duration, time] is exact: no rate rounding', () => {
    const r = parseXferlogFields(' 355 192.168.134.56 891289600 /path b _ i r user ftp 0 * c')!;
    assert.deepEqual([r.action, r.fields.duration, r.fields.bytes], ['upload', 355, 891289600]);
  });

  it('detects xferlog, not syslog', async () => {
    for (const name of ['mtail-vsftpd-xferlog.log', 'xferlog-variants.log']) {
      const input = await openInput(fixture('logs', name));
      const lines = headLines(input.head);
      assert.equal(detectFormat(input.head, lines)?.parser.name, 'xferlog', name);
      assert.equal(syslogParser.detect(input.head, lines), 0, name);
    }
    assert.equal(xferlogParser.timeCompleteness([]), 'full');
  });
});

describe('time: DST gap and repeat (zone-less stamps, luxon decides)', () => {
  const ny = 'America/New_York';
  it('a time in the spring-forward gap moves forward by the gap: 02:30 -> 03:30 EDT', async () => {
    await withFile('Sun Mar  9 01:59:59 2008 1 192.0.2.1 10 /a b _ i r u ftp 0 * c\nSun Mar  9 02:30:00 2008 1 192.0.2.1 10 /b b _ i r u ftp 0 * c\nSun Mar  9 03:00:00 2008 1 192.0.2.1 10 /c b _ i r u ftp 0 * c\n', async (file) => {
      const events = logs(await parseFile(xferlogParser, file, { zone: ny }));
      assert.deepEqual(events.map((e) => iso(e.ts)), ['2008-03-09T06:59:59.000Z', '2008-03-09T07:30:00.000Z', '2008-03-09T07:00:00.000Z']);
    });
  });

  it('a time in the repeated hour takes the offset after the change (EST, the second pass)', async () => {
    await withFile('Sun Nov  2 00:59:59 2008 1 192.0.2.1 10 /a b _ i r u ftp 0 * c\nSun Nov  2 01:30:00 2008 1 192.0.2.1 10 /b b _ i r u ftp 0 * c\nSun Nov  2 02:00:00 2008 1 192.0.2.1 10 /c b _ i r u ftp 0 * c\n', async (file) => {
      const events = logs(await parseFile(xferlogParser, file, { zone: ny }));
      // 00:59:59 EDT = 04:59:59Z; 01:30 EST = 06:30Z (01:30 EDT, 05:30Z, is never produced).
      assert.deepEqual(events.map((e) => iso(e.ts)), ['2008-11-02T04:59:59.000Z', '2008-11-02T06:30:00.000Z', '2008-11-02T07:00:00.000Z']);
    });
  });

  it('ZonedClock (one luxon call per hour) agrees with wallClockToMicros minute by minute across both changes', () => {
    for (const zone of [ny, 'Europe/Berlin', 'Australia/Lord_Howe']) {
      const clock = new ZonedClock(zone);
      for (const [month, day] of [[3, 9], [11, 2], [3, 30], [10, 26], [4, 6], [10, 5]]) {
        for (let m = 0; m < 24 * 60; m += 7) {
          const wall = { year: 2008, month, day, hour: Math.floor(m / 60), minute: m % 60, second: 13, micro: 0 };
          assert.equal(clock.toMicros(wall), wallClockToMicros(wall, zone), `${zone} ${JSON.stringify(wall)}`);
        }
      }
    }
  });

  it('RFC 3164 syslog lines in the gap and the repeat get the same choice', async () => {
    for (const [line, want] of [['Mar  9 02:30:00 h prog: gap', '2008-03-09T07:30:00.000Z'], ['Nov  2 01:30:00 h prog: repeat', '2008-11-02T06:30:00.000Z']]) {
      await withFile(line + '\n', async (file) => {
        const events = logs(await parseFile(syslogParser, file, { zone: ny, year: 2008 }));
        assert.deepEqual(events.map((e) => iso(e.ts)), [want]);
      });
    }
  });
});

describe('xferlog as Debian vsftpd 3.0.3 writes it (e2e suite, xferlog_std_format=YES)', () => {
  it('keeps the name vsftpd logged (spaces become _) and its whole-second transfer time, at least 1', async () => {
    const items = await read('e2e-vsftpd-xferlog.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.action), ['upload', 'download', 'upload', 'upload', 'upload']);
    // vsftpd.log says "/tmp/e2e-try2/root/my file.bin" for the same upload: xferlog's fields
    // are space-separated, so vsftpd writes `_` for each space.
    assert.equal(events[0].fields.file, '/tmp/e2e-try2/root/my_file.bin');
    // A 5 ms transfer: vsftpd writes end second - start second, and 1 when that is 0.
    assert.deepEqual([events[0].fields.duration, events[0].fields.rate], [1, 2000000]);
    assert.deepEqual(events.slice(2).map((e) => [e.fields.duration, e.fields.bytes, e.fields.user]), [
      [4, 15731641, 'fle2ebackup'],
      [6, 20977522, 'fle2ebackup'],
      [8, 26223403, 'fle2ebackup'],
    ]);
    // Day space-padded (`Dec  2`), local time = UTC on the e2e machine.
    assert.equal(iso(events[4].ts), '2026-12-02T01:07:49.000Z');
  });
});
