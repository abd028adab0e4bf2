// Damaged logs on disk: none of them stops the run or loses the lines around the damage,
// and each is reported (a skipped line or a note naming the file and line).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { LogEvent, ParseIssue, ParseItem, ParseNote } from '../../src/event.js';
import { lineBatches, MAX_LINE_BYTES, ReadDamage } from '../../src/sources/lines.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, parseFile } from '../helpers.js';

const logs = (items: ParseItem[]) => items.filter((i): i is LogEvent => i.kind === 'log');
const issues = (items: ParseItem[]) => items.filter((i): i is ParseIssue => i.kind === 'issue');
const notes = (items: ParseItem[]) => items.filter((i): i is ParseNote => i.kind === 'note').map((n) => n.message);

let dir = '';
let real: string[] = [];
const TIME = { zone: 'UTC', year: 2008 };

async function write(name: string, content: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, content);
  return file;
}

/** The real log's 7 lines with `damage` between lines 3 and 4. */
function withDamage(damage: Buffer): Buffer {
  return Buffer.concat([Buffer.from(real.slice(0, 3).join('\n') + '\n'), damage, Buffer.from(real.slice(3).join('\n') + '\n')]);
}

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-lines-'));
  real = (await fs.readFile(fixture('logs', 'pure-ftpd-backup.log'), 'utf8')).trimEnd().split('\n');
  assert.equal(real.length, 7);
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('damaged syslog files', () => {
  it('binary junk in the middle: its lines are skipped and counted, every real line before and after is read', async () => {
    // Bytes of a real binary (a gzip member of the same log) pasted into the file, as a
    // crashed writer or a bad copy leaves them.
    const junk = gzipSync(Buffer.from(real.join('\n')));
    const file = await write('junk.log', withDamage(Buffer.concat([junk, Buffer.from('\n')])));
    const items = await parseFile(syslogParser, file, TIME);
    const events = logs(items);
    assert.deepEqual(events.map((e) => e.origin.raw), real);
    const skipped = issues(items);
    assert.ok(skipped.length >= 1);
    assert.ok(skipped.every((i) => i.file === file && i.line > 3 && i.line < 4 + skipped.length + 1 && /no syslog/.test(i.reason)));
    // Lines after the junk keep their real numbers.
    assert.equal(events[3].origin.line, 4 + junk.toString('latin1').split('\n').length);
  });

  it('NUL bytes in a line (a syslog file after a crash): removed, the line read, and a note says where', async () => {
    const file = await write('nul.log', withDamage(Buffer.concat([Buffer.alloc(4096), Buffer.from(real[3] + '\n')])));
    const items = await parseFile(syslogParser, file, TIME);
    const events = logs(items);
    assert.equal(events.length, 8);
    assert.equal(events[3].origin.raw, real[3]);
    assert.equal(events[3].fields.bytes, 207309250);
    assert.deepEqual(notes(items), ['removed 4096 NUL bytes from 1 line, first at line 4']);
    assert.equal(issues(items).length, 0);
  });

  it('a 10 MB line: one skipped line with its number, the lines around it read', async () => {
    const long = Buffer.alloc(10 << 20, 'A');
    const file = await write('long.log', withDamage(Buffer.concat([long, Buffer.from('\n')])));
    const items = await parseFile(syslogParser, file, TIME);
    assert.deepEqual(logs(items).map((e) => e.origin.raw), real);
    assert.deepEqual(issues(items).map((i) => i.line), [4]);
    assert.deepEqual(logs(items).map((e) => e.origin.line), [1, 2, 3, 5, 6, 7, 8]);
  });

  it('a 10 MB syslog message is an event with all of it', async () => {
    const line = `Mar  8 03:30:00 server kernel: ${'x'.repeat(10 << 20)}`;
    const file = await write('long-event.log', withDamage(Buffer.from(line + '\n')));
    const events = logs(await parseFile(syslogParser, file, TIME));
    assert.equal(events.length, 8);
    assert.equal(events[3].message.length, 10 << 20);
  });

  it('invalid UTF-8: the line is read with U+FFFD and a note names it', async () => {
    // A Latin-1 file name in an upload line: é as the single byte 0xE9.
    const latin1 = Buffer.from(real[4].replace('backup//', 'backup/caf\u00e9/'), 'latin1');
    const file = await write('latin1.log', withDamage(Buffer.concat([latin1, Buffer.from('\n')])));
    const items = await parseFile(syslogParser, file, TIME);
    const events = logs(items);
    assert.equal(events.length, 8);
    assert.match(String(events[3].fields.file), /caf\uFFFD\//);
    assert.equal(events[3].fields.bytes, 891289600);
    assert.deepEqual(notes(items), ['invalid UTF-8 in 1 line (read with U+FFFD in place of the bad bytes), first at line 4']);
  });

  it('a truncated .gz (a real log gzipped, then cut): the whole lines before the cut are read and the cut is noted', async () => {
    // Enough lines that the cut falls well inside the stream: the real log 400 times.
    const text = Array.from({ length: 400 }, () => real.join('\n')).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(text));
    const file = await write('messages.2.gz', gz.subarray(0, Math.floor(gz.length * 0.6)));
    const items = await parseFile(syslogParser, file, TIME);
    const events = logs(items);
    assert.ok(events.length > 100 && events.length < 2800, `${events.length} events`);
    // Every line read is a whole real line, in order.
    events.forEach((e, k) => assert.equal(e.origin.raw, real[k % 7]));
    assert.equal(issues(items).length, 0);
    const [note] = notes(items);
    assert.match(note, new RegExp(`^reading stopped after line ${events.length}: the gzip data ends early \\(unexpected end of file\\); the cut line ${events.length + 1} \\(\\d+ bytes\\) was not read$`));
  });
});

describe('lineBatches', () => {
  async function* chunks(...parts: string[]): AsyncIterable<Buffer> {
    for (const p of parts) yield Buffer.from(p);
  }
  async function split(...parts: string[]): Promise<string[]> {
    const out: string[] = [];
    for await (const batch of lineBatches(chunks(...parts), new ReadDamage())) out.push(...batch);
    return out;
  }

  it('joins lines across chunks, drops CR of CRLF, keeps a last line without newline and empty lines', async () => {
    assert.deepEqual(await split('a\r\nb', 'c\n\nd', 'e'), ['a', 'bc', '', 'de']);
    assert.deepEqual(await split('x\n'), ['x']);
    assert.deepEqual(await split('', 'p', 'q', '\n'), ['pq']);
  });

  it('cuts a line longer than the cap and counts it', async () => {
    const damage = new ReadDamage();
    const big = Buffer.alloc(MAX_LINE_BYTES + 10, 'z');
    async function* gen(): AsyncIterable<Buffer> {
      yield big.subarray(0, 1 << 20);
      yield big.subarray(1 << 20);
      yield Buffer.from('\nnext\n');
    }
    const out: string[] = [];
    for await (const b of lineBatches(gen(), damage)) out.push(...b);
    assert.deepEqual([out.length, out[0].length, out[1]], [2, MAX_LINE_BYTES, 'next']);
    assert.deepEqual(damage.notes(), [`1 line longer than 64 MiB cut to that length, first at line 1`]);
  });
});
