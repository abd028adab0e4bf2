// The journal as journalctl 252 prints it with -o json / json-seq, on entries made by
// systemd-journal-remote (test/fixtures/logs/SOURCES.md, journalctl-json-*): each entry the
// event its -o short-iso line gives, the mail join and the FTP reading included.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LogEvent, ParseIssue, ParseItem } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { detectFormat } from '../../parsers/index.js';
import { fieldText, journalJsonParser } from '../../parsers/journal-json.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, iso, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const notes = (items: ParseItem[]) => items.flatMap((i) => (i.kind === 'note' ? [i.message] : []));
const UTC = { zone: 'UTC' };
const read = (name: string) => parseFile(journalJsonParser, fixture('logs', name), UTC);

/** What an event says, without where it was read from. */
const gist = (e: LogEvent) => ({ ts: e.ts, host: e.host, program: e.program, pid: e.pid, service: e.service, action: e.action, message: e.message, fields: e.fields });

describe('journal-json: journalctl -o json', () => {
  it('gives, entry for entry, the events of the same journal printed as -o short-iso', async () => {
    const json = logs(await read('journalctl-json-json.log'));
    const text = logs(await parseFile(syslogParser, fixture('logs', 'journalctl-json-short-iso.log'), { zone: 'UTC', year: 2025 }));
    assert.equal(json.length, 18, '17 entries and the delivery joined from the postfix ones');
    assert.equal(json.length, text.length);
    for (let k = 0; k < json.length; k++) {
      const a = gist(json[k]);
      const b = gist(text[k]);
      const { unit, ...fields } = a.fields;
      assert.ok(unit === undefined || typeof unit === 'string');
      // Text stamps are whole seconds; the journal's have microseconds.
      assert.equal(Math.floor(a.ts / 1e6), b.ts / 1e6, `entry ${k}`);
      if (b.message.startsWith('dump ')) {
        // Over 4096 bytes: journalctl -o json writes null (see the note test).
        assert.equal(a.message, '');
        continue;
      }
      // journalctl's text drops the ANSI escapes the JSON keeps as bytes.
      const message = a.message.replace(/\x1b\[[0-9;]*m/g, '');
      assert.deepEqual({ ...a, ts: 0, message, fields }, { ...b, ts: 0 }, `entry ${k}`);
    }
  });

  it('reads time, host, program, pid, unit and message from the fields journalctl prints', async () => {
    const events = logs(await read('journalctl-json-json.log'));
    const kernel = events[0];
    assert.deepEqual([iso(kernel.ts), kernel.host, kernel.program, kernel.pid, kernel.fields.unit], ['2025-12-06T03:30:00.000Z', 'mx', 'kernel', undefined, undefined]);
    // The client's own stamp (_SOURCE_REALTIME_TIMESTAMP), 1.5 s before journald got it, as journalctl shows it.
    const upload = events.find((e) => e.action === 'upload')!;
    assert.equal(upload.ts, Date.UTC(2025, 11, 6, 3, 30, 8, 500) * 1000);
    assert.deepEqual([upload.service, upload.fields.user, upload.fields.client, upload.fields.file, upload.fields.bytes, upload.fields.unit], ['ftp', 'backup', '198.51.100.20', '/srv/ftp/backup/db.tar.gz', 891289600, 'pure-ftpd.service']);
    // No SYSLOG_IDENTIFIER (a service's journal stream): the program is _COMM.
    const rsync = events.find((e) => e.program === 'rsync')!;
    assert.deepEqual([rsync.pid, rsync.message], [4242, 'sent 891289600 bytes  received 35 bytes']);
    // A multi-line message is one entry: its newlines kept, its indents its own.
    const traceback = events.find((e) => e.program === 'backup.py')!;
    assert.equal(traceback.message.split('\n').length, 4);
    assert.equal(traceback.fields.unit, 'backup.service');
    // Bytes (a value with an escape in it) read as UTF-8.
    assert.equal(events.find((e) => e.message.includes('disk 91%'))!.message, '\x1b[1;31mERROR\x1b[0m disk 91% full');
    // Microseconds kept: postfix's lines of one message are 10 ms apart.
    assert.deepEqual(events.filter((e) => e.fields.queue_id === '2BD192839B' && e.action !== 'delivery').map((e) => iso(e.ts).slice(17)), ['05.260Z', '05.270Z', '05.280Z', '06.000Z', '06.010Z']);
  });

  it("joins postfix's entries by queue id into one delivery, as from a mail log", async () => {
    const delivery = logs(await read('journalctl-json-json.log')).filter((e) => e.action === 'delivery');
    assert.equal(delivery.length, 1);
    const f = delivery[0].fields;
    assert.deepEqual([f.queue_id, f.from, f.to, f.size, f.bytes, f.client, f.status], ['2BD192839B', 'support@example.net', 'alice@example.org', 48200311, 48200311, '198.51.100.55', 'sent']);
    assert.equal(f.lines, '5,6,7,9,10');
  });

  it('a MESSAGE over 4096 bytes (null in -o json) keeps its entry, with a note naming --all; with --all it is whole', async () => {
    const items = await read('journalctl-json-json.log');
    assert.deepEqual(issues(items), []);
    const dump = logs(items).find((e) => e.origin.line === 15)!;
    assert.deepEqual([dump.program, dump.pid, dump.message], ['app', 77, '']);
    assert.deepEqual(notes(items), [
      '1 journal entry has MESSAGE null (journalctl -o json leaves out values over 4096 bytes): their messages are empty; write the journal with journalctl -o json --all to keep them',
    ]);
    const all = await read('journalctl-json-all.log');
    assert.deepEqual(notes(all), []);
    assert.equal(logs(all).find((e) => e.origin.line === 15)!.message, 'dump ' + 'x'.repeat(5000));
  });

  it('-o json-seq (each entry after an RS) reads the same as -o json', async () => {
    const seq = logs(await read('journalctl-json-json-seq.log'));
    const json = logs(await read('journalctl-json-json.log'));
    assert.deepEqual(seq.map(gist), json.map(gist));
  });

  it('is detected from its head, json-seq too; json-pretty is claimed and refused with the command to use', async () => {
    for (const name of ['journalctl-json-json.log', 'journalctl-json-json-seq.log', 'journalctl-json-all.log', 'journalctl-json-pretty-head.log']) {
      const input = await openInput(fixture('logs', name));
      assert.equal(detectFormat(input.head, headLines(input.head))?.parser.name, 'journal-json', name);
    }
    assert.throws(
      () => journalJsonParser.parse({ path: 'journal.json', head: Buffer.from('{\n\t"__CURSOR" : "s=1",\n\t"__REALTIME_TIMESTAMP" : "1764991800000000",\n'), mtime: new Date(), lines: async function* () {}, stream: async function* () {} }, UTC),
      /journal\.json: journalctl -o json-pretty output \(an entry over many lines\) is not read/,
    );
  });

  it('a cut last entry, junk and an entry without a time are skipped lines with their reasons; the entries around them are kept', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-journal-'));
    const file = path.join(dir, 'journal.json');
    const real = (await fs.readFile(fixture('logs', 'journalctl-json-json.log'), 'utf8')).split('\n');
    const lines = [real[0], 'garbage', real[1].replace(/"__REALTIME_TIMESTAMP":"\d+",?/, '').replace(',}', '}'), real[2], real[3].slice(0, 120)];
    await fs.writeFile(file, lines.join('\n') + '\n');
    const items = await parseFile(journalJsonParser, file, UTC);
    assert.deepEqual(logs(items).map((e) => e.origin.line), [1, 4]);
    assert.deepEqual(issues(items).map((i) => [i.line, i.reason.replace(/\(.*\)$/, '(...)')]), [
      [2, 'not a journal entry (...)'],
      [3, 'journal entry without a valid __REALTIME_TIMESTAMP'],
      [5, 'not a journal entry: invalid JSON (...)'],
    ]);
    await fs.rm(dir, { recursive: true });
  });

  it('field values: strings, bytes as UTF-8, repeated fields joined, null and absent undefined', () => {
    assert.equal(fieldText('a'), 'a');
    assert.equal(fieldText([0xc3, 0xbc, 0x62]), 'üb');
    assert.equal(fieldText(['one', 'two']), 'one\ntwo');
    assert.equal(fieldText(null), undefined);
    assert.equal(fieldText(undefined), undefined);
    assert.equal(fieldText([]), undefined);
  });

  it('parses its sample', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-journal-'));
    const file = path.join(dir, 'sample.json');
    await fs.writeFile(file, journalJsonParser.samples.join('\n') + '\n');
    const events = logs(await parseFile(journalJsonParser, file, UTC));
    assert.equal(events.length, journalJsonParser.samples.length);
    assert.equal(events[0].action, 'upload');
    await fs.rm(dir, { recursive: true });
  });
});
