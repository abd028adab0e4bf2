// proftpd's ExtendedLog with the stock default, write and auth LogFormats, as Debian's
// proftpd-core 1.3.8 wrote them in New York time (test/fixtures/logs/SOURCES.md).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { detectFormat } from '../../parsers/index.js';
import { parseExtlogLine, proftpdExtlogParser } from '../../parsers/proftpd-extlog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
// The zone given must not matter: the stamp carries its offset (-0500).
const read = (name: string) => parseFile(proftpdExtlogParser, fixture('logs', name), { zone: 'Europe/Berlin' });
const summary = (e: LogEvent) => [iso(e.ts), e.origin.line, e.service, e.action, e.fields.user, e.fields.client, e.fields.file, e.fields.status, e.fields.bytes];

async function detected(name: string): Promise<string | undefined> {
  const input = await openInput(fixture('logs', name));
  return detectFormat(input.head, headLines(input.head))?.parser.name;
}

describe('proftpd ExtendedLog', () => {
  it('detection picks proftpd-extlog for each real file', async () => {
    for (const f of ['write', 'auth', 'default']) assert.equal(await detected(`proftpd-1.3.8-extendedlog-${f}.log`), 'proftpd-extlog', f);
  });

  it('does not take web access logs or pure-ftpd clf', async () => {
    const files = readdirSync(fixture('logs')).filter((f) => /access|nginx|apache|clf|lnav|mtail|crowdsec/.test(f) && f.endsWith('.log'));
    assert.ok(files.length >= 10);
    for (const f of files) assert.notEqual(await detected(f), 'proftpd-extlog', f);
  });

  it('write: uploads, downloads, the failed and cut-off RETR, UTC from the offset', async () => {
    const items = await read('proftpd-1.3.8-extendedlog-write.log');
    assert.deepEqual(issues(items), []);
    assert.deepEqual(logs(items).map(summary), [
      ['2026-12-03T18:59:37.000Z', 1, 'ftp', 'mkdir', 'backup', '127.0.0.46', 'incoming', 257, undefined],
      ['2026-12-03T18:59:37.000Z', 2, 'ftp', 'upload', 'backup', '127.0.0.46', 'nightly.tar', 226, 3000000],
      ['2026-12-03T18:59:37.000Z', 3, 'ftp', 'upload', 'backup', '127.0.0.46', 'nightly.tar', 226, 50000],
      ['2026-12-03T18:59:37.000Z', 4, 'ftp', 'download', 'backup', '127.0.0.46', 'nightly.tar', 226, 3050000],
      ['2026-12-03T18:59:37.000Z', 5, 'ftp', 'download', 'backup', '127.0.0.46', 'missing.tar', 550, undefined],
      ['2026-12-03T18:59:38.000Z', 6, 'ftp', 'download', 'backup', '127.0.0.46', 'nightly.tar', 426, 278528],
      // DELE's %b is the deleted file's size, as xferlog's delete has it.
      ['2026-12-03T18:59:38.000Z', 7, 'ftp', 'delete', 'backup', '127.0.0.46', 'nightly.tar', 250, 3050000],
      ['2026-12-03T18:59:38.000Z', 8, 'ftp', 'rmdir', 'backup', '127.0.0.46', 'incoming', 250, undefined],
    ]);
    const flags = logs(items).map((e) => [e.fields.partial, e.fields.failed]);
    assert.deepEqual(flags.slice(1, 6), [[undefined, undefined], [undefined, undefined], [undefined, undefined], [1, 1], [1, 1]]);
    assert.ok(logs(items).every((e) => e.program === 'proftpd' && e.fields.extlog === 'default'));
  });

  it('auth: server name with spaces, pid, the failed and the good PASS carry USER\'s name', async () => {
    const items = await read('proftpd-1.3.8-extendedlog-auth.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map((e) => [e.action, e.fields.command, e.fields.status, e.fields.user, e.fields.client]), [
      [undefined, 'USER', 331, 'backup', '127.0.0.46'],
      ['login-failed', 'PASS', 530, 'backup', '127.0.0.46'],
      [undefined, 'USER', 331, 'backup', '127.0.0.46'],
      ['login', 'PASS', 230, 'backup', '127.0.0.46'],
    ]);
    assert.ok(events.every((e) => e.fields.server === 'flowlink proftpd extlog' && e.fields.pid === 11381 && e.fields.extlog === 'auth'));
    assert.ok(events.every((e) => iso(e.ts) === '2026-12-03T18:59:37.000Z'));
    // `PASS (hidden)` is no argument worth keeping.
    assert.equal(events[1].fields.argument, undefined);
  });

  it('default: every command kept, `-` user before login, QUIT a logout', async () => {
    const items = await read('proftpd-1.3.8-extendedlog-default.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.equal(events.length, 29);
    assert.ok(events.every((e) => e.service === 'ftp'));
    assert.deepEqual(events.map((e) => e.action).filter((a) => a !== undefined), [
      'login-failed', 'login', 'mkdir', 'upload', 'upload', 'download', 'download', 'download', 'list', 'delete', 'rmdir', 'logout',
    ]);
    assert.deepEqual([events[8].fields.command, events[8].fields.status, events[8].action], ['PASV', 227, undefined]);
    assert.equal(events[28].action, 'logout');
    assert.equal(iso(events[28].ts), '2026-12-03T18:59:39.000Z');
  });

  it('HTTP requests and unknown words are not ExtendedLog lines', () => {
    assert.equal(parseExtlogLine('127.0.0.1 - bob [03/Dec/2026:09:37:06 -0500] "GET /x HTTP/1.1" 200 10'), undefined);
    assert.equal(parseExtlogLine('127.0.0.1 - bob [03/Dec/2026:09:37:06 -0500] "PUT /x" 200 10'), undefined);
    assert.equal(parseExtlogLine('127.0.0.1 UNKNOWN backup [03/Dec/2026:09:37:06 -0500] "STOR x.tar" 226 1048576')?.command, 'STOR');
  });

  it("remembers the USER of at most 4096 sessions that never QUIT: the oldest's failed PASS loses its user", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-extlog-'));
    const file = path.join(dir, 'extended.log');
    const line = (n: number, request: string, status: number) => `10.0.${n >> 8}.${n & 255} UNKNOWN - [03/Dec/2026:13:59:37 -0500] "${request}" ${status} -`;
    const lines: string[] = [];
    for (let n = 0; n < 5000; n++) lines.push(line(n, `USER u${n}`, 331));
    lines.push(line(0, 'PASS (hidden)', 530), line(4999, 'PASS (hidden)', 530));
    writeFileSync(file, lines.join('\n') + '\n');
    try {
      const failed = logs(await parseFile(proftpdExtlogParser, file, { zone: 'UTC' })).filter((e) => e.action === 'login-failed');
      assert.deepEqual(failed.map((e) => [e.fields.client, e.fields.user]), [['10.0.0.0', undefined], ['10.0.19.135', 'u4999']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts its own samples', () => {
    for (const s of proftpdExtlogParser.samples) assert.ok(parseExtlogLine(s), s);
  });
});
