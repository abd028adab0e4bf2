import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { closeStore, openStore, type Store } from '../../src/store/db.js';
import { ingestInputs, type IngestOptions } from '../../src/store/ingest.js';
import { allEvents, allFlows } from '../../src/store/queries.js';
import { runQuery } from '../../src/commands/query.js';
import { fixture } from '../helpers.js';
import { postfixLines, syslogLines, tempDir } from './store-helpers.js';
import { RECORD_INDICES } from '../../src/store/schema.js';

const OPTS: IngestOptions = { zone: 'UTC', year: 2008 };

/** What a store holds, without row ids or file names: equal for equal content. */
function contents(db: Store): unknown {
  return {
    events: allEvents(db).map((e) => ({ ...e, origin: { ...e.origin, file: path.basename(e.origin.file) } })),
    flows: allFlows(db).map((f) => ({ ...f, origin: { ...f.origin, file: path.basename(f.origin.file) } })),
    skipped: runQuery(db, 'SELECT line, reason FROM skipped ORDER BY file, line').rows,
  };
}

async function cleanIngest(files: string[], options: IngestOptions = OPTS): Promise<unknown> {
  const db = openStore();
  try {
    await ingestInputs(db, files, options);
    return contents(db);
  } finally {
    closeStore(db);
  }
}

function count(db: Store, sql: string): number {
  return runQuery(db, sql).rows[0][0] as number;
}

test('an unchanged file is skipped on the next ingest', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 300));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  const first = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(first.files.map((f) => [f.outcome, f.stored]), [['new', 300]]);
  const second = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(second.files.map((f) => [f.outcome, f.stored, f.skipped]), [['unchanged', 0, 0]]);
  assert.equal(count(db, 'SELECT count(*) FROM events'), 300);
});

test('a log that grew is read from where it stopped, lines numbered on', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 1000));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [log], OPTS);
  const consumed = runQuery(db, 'SELECT consumed_bytes, consumed_lines FROM inputs').rows[0];
  assert.deepEqual(consumed, [readFileSync(log).length, 1000]);
  appendFileSync(log, syslogLines(1000, 500) + 'not a syslog line\n');
  const grown = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(grown.files.map((f) => [f.outcome, f.stored, f.skipped]), [['grown', 500, 1]]);
  assert.deepEqual(runQuery(db, 'SELECT min(line), max(line), count(DISTINCT line) FROM events').rows, [[1, 1500, 1500]]);
  assert.deepEqual(runQuery(db, 'SELECT line FROM skipped').rows, [[1501]]);
  assert.deepEqual(contents(db), await cleanIngest([log]));
});

test('a flow file with header lines that grew is read on with its header replayed', async (t) => {
  const dir = tempDir(t);
  const conn = path.join(dir, 'conn.log');
  const lines = readFileSync(fixture('flows', 'bro-conn-http-2011.log'), 'utf8').split('\n');
  writeFileSync(conn, lines.slice(0, 50).join('\n') + '\n');
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  const first = await ingestInputs(db, [conn], OPTS);
  assert.equal(first.files[0].stored, 42);
  assert.deepEqual(runQuery(db, 'SELECT prelude_lines FROM inputs').rows, [[8]]);
  appendFileSync(conn, lines.slice(50).join('\n'));
  const grown = await ingestInputs(db, [conn], OPTS);
  assert.deepEqual(grown.files.map((f) => [f.outcome, f.stored, f.skipped]), [['grown', 50, 0]]);
  assert.deepEqual(contents(db), await cleanIngest([conn]));
});

test('a last line still being written is read again whole when the file grows', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  const full = syslogLines(0, 20);
  const cut = full.indexOf('\n', full.length / 2) + 20;
  writeFileSync(log, full.slice(0, cut));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [log], OPTS);
  const partial = count(db, 'SELECT count(*) FROM events') + count(db, 'SELECT count(*) FROM skipped');
  assert.ok(partial >= 10);
  appendFileSync(log, full.slice(cut));
  await ingestInputs(db, [log], OPTS);
  assert.deepEqual(contents(db), await cleanIngest([log]));
});

test('a rotated log is recognized by identity, not name, and nothing is stored twice', async (t) => {
  const dir = tempDir(t);
  const logs = path.join(dir, 'logs');
  const messages = path.join(logs, 'messages');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(logs);
  writeFileSync(messages, syslogLines(0, 1000));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [logs], OPTS);
  // syslogd writes a little more, then logrotate renames the file and a new one starts.
  appendFileSync(messages, syslogLines(1000, 100));
  renameSync(messages, path.join(logs, 'messages.1'));
  writeFileSync(messages, syslogLines(1100, 200));
  const rotated = await ingestInputs(db, [logs], OPTS);
  assert.deepEqual(
    rotated.files.map((f) => [path.basename(f.path), f.outcome, f.stored, f.previousPath && path.basename(f.previousPath)]),
    [
      ['messages', 'new', 200, undefined],
      ['messages.1', 'rotated', 100, 'messages'],
    ],
  );
  assert.equal(count(db, 'SELECT count(*) FROM events'), 1300);
  assert.equal(count(db, 'SELECT count(*) FROM (SELECT DISTINCT ts_us, raw FROM events)'), 1300);
  // The next rotation compresses it: same content, so nothing new.
  writeFileSync(path.join(logs, 'messages.2.gz'), gzipSync(readFileSync(path.join(logs, 'messages.1'))));
  rmSync(path.join(logs, 'messages.1'));
  renameSync(messages, path.join(logs, 'messages.1'));
  const again = await ingestInputs(db, [logs], OPTS);
  assert.deepEqual(
    again.files.map((f) => [path.basename(f.path), f.outcome, f.stored]),
    [
      ['messages.1', 'rotated', 0],
      ['messages.2.gz', 'rotated', 0],
    ],
  );
  assert.equal(count(db, 'SELECT count(*) FROM inputs'), 2);
  assert.equal(count(db, 'SELECT count(*) FROM events'), 1300);
});

test('the same file given twice, or a copy of it, is stored once', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 100));
  const copy = path.join(dir, 'messages.copy');
  copyFileSync(log, copy);
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  const report = await ingestInputs(db, [log, log, copy], OPTS);
  assert.deepEqual(report.files.map((f) => [f.outcome, f.stored]), [['new', 100], ['duplicate', 0], ['duplicate', 0]]);
  const later = await ingestInputs(db, [copy], OPTS);
  assert.deepEqual(later.files.map((f) => [f.outcome, f.stored]), [['rotated', 0]]);
  assert.equal(count(db, 'SELECT count(*) FROM events'), 100);
});

test('a file rewritten in place (copytruncate) is a new input', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 100));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  await ingestInputs(db, [log], OPTS);
  writeFileSync(log, syslogLines(5000, 30));
  const report = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(report.files.map((f) => [f.outcome, f.stored]), [['new', 30]]);
  assert.equal(count(db, 'SELECT count(*) FROM events'), 130);
  assert.equal(count(db, 'SELECT count(*) FROM inputs'), 2);
});

test('ingesting every file of a sample twice stores each record once', async (t) => {
  const dir = tempDir(t);
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  const files = [fixture('flows', 'zeek-ftp-ipv4.conn.log'), fixture('logs', 'pure-ftpd-backup.log'), fixture('logs', 'lnav-syslog-rfc3164.log')];
  await ingestInputs(db, files, OPTS);
  const once = contents(db);
  await ingestInputs(db, files, OPTS);
  assert.deepEqual(contents(db), once);
  assert.deepEqual(contents(db), await cleanIngest(files));
});

test('a postfix log keeps every record, the delivery events on their first line included', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'maillog');
  writeFileSync(log, postfixLines(0, 300));
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  const first = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(first.files.map((f) => [f.format, f.stored]), [['postfix', 300 * 8]]);
  assert.deepEqual(runQuery(db, "SELECT count(*), count(DISTINCT line) FROM events WHERE action = 'delivery'").rows, [[300, 300]]);
  // Each delivery shares its line with that line's own event.
  assert.equal(count(db, "SELECT count(*) FROM events d JOIN events e ON e.line = d.line AND e.id <> d.id WHERE d.action = 'delivery'"), 300);
  appendFileSync(log, postfixLines(300, 100));
  const grown = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(grown.files.map((f) => [f.outcome, f.stored]), [['grown', 100 * 8]]);
  assert.deepEqual(contents(db), await cleanIngest([log]));
  // The message is stored once, as the end of the raw line, and the view gives it back whole.
  assert.deepEqual(runQuery(db, "SELECT count(*) FROM event_rows WHERE message IS NULL").rows, [[400 * 7]]);
  assert.deepEqual(runQuery(db, "SELECT message FROM events WHERE line = 7").rows, [['2BD192839B: removed']]);
});

test('a big first ingest builds the indices after its rows, and the store has them all', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 2000));
  const indexNames = (db: Store) => runQuery(db, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE '%rows_by%' ORDER BY name").rows.flat();
  const during = openStore(path.join(dir, 'during.db'));
  t.after(() => closeStore(during));
  await ingestInputs(during, [log], { ...OPTS, indices: 'during' });
  const after = openStore(path.join(dir, 'after.db'));
  t.after(() => closeStore(after));
  await ingestInputs(after, [log], { ...OPTS, indices: 'after' });
  assert.equal(indexNames(after).length, RECORD_INDICES.length);
  assert.deepEqual(indexNames(after), indexNames(during));
  assert.deepEqual(contents(after), contents(during));
  assert.deepEqual(runQuery(after, 'PRAGMA integrity_check').rows, [['ok']]);
});
