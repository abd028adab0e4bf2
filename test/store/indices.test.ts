import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { closeStore, openStore, type Store } from '../../src/store/db.js';
import { DEFERRED_INDICES, dropRecordIndices, shouldDeferIndices, DEFER_MIN_BYTES } from '../../src/store/indices.js';
import { RECORD_INDICES } from '../../src/store/schema.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { runQuery } from '../../src/commands/query.js';
import { syslogLines, tempDir } from './store-helpers.js';

const recordIndices = (db: Store): number =>
  runQuery(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name LIKE '%_rows_by_%'").rows[0][0] as number;

test('a store left without its record indices (an ingest killed while they were dropped) gets them back when opened for writing', (t) => {
  const file = path.join(tempDir(t), 'case.db');
  const db = openStore(file);
  dropRecordIndices(db);
  // Only the address indices are dropped: the time-keyed ones are kept up to date (appends).
  assert.deepEqual(DEFERRED_INDICES.map((s) => s.split(' ')[0]), ['flow_rows_by_src', 'flow_rows_by_dst']);
  const kept = RECORD_INDICES.length - DEFERRED_INDICES.length;
  assert.equal(recordIndices(db), kept);
  closeStore(db);
  const readonly = openStore(file, { readonly: true });
  assert.equal(recordIndices(readonly), kept, 'a read-only open changes nothing');
  closeStore(readonly);
  const again = openStore(file);
  t.after(() => closeStore(again));
  assert.equal(recordIndices(again), RECORD_INDICES.length);
});

test('indices are built after the rows only when the input is big next to the store', async (t) => {
  const dir = tempDir(t);
  const db = openStore(path.join(dir, 'case.db'));
  t.after(() => closeStore(db));
  assert.equal(shouldDeferIndices(db, DEFER_MIN_BYTES - 1), false);
  assert.equal(shouldDeferIndices(db, DEFER_MIN_BYTES), true);
  const log = path.join(dir, 'messages');
  writeFileSync(log, syslogLines(0, 1000));
  await ingestInputs(db, [log], { zone: 'UTC', year: 2008 });
  // 1000 records stored: 8 MiB of input (~84,000 records) is still bigger; 80 KB would not be.
  assert.equal(shouldDeferIndices(db, DEFER_MIN_BYTES), true);
  assert.equal(shouldDeferIndices(db, 80_000), false);
});
