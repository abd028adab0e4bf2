// `flowlink ingest` as a user runs it: the flow assembly flags reach a capture's flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fixture, ROOT } from '../helpers.js';
import { tempDir } from '../store/store-helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const CAPTURE = fixture('pcap', 'zeek-ftp-bigtransfer.pcap');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const parts = (db: string): number => (JSON.parse(run('query', '--db', db, 'SELECT count(*) AS n FROM flow_parts', '--json').stdout) as { n: number }[])[0].n;

test('ingest --status-interval / --idle-timeout make the flows of a capture and are kept with it', (t) => {
  const dir = tempDir(t);
  const coarse = path.join(dir, 'coarse.db');
  const fine = path.join(dir, 'fine.db');
  const a = run('ingest', '--db', coarse, '--status-interval', '60s', '--idle-timeout', '5m', CAPTURE);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(run('ingest', '--db', fine, CAPTURE).code, 0);
  assert.ok(parts(coarse) < parts(fine), `fewer status records at 60 s than at 5 s (${parts(coarse)} vs ${parts(fine)})`);
  const q = run('query', '--db', coarse, "SELECT json_extract(assembly, '$.statusInterval') AS si, json_extract(assembly, '$.idleTimeout') AS it FROM inputs", '--json');
  assert.deepEqual(JSON.parse(q.stdout), [{ si: 60_000_000, it: 300_000_000 }]);
  // The same capture again with other settings: skipped, kept as it was, and said so.
  const again = run('ingest', '--db', coarse, '--status-interval', '1s', CAPTURE);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /unchanged, skipped: 0 new records/);
  assert.match(again.stdout, /note: flows kept as stored with --status-interval 1m00s, not 1\.0s/);
});

test('a bad assembly flag is one line naming it, exit 2, and no store is written', (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'case.db');
  const r = run('ingest', '--db', db, '--max-flows', 'lots', CAPTURE);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^flowlink: --max-flows 'lots' is not a whole number of flows above zero\n/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(existsSync(db), false);
});
