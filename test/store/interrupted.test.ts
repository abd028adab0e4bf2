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
import { syslogLines, tempDir } from './store-helpers.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ingest-child.js');
const LINES = 200_000;
const OPTS = { zone: 'UTC', year: 2008 };

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
});
