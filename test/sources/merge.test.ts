import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FlowlinkEvent, LogEvent } from '../../src/event.js';
import { openInput } from '../../src/sources/input.js';
import { mergeByTime, ReorderWindow, type MergeInput } from '../../src/sources/merge.js';
import { MICROS_PER_SECOND } from '../../src/time.js';
import { itemBatches } from '../../parsers/batches.js';
import { syslogParser } from '../../parsers/syslog.js';
import { fixture, ROOT } from '../helpers.js';

const TIME = { zone: 'UTC', year: 2008 };
const MIN = 60 * MICROS_PER_SECOND;

async function itemsOf(file: string): Promise<MergeInput> {
  const parsed = syslogParser.parse(await openInput(file), TIME);
  return { batches: itemBatches(parsed), settledBefore: parsed.settledBefore };
}

async function mergeFiles(files: string[], options = {}): Promise<{ events: LogEvent[]; late: ReturnType<ReturnType<typeof mergeByTime>['late']> }> {
  const merged = mergeByTime(await Promise.all(files.map(itemsOf)), options);
  const events: LogEvent[] = [];
  for await (const batch of merged.batches) for (const e of batch) if (e.kind === 'log') events.push(e);
  return { events, late: merged.late() };
}

function log(ts: number, line: number): LogEvent {
  return { kind: 'log', ts, service: 'syslog', fields: {}, message: '', origin: { file: 'x', line, raw: '' } };
}

const nondecreasing = (events: LogEvent[]): boolean => events.every((e, k) => k === 0 || events[k - 1].ts <= e.ts);

let dir = '';
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-merge-'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('mergeByTime on real logs', () => {
  it('a rotated log (messages, messages.1, messages.2.gz) comes out as the one file it was', async () => {
    const lines = (await fs.readFile(path.join(ROOT, 'samples', 'backup-spike', 'messages'), 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 116);
    const text = (from: number, to: number) => lines.slice(from, to).join('\n') + '\n';
    await fs.writeFile(path.join(dir, 'messages.2.gz'), gzipSync(text(0, 40)));
    await fs.writeFile(path.join(dir, 'messages.1'), text(40, 90));
    await fs.writeFile(path.join(dir, 'messages'), text(90, 116));
    // Given newest first, as `ls` or a shell glob would give them.
    const { events, late } = await mergeFiles(['messages', 'messages.1', 'messages.2.gz'].map((f) => path.join(dir, f)));
    assert.deepEqual(events.map((e) => e.origin.raw), lines);
    assert.deepEqual(late, []);
  });

  it('two logs interleave by time; equal times keep the order the inputs were given', async () => {
    const messages = path.join(ROOT, 'samples', 'backup-spike', 'messages');
    const excerpt = fixture('logs', 'pure-ftpd-backup.log'); // lines 94-100 of messages, verbatim
    const { events } = await mergeFiles([messages, excerpt]);
    assert.equal(events.length, 116 + 7);
    assert.ok(nondecreasing(events));
    const at94 = events.findIndex((e) => e.origin.file === messages && e.origin.line === 94);
    assert.deepEqual(
      events.slice(at94, at94 + 4).map((e) => [path.basename(e.origin.file), e.origin.line]),
      [['messages', 94], ['pure-ftpd-backup.log', 1], ['messages', 95], ['pure-ftpd-backup.log', 2]],
    );
  });

  it("postfix's joined deliveries, emitted after later lines, are put back in time order", async () => {
    const file = fixture('logs', 'postfix-transactions.log');
    const raw: FlowlinkEvent[] = [];
    for await (const batch of (await itemsOf(file)).batches) for (const i of batch) if (i.kind === 'log') raw.push(i);
    // The parser's own order is not time order: a message never removed is emitted at the end.
    assert.ok(!nondecreasing(raw as LogEvent[]));
    const { events, late } = await mergeFiles([file]);
    assert.equal(events.length, raw.length);
    assert.ok(nondecreasing(events));
    assert.deepEqual(late, []);
    const deliveries = events.filter((e) => e.action === 'delivery');
    assert.ok(deliveries.length >= 3);
  });
});

describe('ReorderWindow', () => {
  it('puts records that arrive within the window in place, and holds nothing past the window', () => {
    const w = new ReorderWindow(0, 10 * MIN);
    const out: FlowlinkEvent[] = [];
    w.add(log(0, 1), out);
    w.add(log(5 * MIN, 2), out);
    w.add(log(2 * MIN, 3), out); // 3 min early: in place
    w.add(log(5 * MIN, 4), out);
    assert.equal(out.length, 0);
    w.add(log(13 * MIN, 5), out); // releases what is 10 min behind: line 1, then line 3
    assert.deepEqual(out.map((e) => (e as LogEvent).origin.line), [1, 3]);
    w.drain(out);
    assert.deepEqual(out.map((e) => (e as LogEvent).origin.line), [1, 3, 2, 4, 5]);
    assert.equal(w.late, undefined);
  });

  it('passes a record on at once, counted, when something later already went out (a clock stepped back)', () => {
    const w = new ReorderWindow(2, 10 * MIN);
    const out: FlowlinkEvent[] = [];
    w.add(log(60 * MIN, 1), out);
    w.add(log(75 * MIN, 2), out); // line 1 goes out
    w.add(log(30 * MIN, 3), out);
    w.add(log(31 * MIN, 4), out);
    assert.deepEqual(out.map((e) => (e as LogEvent).origin.line), [1, 3, 4]);
    assert.deepEqual([w.late?.input, w.late?.count, (w.late?.first as LogEvent).origin.line, w.late?.behind, w.late?.window], [2, 2, 3, 45 * MIN, 10 * MIN]);
  });

  it('a step back beyond the window is still put in place while nothing later has gone out', () => {
    const w = new ReorderWindow(0, 1 * MIN);
    const out: FlowlinkEvent[] = [];
    w.add(log(0, 1), out);
    w.add(log(10 * MIN, 2), out); // line 1 goes out
    w.add(log(2 * MIN, 3), out); // 8 min back, but after everything that went out
    w.drain(out);
    assert.deepEqual(out.map((e) => (e as LogEvent).origin.line), [1, 3, 2]);
    assert.equal(w.late, undefined);
  });

  it('never holds more than maxHeld records', () => {
    const w = new ReorderWindow(0, 1e15, 3);
    const out: FlowlinkEvent[] = [];
    for (let k = 1; k <= 10; k++) {
      w.add(log(k, k), out);
      assert.ok(w.held <= 3);
    }
    assert.deepEqual(out.map((e) => (e as LogEvent).origin.line), [1, 2, 3, 4, 5, 6, 7]);
  });
});
