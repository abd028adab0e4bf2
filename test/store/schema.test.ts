import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { closeStore, openStore, schemaVersionOf } from '../../src/store/db.js';
import { MIGRATIONS, ORDINALS_PER_INPUT, SCHEMA_VERSION } from '../../src/store/schema.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { runQuery } from '../../src/commands/query.js';
import { syslogLines, tempDir } from './store-helpers.js';
import { writeFileSync } from 'node:fs';

/** A store as flowlink's schema 1 wrote it: one input read whole, one interrupted; a flow with parts; an explanation citing both. */
function writeV1Store(file: string, log: string): void {
  const db = new Database(file);
  MIGRATIONS[0].up(db);
  db.exec(`
    INSERT INTO meta VALUES ('schema_version', '1');
    INSERT INTO inputs (id, path, format, dev, ino, size, mtime_ms, fingerprint, fingerprint_len, consumed_bytes, consumed_lines, state, time_context)
      VALUES (1, 'argus.txt', 'argus-text', 1, 1, 100, 0, 'aa', 10, 100, 2, 'complete', '{}'),
             (2, '${log}', 'syslog', 1, 2, 10, 0, 'bb', 10, 0, 0, 'reading', '{"zone":"UTC","year":2008}');
    INSERT INTO flow_rows (id, input_id, line, flow_id, start_us, end_us, proto, src, sport, dst, dport, pkts, bytes, byte_basis, records, part_count, raw)
      VALUES (7, 1, 2, '6:a-b@1', 1000000, 5000000, 6, '10.0.0.1', 1, '10.0.0.2', 21, 10, 1000, 'link', 2, 2, 'row 2'),
             (9, 1, 3, '6:c-d@2', 2000000, 3000000, 6, '10.0.0.3', 2, '10.0.0.2', 80, 5, 500, 'link', 1, 0, 'row 3');
    INSERT INTO flow_parts VALUES (7, 0, 1000000, 2000000, 4, 400), (7, 1, 2000000, 5000000, 6, 600);
    INSERT INTO event_rows (id, input_id, line, ts_us, service, fields, message, raw) VALUES
      (3, 2, 1, 1500000, 'syslog', NULL, 'half read', 'Mar  6 00:00:01 h x: half read');
    INSERT INTO analysis_runs (id, rules_version) VALUES (1, 'v1');
    INSERT INTO spike_rows VALUES (1, 1, 1, 0, 9000000, 0, 1500, 10, 1490, 9, '[]', 0, '[]');
    INSERT INTO explanation_rows VALUES (1, 1, 1, 'r', 'R', 0.9, 's', '[]', 1000);
    INSERT INTO explanation_flows VALUES (1, '6:a-b@1', 7);
  `);
  db.close();
}

test('a schema 1 store is upgraded in place: rows keep their content and links, an interrupted input is read again', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 50));
  const file = path.join(dir, 'case.db');
  writeV1Store(file, log);
  const db = openStore(file);
  t.after(() => closeStore(db));
  assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
  assert.deepEqual(runQuery(db, 'SELECT id, line, raw FROM flows ORDER BY id').rows, [
    [ORDINALS_PER_INPUT, 2, 'row 2'],
    [ORDINALS_PER_INPUT + 1, 3, 'row 3'],
  ]);
  assert.deepEqual(runQuery(db, 'SELECT flow_row, seq, bytes FROM flow_parts ORDER BY seq').rows, [
    [ORDINALS_PER_INPUT, 0, 400],
    [ORDINALS_PER_INPUT, 1, 600],
  ]);
  assert.deepEqual(runQuery(db, 'SELECT flow_row FROM explanation_flows').rows, [[ORDINALS_PER_INPUT]]);
  assert.deepEqual(runQuery(db, 'SELECT id, records, next_ordinal FROM inputs ORDER BY id').rows, [[1, 2, 2], [2, 0, 0]]);
  // The interrupted input's rows were dropped; the next ingest reads the file whole, once.
  assert.deepEqual(runQuery(db, 'SELECT count(*) FROM events').rows, [[0]]);
  assert.deepEqual(runQuery(db, 'SELECT rules_version, explanations FROM spikes').rows, [['v1', 1]]);
  assert.deepEqual(runQuery(db, 'PRAGMA foreign_key_check').rows, []);
  assert.deepEqual(runQuery(db, 'PRAGMA integrity_check').rows, [['ok']]);
  closeStore(db);
  // Opening again is not another migration.
  const again = openStore(file);
  t.after(() => closeStore(again));
  assert.equal(schemaVersionOf(again), SCHEMA_VERSION);
});

test('a schema 1 store read-only is not upgraded: query asks for an ingest first', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'case.db');
  writeV1Store(file, path.join(dir, 'messages'));
  assert.throws(() => openStore(file, { readonly: true }), new RegExp(`has store schema 1, older than this flowlink's ${SCHEMA_VERSION}`));
});

test('a fresh ingest after the upgrade continues the input ids and ordinals', async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 50));
  const file = path.join(dir, 'case.db');
  writeV1Store(file, 'elsewhere/messages');
  const db = openStore(file);
  t.after(() => closeStore(db));
  const report = await ingestInputs(db, [log], { zone: 'UTC', year: 2008 });
  assert.deepEqual(report.files.map((f) => [f.outcome, f.stored, f.inputId]), [['new', 50, 3]]);
  assert.deepEqual(runQuery(db, 'SELECT min(id), max(id), count(*) FROM event_rows').rows, [[3 * ORDINALS_PER_INPUT, 3 * ORDINALS_PER_INPUT + 49, 50]]);
});

test('a schema 2 store gains spike triggers and figures and the inputs\' assembly settings; old spikes read as unknown', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'case.db');
  const old = new Database(file);
  MIGRATIONS[0].up(old);
  MIGRATIONS[1].up(old);
  old.exec(`
    INSERT INTO meta VALUES ('schema_version', '2');
    INSERT INTO inputs (id, path, format, dev, ino, size, mtime_ms, fingerprint, fingerprint_len, state, time_context)
      VALUES (1, 'capture.pcap', 'pcap', 1, 1, 100, 0, 'aa', 10, 'complete', '{}');
    INSERT INTO analysis_runs (id, rules_version) VALUES (1, 'v2');
    INSERT INTO spike_rows (id, run_id, number, start_us, end_us, peak_us, bytes, baseline_bytes, excess_bytes, score, hosts, unexplained_bytes, unexplained)
      VALUES (1, 1, 1, 0, 9000000, 0, 1500, 10, 1490, 9, '[{"host":"10.0.0.2"}]', 0, '[]');
  `);
  old.close();
  const db = openStore(file);
  t.after(() => closeStore(db));
  assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
  assert.deepEqual(runQuery(db, 'SELECT spike, bytes, top_host, triggers, pkts, flows_started, detected FROM spikes').rows, [[1, 1500, '10.0.0.2', null, null, null, 1]]);
  assert.deepEqual(runQuery(db, 'SELECT path, assembly FROM inputs').rows, [['capture.pcap', null]]);
  assert.deepEqual(runQuery(db, 'PRAGMA integrity_check').rows, [['ok']]);
});

test('a schema 3 store gains event packs: its stored events stay read from their rows, inputs without events are packed from now on', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'case.db');
  const old = new Database(file);
  for (const m of MIGRATIONS.filter((m) => m.to <= 3)) m.up(old);
  const id = (input: number, ordinal: number) => input * ORDINALS_PER_INPUT + ordinal;
  old.exec(`
    INSERT INTO meta VALUES ('schema_version', '3');
    INSERT INTO inputs (id, path, format, dev, ino, size, mtime_ms, fingerprint, fingerprint_len, state, time_context, records, next_ordinal)
      VALUES (1, 'argus.txt', 'argus-text', 1, 1, 100, 0, 'aa', 10, 'complete', '{}', 0, 0),
             (2, 'messages', 'syslog', 1, 2, 10, 0, 'bb', 10, 'complete', '{"zone":"UTC","year":2008}', 2, 2);
    INSERT INTO event_rows (id, input_id, line, ts_us, service, fields, message, msg_at, raw) VALUES
      (${id(2, 0)}, 2, 1, 1500000, 'syslog', NULL, NULL, 21, 'Mar  6 00:00:01 h x: first'),
      (${id(2, 1)}, 2, 2, 2500000, 'ftp', '{"user":"backup"}', NULL, 21, 'Mar  6 00:00:02 h x: second');
  `);
  old.close();
  const db = openStore(file);
  t.after(() => closeStore(db));
  assert.equal(schemaVersionOf(db), 4);
  assert.deepEqual(runQuery(db, 'SELECT id, events_packed FROM inputs ORDER BY id').rows, [[1, 1], [2, 0]]);
  const { allEvents } = await import('../../src/store/queries.js');
  assert.deepEqual(allEvents(db).map((e) => [e.ts, e.service, e.message, e.fields]), [[1500000, 'syslog', 'first', {}], [2500000, 'ftp', 'second', { user: 'backup' }]]);
  assert.deepEqual(runQuery(db, 'PRAGMA integrity_check').rows, [['ok']]);
});
