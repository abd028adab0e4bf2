import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import type { LogEvent } from '../../src/event.js';
import { decodeEventPackEvents, encodeEventPack, eventPackSpan } from '../../src/store/event-pack.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { allEvents, eventsInWindows } from '../../src/store/queries.js';
import { runQuery } from '../../src/commands/query.js';
import { chooseParser } from '../../parsers/index.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { fixture, parseFile } from '../helpers.js';
import { defined, tempDir } from './store-helpers.js';

const TIME = { zone: 'UTC', year: 2008 };
/** Real lines of each kind: postfix (joined deliveries), pure-ftpd, vsftpd, xferlog, RFC 5424 structured data, access logs, multi-line syslog. */
const FILES = [
  fixture('logs', 'postfix-transactions.log'),
  fixture('logs', 'pure-ftpd-mixed-programs.log'),
  fixture('logs', 'vsftpd-transfers.log'),
  fixture('logs', 'xferlog-variants.log'),
  fixture('logs', 'crowdsec-pfsense-rfc5424-filterlog.log'),
  fixture('logs', 'mtail-apache-combined.log'),
  fixture('logs', 'lnav-macos-syslog-multiline.log'),
  fixture('logs', 'lnav-syslog-repeated-msg.log'),
];

async function eventsOf(file: string): Promise<LogEvent[]> {
  const input = await openInput(file);
  const found = chooseParser(file, input.head, headLines(input.head), {});
  assert.ok(found, file);
  return (await parseFile(found.parser, file, TIME)).filter((i): i is LogEvent => i.kind === 'log');
}

test('a pack gives back the events it was made of, field for field, absent fields absent; a window picks by time', async () => {
  for (const file of FILES) {
    const events = await eventsOf(file);
    assert.ok(events.length > 0, file);
    const rows = events.map((event, k) => ({ id: 2 ** 32 * 5 + k * 2, line: event.origin.line, event }));
    const pack = encodeEventPack(rows);
    // An odd offset: a BLOB's bytes need not be aligned.
    const shifted = Buffer.concat([Buffer.alloc(1), pack]).subarray(1);
    const span = eventPackSpan(shifted);
    const times = events.map((e) => e.ts);
    assert.deepEqual(span, { count: events.length, firstId: rows[0].id, minTs: Math.min(...times), maxTs: Math.max(...times) }, file);
    const ids: number[] = [];
    const back: LogEvent[] = [];
    decodeEventPackEvents(shifted, file, -Infinity, Infinity, ids, back);
    assert.deepEqual(ids, rows.map((r) => r.id), file);
    assert.deepEqual(back, defined(events), file);

    const sorted = [...times].sort((a, b) => a - b);
    const [from, to] = [sorted[Math.floor(sorted.length / 3)], sorted[Math.floor((2 * sorted.length) / 3)]];
    const picked: LogEvent[] = [];
    decodeEventPackEvents(shifted, file, from, to, [], picked);
    assert.deepEqual(picked, defined(events.filter((e) => e.ts >= from && e.ts <= to)), file);
  }
  const joined = (await eventsOf(FILES[0])).filter((e) => e.action === 'delivered' || e.fields.queue_id !== undefined);
  assert.ok(joined.length > 0, 'postfix events with fields are covered');
});

test('events read from packs equal events read from rows; a log that grew past a cut line falls back to its rows', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  const text = readFileSync(FILES[1], 'utf8');
  // Cut inside a line's message, after the half: the partial line is stored as an event as read, then read again.
  const cut = text.indexOf('\n', text.indexOf('\n', Math.floor(text.length / 2)) + 1) - 5;
  writeFileSync(log, text.slice(0, cut));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [log, FILES[0], FILES[2]], { ...TIME, batchSize: 20 });
  assert.deepEqual(runQuery(db, 'SELECT events_packed FROM inputs ORDER BY id').rows, [[1], [1], [1]]);
  assert.ok((runQuery(db, 'SELECT count(*) FROM event_packs').rows as [[number]])[0][0] > 3, 'a pack per batch');
  const fromPacks = allEvents(db);
  const times = fromPacks.map((e) => e.ts);
  const windows = [
    { from: times[3], to: times[40] },
    { from: times[60], to: times[60] },
    { from: times.at(-20)!, to: times.at(-1)! + 1 },
  ];
  const windowFromPacks = eventsInWindows(db, windows);
  assert.ok(windowFromPacks.length > 40);
  db.prepare('UPDATE inputs SET events_packed = 0').run();
  assert.deepEqual(fromPacks, allEvents(db));
  assert.deepEqual(windowFromPacks, eventsInWindows(db, windows));
  db.prepare('UPDATE inputs SET events_packed = 1').run();

  // The cut last line was stored as read; the grown file's rows replace it, and its packs go.
  const packsOfLog = "SELECT p.first_id FROM event_packs p JOIN inputs i ON i.id = p.input_id WHERE i.path LIKE '%/messages'";
  const before = runQuery(db, packsOfLog).rows.flat();
  assert.ok(before.length > 0);
  appendFileSync(log, text.slice(cut));
  await ingestInputs(db, [log], { ...TIME, batchSize: 20 });
  assert.deepEqual(runQuery(db, "SELECT events_packed FROM inputs WHERE path LIKE '%/messages'").rows, [[0]]);
  assert.ok(runQuery(db, packsOfLog).rows.flat().every((id) => !before.includes(id)), 'the packs holding the cut line are gone');
  const whole = (await eventsOf(FILES[1])).map((e) => ({ ...e, origin: { ...e.origin, file: log } }));
  const expected = defined([...whole, ...(await eventsOf(FILES[0])), ...(await eventsOf(FILES[2]))]);
  const key = (e: LogEvent) => `${e.ts} ${e.origin.file} ${e.origin.line} ${e.service} ${e.action ?? ''}`;
  assert.deepEqual(allEvents(db).map(key).sort(), expected.map(key).sort());
});

test('a one-run store in memory keeps no event packs', async (t) => {
  const db = openStore();
  t.after(() => closeStore(db));
  await ingestInputs(db, [FILES[0]], { ...TIME, batchSize: 20 });
  assert.deepEqual(runQuery(db, 'SELECT events_packed, (SELECT count(*) FROM event_packs) FROM inputs').rows, [[0, 0]]);
  assert.deepEqual(allEvents(db), defined(await eventsOf(FILES[0])).sort((a, b) => a.ts - b.ts));
});
