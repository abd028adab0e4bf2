import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ingestCommand } from '../../src/commands/ingest.js';
import { queryCommand, QueryError } from '../../src/commands/query.js';
import { fixture } from '../helpers.js';
import { tempDir } from './store-helpers.js';

async function store(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const file = path.join(tempDir(t), 'case.db');
  await ingestCommand(file, [fixture('logs', 'pure-ftpd-backup.log')], { zone: 'UTC', year: 2008 });
  return file;
}

const SQL = "SELECT line, action, user, bytes FROM events WHERE action = 'upload' ORDER BY line";

test('query prints an aligned table with numbers right-aligned', async (t) => {
  const out = queryCommand(await store(t), SQL, 'table');
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0], /^line  action\s+user\s+bytes$/);
  assert.match(lines[1], /^-+  -+/);
  assert.match(lines.at(-1)!, /^\(\d+ rows?\)$/);
  const widths = new Set(lines.slice(0, -1).map((l) => l.length));
  assert.ok(widths.size <= 2, 'columns line up');
});

test('query --csv and --json give the same rows for scripts', async (t) => {
  const file = await store(t);
  const json = JSON.parse(queryCommand(file, SQL, 'json')) as Record<string, unknown>[];
  assert.ok(json.length > 0);
  const csv = queryCommand(file, SQL, 'csv').trimEnd().split('\r\n');
  assert.equal(csv[0], 'line,action,user,bytes');
  assert.equal(csv.length, json.length + 1);
  assert.deepEqual(csv[1].split(','), Object.values(json[0]).map((v) => (v === null ? '' : String(v))));
});

test('an SQL mistake is one clear line; writes are refused and the store is not changed', async (t) => {
  const file = await store(t);
  const oneLine = (pattern: RegExp) => (error: unknown) => {
    assert.ok(error instanceof QueryError);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  };
  assert.throws(() => queryCommand(file, 'SELEC * FROM events'), oneLine(/^query failed: near "SELEC": syntax error$/));
  assert.throws(() => queryCommand(file, 'SELECT * FROM nowhere'), oneLine(/no such table: nowhere/));
  assert.throws(() => queryCommand(file, 'DELETE FROM event_rows'), oneLine(/only reads: 'DELETE'/));
  assert.throws(() => queryCommand(file, 'SELECT 1; SELECT 2'), oneLine(/one SQL statement/));
  assert.match(queryCommand(file, 'SELECT count(*) AS n FROM events'), /\b7\b/);
});
