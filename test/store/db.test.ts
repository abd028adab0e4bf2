import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { closeStore, openStore, schemaVersionOf, StoreError } from '../../src/store/db.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { ingestCommand } from '../../src/commands/ingest.js';
import { queryCommand } from '../../src/commands/query.js';
import { isFlowlinkError } from '../../src/errors.js';
import { fixture, ROOT } from '../helpers.js';
import { tempDir } from './store-helpers.js';

const LOG = fixture('logs', 'pure-ftpd-backup.log');
const OPTS = { zone: 'UTC', year: 2008 };
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function assertStoreError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.ok(isFlowlinkError(error) && error.exitCode === 2);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('a new file store gets the current schema version, in WAL mode', (t) => {
  const file = path.join(tempDir(t), 'case.db');
  const db = openStore(file);
  assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  closeStore(db);
  const again = openStore(file);
  assert.equal(schemaVersionOf(again), SCHEMA_VERSION);
  closeStore(again);
});

test('the default store is in memory', () => {
  const db = openStore();
  assert.equal(db.memory, true);
  assert.equal(schemaVersionOf(db), SCHEMA_VERSION);
  closeStore(db);
});

test('a store written by a newer flowlink is refused and left unchanged', (t) => {
  const file = path.join(tempDir(t), 'case.db');
  const db = openStore(file);
  db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
  closeStore(db);
  const before = sha(file);
  assertStoreError(() => openStore(file), new RegExp(`newer flowlink \\(store schema ${SCHEMA_VERSION + 1}; this flowlink reads up to ${SCHEMA_VERSION}\\)`));
  assertStoreError(() => openStore(file, { readonly: true }), /newer flowlink/);
  assert.equal(sha(file), before);
});

test('a file that is not SQLite is refused without being touched', async (t) => {
  const file = path.join(tempDir(t), 'notes.db');
  writeFileSync(file, 'these are my notes, not a database\n'.repeat(100));
  const before = sha(file);
  assertStoreError(() => openStore(file), /not a flowlink store \(not an SQLite database\)/);
  await assert.rejects(ingestCommand(file, [LOG], OPTS), /not a flowlink store/);
  assert.throws(() => queryCommand(file, 'SELECT 1'), /not a flowlink store/);
  assert.equal(sha(file), before);
});

test('a damaged store gives a clear error and is left as it was', async (t) => {
  const file = path.join(tempDir(t), 'case.db');
  await ingestCommand(file, [LOG], OPTS);
  const bytes = readFileSync(file);
  const page = 4096;
  // Keep page 1 (the header and schema), wreck every page after it.
  bytes.fill(0xa5, page);
  writeFileSync(file, bytes);
  const before = sha(file);
  assert.throws(() => queryCommand(file, 'SELECT count(*) FROM events'), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.match(error.message, /is damaged|not a flowlink store/);
    return true;
  });
  assert.equal(sha(file), before);
});

test('an SQLite file of another program is not taken over', (t) => {
  const file = path.join(tempDir(t), 'other.db');
  const db = openStore(path.join(path.dirname(file), 'scratch.db'));
  db.exec(`ATTACH '${file}' AS other; CREATE TABLE other.things (x); DETACH other;`);
  closeStore(db);
  const before = sha(file);
  assertStoreError(() => openStore(file), /an SQLite database but not a flowlink store/);
  assert.equal(sha(file), before);
});

test('a write-protected store can be queried but not ingested into', async (t) => {
  const file = path.join(tempDir(t), 'case.db');
  await ingestCommand(file, [LOG], OPTS);
  chmodSync(file, 0o444);
  const before = sha(file);
  await assert.rejects(ingestCommand(file, [LOG], OPTS), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.match(error.message, /read-only/);
    return true;
  });
  assert.match(queryCommand(file, 'SELECT count(*) AS n FROM events'), /\b7\b/);
  assert.equal(sha(file), before);
  assert.equal(statSync(file).mode & 0o777, 0o444);
});

test('a store another process is writing is reported as locked', async (t) => {
  const file = path.join(tempDir(t), 'case.db');
  const holder = openStore(file);
  t.after(() => closeStore(holder));
  holder.exec('BEGIN IMMEDIATE');
  await assert.rejects(ingestCommand(file, [LOG], { ...OPTS, busyTimeoutMs: 50 }), (error: unknown) => {
    assert.ok(error instanceof StoreError);
    assert.match(error.message, /is locked by another process/);
    return true;
  });
  holder.exec('ROLLBACK');
  const report = await ingestCommand(file, [LOG], { ...OPTS, busyTimeoutMs: 50 });
  assert.equal(report.stored, 7);
});

test('query on a missing store says so', (t) => {
  const file = path.join(tempDir(t), 'missing.db');
  assertStoreError(() => queryCommand(file, 'SELECT 1'), /no such store/);
});

test('through the CLI: a damaged, a foreign and a write-protected store exit 2 with one message, no stack trace', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir(t);
  const cli = path.join(ROOT, 'dist', 'src', 'cli.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  const damaged = path.join(dir, 'damaged.db');
  await ingestCommand(damaged, [LOG], OPTS);
  const bytes = readFileSync(damaged);
  bytes.fill(0xa5, 4096);
  writeFileSync(damaged, bytes);
  const notes = path.join(dir, 'notes.db');
  writeFileSync(notes, 'not a database\n'.repeat(10));
  const protectedDb = path.join(dir, 'protected.db');
  await ingestCommand(protectedDb, [LOG], OPTS);
  chmodSync(protectedDb, 0o444);
  // SQLite intact, one packed copy of events damaged: the reader says which, the file stays as it was.
  const badPack = path.join(dir, 'bad-pack.db');
  await ingestCommand(badPack, [LOG], OPTS);
  const raw = openStore(badPack);
  assert.equal(raw.prepare("UPDATE event_packs SET data = x'00ff00ff' WHERE first_id = (SELECT min(first_id) FROM event_packs)").run().changes, 1);
  closeStore(raw);
  const cases: [string[], RegExp][] = [
    [['events', '--db', badPack], /bad-pack\.db: event_packs row \d+ is damaged \(/],
    [['query', '--db', damaged, 'SELECT count(*) FROM events'], /is damaged|not a flowlink store/],
    [['explain', '--db', damaged], /is damaged|not a flowlink store/],
    [['ingest', '--db', notes, LOG], /not a flowlink store \(not an SQLite database\)/],
    [['ingest', '--db', protectedDb, LOG], /read-only/],
  ];
  for (const [args, pattern] of cases) {
    const before = readFileSync(args[2]);
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr.split('\n')[0], pattern);
    assert.match(r.stderr, /^flowlink: [^\n]+\n(  hint: [^\n]+\n)?$/);
    assert.deepEqual(readFileSync(args[2]), before, `${args[2]} unchanged`);
  }
});
