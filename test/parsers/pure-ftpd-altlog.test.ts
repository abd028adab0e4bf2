// pure-ftpd's transfer log (AltLog) in its clf, w3c and stats forms, as Debian's pure-ftpd
// 1.0.50 wrote them on loopback (test/fixtures/logs/SOURCES.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { detectFormat } from '../../parsers/index.js';
import { parseAltlogLine, pureFtpdAltlogParser } from '../../parsers/pure-ftpd-altlog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
// The zone given must not matter: every form says where its clock stands.
const read = (name: string) => parseFile(pureFtpdAltlogParser, fixture('logs', name), { zone: 'America/New_York' });
const summary = (e: LogEvent) => [iso(e.ts), e.origin.line, e.service, e.action, e.fields.user, e.fields.client, e.fields.file, e.fields.bytes];

async function detected(name: string): Promise<string | undefined> {
  const input = await openInput(fixture('logs', name));
  return detectFormat(input.head, headLines(input.head))?.parser.name;
}

describe('pure-ftpd transfer log (AltLog)', () => {
  it("clf, Debian's default: PUT is an upload, GET a download, the offset's UTC time", async () => {
    const items = await read('pure-ftpd-altlog-clf.log');
    assert.deepEqual(issues(items), []);
    assert.deepEqual(logs(items).map(summary), [
      ['2026-12-03T13:28:06.000Z', 1, 'ftp', 'upload', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 1500000],
      // The client stopped reading early: pure-ftpd logs what it sent.
      ['2026-12-03T13:28:06.000Z', 2, 'ftp', 'download', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 1179648],
    ]);
    assert.ok(logs(items).every((e) => e.program === 'pure-ftpd' && e.fields.duration === undefined && e.fields.altlog === 'clf'));
  });

  it('clf written in Berlin time: +0100 read, the URL-encoded name decoded', async () => {
    const [e] = logs(await read('pure-ftpd-altlog-clf-berlin.log'));
    assert.deepEqual(summary(e), ['2026-12-03T13:29:24.000Z', 1, 'ftp', 'upload', 'backup7', '127.0.0.122', '/tmp/pf6/root/nightly db.tar', 2600000]);
    assert.equal(e.origin.raw, '127.0.0.122 - backup7 [03/Dec/2026:14:29:24 +0100] "PUT /tmp/pf6/root/nightly%20db.tar" 200 2600000');
  });

  it('w3c: the #-directives are neither events nor skipped lines; the times are UTC', async () => {
    const items = await read('pure-ftpd-altlog-w3c.log');
    assert.deepEqual(issues(items), []);
    assert.deepEqual(logs(items).map(summary), [
      ['2026-12-03T13:28:17.000Z', 5, 'ftp', 'upload', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 1500000],
      ['2026-12-03T13:28:17.000Z', 6, 'ftp', 'download', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 655360],
    ]);
  });

  it('stats: epoch seconds, the transfer time, the session', async () => {
    const items = await read('pure-ftpd-altlog-stats.log');
    assert.deepEqual(issues(items), []);
    const events = logs(items);
    assert.deepEqual(events.map(summary), [
      ['2026-12-03T13:28:13.000Z', 1, 'ftp', 'upload', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 1500000],
      ['2026-12-03T13:28:13.000Z', 2, 'ftp', 'download', 'backup7', '127.0.0.122', '/tmp/pf6/root/up.bin', 917504],
    ]);
    assert.deepEqual([events[0].fields.duration, events[0].fields.rate, events[0].fields.session], [0, undefined, '6b116e6b.3a5d']);
  });

  it('is detected for its own files, and leaves web access logs and its xferlog to their parsers', async () => {
    for (const name of ['pure-ftpd-altlog-clf.log', 'pure-ftpd-altlog-clf-berlin.log', 'pure-ftpd-altlog-w3c.log', 'pure-ftpd-altlog-stats.log']) {
      assert.equal(await detected(name), 'pure-ftpd-altlog', name);
    }
    assert.equal(await detected('pure-ftpd-altlog-xferlog.log'), 'xferlog');
    for (const name of ['lnav-access-log.log', 'mtail-apache-common.log', 'mtail-apache-combined.log', 'beats-apache-access.log']) {
      assert.equal(await detected(name), 'access-log', name);
    }
  });

  it("a web server's lines are not pure-ftpd's, even a PUT with status 200", () => {
    assert.equal(parseAltlogLine('198.51.100.7 - - [03/Dec/2026:13:28:06 +0000] "PUT /upload/x.bin HTTP/1.1" 200 1500000'), undefined);
    assert.equal(parseAltlogLine('198.51.100.7 - - [03/Dec/2026:13:28:06 +0000] "PUT /upload/x.bin" 201 1500000'), undefined);
    assert.equal(parseAltlogLine('198.51.100.7 - - [03/Dec/2026:13:28:06 +0000] "POST /x" 200 15'), undefined);
    assert.ok(parseAltlogLine('198.51.100.7 - - [03/Dec/2026:13:28:06 +0000] "GET /pub/x.iso" 200 15'));
  });
});
