import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { closeStore, openStore, StoreError, type Store } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { allEvents, allFlows } from '../../src/store/queries.js';
import { batchSinkFor } from '../../src/store/batch-sink.js';
import { ORDINALS_PER_INPUT } from '../../src/store/schema.js';
import { runQuery } from '../../src/commands/query.js';
import { fixture } from '../helpers.js';
import { postfixLines, syslogLines, tempDir } from './store-helpers.js';

const OPTS = { zone: 'UTC', year: 2008, date: { year: 2008, month: 3, day: 7 }, batchSize: 500 };

function facts(db: Store): unknown {
  return {
    events: runQuery(db, 'SELECT id, line, ts_us, service, action, host, program, pid, fields, message, msg_at, raw FROM event_rows ORDER BY id').rows,
    flows: runQuery(db, 'SELECT * FROM flow_rows ORDER BY id').rows,
    parts: runQuery(db, 'SELECT * FROM flow_parts ORDER BY flow_row, seq').rows,
    skipped: runQuery(db, 'SELECT * FROM skipped_lines ORDER BY input_id, line').rows,
    inputs: runQuery(db, 'SELECT id, state, consumed_lines, records, next_ordinal, notes FROM inputs ORDER BY id').rows,
  };
}

test('a file store is written by the worker, and holds exactly what the main thread would have written', async (t) => {
  const dir = tempDir(t);
  const messages = path.join(dir, 'messages');
  const maillog = path.join(dir, 'maillog');
  writeFileSync(messages, syslogLines(0, 3000) + 'not a syslog line\n' + syslogLines(3000, 1000));
  writeFileSync(maillog, postfixLines(0, 300));
  const inputs = [messages, maillog, fixture('flows', 'ra-bigtransfer-status.txt'), fixture('flows', 'zeek-ftp-ipv6.conn.log')];

  const viaWorker = openStore(path.join(dir, 'worker.db'));
  t.after(() => closeStore(viaWorker));
  const sink = batchSinkFor(viaWorker);
  assert.equal(sink.constructor.name, 'WorkerSink');
  await sink.close();
  const a = await ingestInputs(viaWorker, inputs, OPTS);

  process.env.FLOWLINK_STORE_WORKER = '0';
  t.after(() => delete process.env.FLOWLINK_STORE_WORKER);
  const inline = openStore(path.join(dir, 'inline.db'));
  t.after(() => closeStore(inline));
  assert.equal(batchSinkFor(inline).constructor.name, 'InlineSink');
  const b = await ingestInputs(inline, inputs, OPTS);

  assert.deepEqual([a.stored, a.skipped], [b.stored, b.skipped]);
  assert.equal(a.skipped, 1);
  assert.deepEqual(facts(viaWorker), facts(inline));
  assert.deepEqual(allFlows(viaWorker), allFlows(inline));
  assert.equal(allEvents(viaWorker).length, 4000 + 300 * 8);
  assert.deepEqual(runQuery(viaWorker, 'PRAGMA integrity_check').rows, [['ok']]);
});

test("a row the worker cannot write stops the ingest with one line naming the store; the batch is not half in", async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'case.db');
  const messages = path.join(dir, 'messages');
  writeFileSync(messages, syslogLines(0, 2000));
  const db = openStore(file);
  t.after(() => closeStore(db));
  // A row already where the next input's first event goes (input 2): its INSERT fails in the worker.
  db.exec(`INSERT INTO inputs (id, path, format, dev, ino, size, mtime_ms, fingerprint, fingerprint_len, state, time_context)
             VALUES (1, 'other', 'syslog', 0, 0, 0, 0, 'x', 1, 'complete', '{}');
           INSERT INTO event_rows (id, input_id, line, ts_us, service, message, raw) VALUES (${2 * ORDINALS_PER_INPUT}, 1, 1, 0, 'syslog', 'm', 'r');`);
  await assert.rejects(
    ingestInputs(db, [messages], { ...OPTS, batchSize: 500 }),
    (e: unknown) => e instanceof StoreError && /case\.db: UNIQUE constraint failed: event_rows\.id$/.test(e.message) && !e.message.includes('\n'),
  );
  assert.deepEqual(runQuery(db, 'SELECT count(*) FROM event_rows').rows, [[1]]);
  assert.deepEqual(runQuery(db, "SELECT state, progress_items FROM inputs WHERE id = 2").rows, [['reading', 0]]);
});
