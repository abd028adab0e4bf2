import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeStore, openStore, type Store } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { runQuery } from '../../src/commands/query.js';
import { allEvents } from '../../src/store/queries.js';
import { postfixLines, syslogLines, tempDir } from './store-helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-child.js');
const LINES = 200_000;
const OPTS = { zone: 'UTC', year: 2008 };

/** The event packs of a resumed ingest hold each row once: the same events from packs as from rows. */
function assertPacksMatchRows(db: Store): void {
  assert.deepEqual(runQuery(db, 'SELECT events_packed, (SELECT sum(count) FROM event_packs), (SELECT count(*) FROM event_rows) FROM inputs').rows.map(([p, a, b]) => [p, a === b]), [[1, true]]);
  const fromPacks = allEvents(db);
  db.prepare('UPDATE inputs SET events_packed = 0').run();
  assert.deepEqual(fromPacks, allEvents(db));
  db.prepare('UPDATE inputs SET events_packed = 1').run();
}

/** Facts that differ if any row is missing, doubled or different. */
function fingerprint(db: Store): unknown[] {
  return runQuery(
    db,
    `SELECT count(*), count(DISTINCT line), sum(line), sum(ts_us % 1000003), total(length(raw)), total(length(message)),
       (SELECT count(*) FROM skipped_lines) FROM event_rows`,
  ).rows[0];
}

function committedRows(file: string): number {
  try {
    const db = openStore(file, { readonly: true, busyTimeoutMs: 100 });
    try {
      return runQuery(db, 'SELECT count(*) FROM event_rows').rows[0][0] as number;
    } finally {
      closeStore(db);
    }
  } catch {
    return 0; // not created yet, or its schema not yet committed
  }
}

/** Runs a real ingest of `log` into `file` in a child process and kills it with SIGKILL once it has committed rows. */
async function killMidway(file: string, log: string): Promise<void> {
  const child = spawn(process.execPath, [CHILD, file, log], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  let seen = 0;
  while (seen === 0 && Date.now() < deadline && child.exitCode === null) {
    await sleep(10);
    seen = committedRows(file);
  }
  assert.ok(seen > 0, `the child committed nothing in 30 s (exit ${child.exitCode}, ${stderr})`);
  process.kill(child.pid!, 'SIGKILL');
  const [code, signal] = await exited;
  assert.equal(signal, 'SIGKILL', `the child finished before it was killed (exit ${code})`);
}

test('an ingest killed with SIGKILL mid-way is finished by the next one, no duplicates, nothing missing', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'messages');
  const out = createWriteStream(log);
  for (let i = 0; i < LINES; i += 10_000) {
    if (!out.write(syslogLines(i, 10_000) + (i === 100_000 ? 'a line that is not syslog\n' : ''))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');

  const file = path.join(dir, 'case.db');
  await killMidway(file, log);

  const db = openStore(file);
  t.after(() => closeStore(db));
  assert.deepEqual(runQuery(db, 'PRAGMA integrity_check').rows, [['ok']]);
  const [state, stored] = runQuery(db, 'SELECT state, (SELECT count(*) FROM event_rows) FROM inputs').rows[0] as [string, number];
  assert.equal(state, 'reading');
  assert.ok(stored > 0 && stored < LINES, `interrupted mid-way (${stored} of ${LINES} rows committed)`);

  const report = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(report.files.map((f) => f.outcome), ['resumed']);
  assert.equal(report.stored, LINES - stored);

  const clean = openStore(path.join(dir, 'clean.db'));
  t.after(() => closeStore(clean));
  await ingestInputs(clean, [log], OPTS);
  assert.deepEqual(fingerprint(db), fingerprint(clean));
  assert.deepEqual(fingerprint(db).slice(0, 2), [LINES, LINES]);
  assert.deepEqual(runQuery(db, "SELECT state, consumed_lines FROM inputs").rows, [['complete', LINES + 1]]);
  assertPacksMatchRows(db);
});

test('a killed ingest of a postfix log, two records on some lines, is finished without losing one', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const log = path.join(dir, 'maillog');
  const MESSAGES = 12_000;
  const out = createWriteStream(log);
  for (let i = 0; i < MESSAGES; i += 1000) if (!out.write(postfixLines(i, 1000))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const file = path.join(dir, 'case.db');
  await killMidway(file, log);

  const db = openStore(file);
  t.after(() => closeStore(db));
  const stored = runQuery(db, 'SELECT count(*) FROM event_rows').rows[0][0] as number;
  assert.ok(stored > 0 && stored < MESSAGES * 8, `interrupted mid-way (${stored} rows committed)`);
  const report = await ingestInputs(db, [log], OPTS);
  assert.deepEqual(report.files.map((f) => f.outcome), ['resumed']);
  assert.equal(report.stored, MESSAGES * 8 - stored);
  const clean = openStore(path.join(dir, 'clean.db'));
  t.after(() => closeStore(clean));
  await ingestInputs(clean, [log], OPTS);
  const facts = (s: Store) =>
    runQuery(s, "SELECT count(*), sum(line), count(DISTINCT id), sum(action = 'delivery'), total(length(fields)), total(length(coalesce(message, ''))) FROM event_rows").rows[0];
  assert.deepEqual(facts(db), facts(clean));
  assert.deepEqual(facts(db).slice(0, 1), [MESSAGES * 8]);
  assert.deepEqual(runQuery(db, 'SELECT id FROM event_rows ORDER BY id').rows, runQuery(clean, 'SELECT id FROM event_rows ORDER BY id').rows);
  assertPacksMatchRows(db);
});
