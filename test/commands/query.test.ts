// `flowlink query` on what `explain --db` saved: each spike with what found it and its figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { tempDir } from '../store/store-helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonSpike {
  start: string;
  triggers: string[];
  figures: Record<string, { total: number; baseline: number; z: number }>;
  hostSeries: string | null;
}

test('the spikes view lists each saved spike with its triggers and figures, as explain reported them', (t) => {
  const db = path.join(tempDir(t), 'case.db');
  assert.equal(run('ingest', '--db', db, SAMPLE).code, 0);
  const explained = run('explain', '--db', db, '--json');
  assert.equal(explained.code, 0, explained.stderr);
  const spikes = (JSON.parse(explained.stdout) as { spikes: JsonSpike[] }).spikes;
  assert.ok(spikes.length >= 2);
  assert.ok(spikes.some((s) => s.triggers.includes('pkts')), 'the sample has a spike also hot in packets');
  const q = run(
    'query', '--db', db,
    'SELECT spike, start, triggers, host_series, bytes_z, pkts, baseline_pkts, pkts_z, flows_started, baseline_flows, flows_z, rules_version FROM spikes ORDER BY spike',
    '--json',
  );
  assert.equal(q.code, 0, q.stderr);
  const rows = JSON.parse(q.stdout) as Record<string, string | number | null>[];
  assert.equal(rows.length, spikes.length);
  rows.forEach((r, i) => {
    const s = spikes[i];
    assert.equal(r.triggers, s.triggers.join(','));
    assert.equal(r.host_series, s.hostSeries);
    assert.equal(Math.round(r.pkts as number), s.figures.pkts.total);
    assert.equal(Math.round(r.baseline_pkts as number), s.figures.pkts.baseline);
    assert.equal(Number((r.pkts_z as number).toFixed(2)), s.figures.pkts.z);
    assert.equal(Number((r.bytes_z as number).toFixed(2)), s.figures.bytes.z);
    assert.equal(r.flows_started, s.figures.flows.total);
    assert.equal(Math.round(r.baseline_flows as number), s.figures.flows.baseline);
    assert.match(String(r.rules_version), /^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });
  // In the terminal table too, so an admin sees what found each spike without JSON.
  const table = run('query', '--db', db, 'SELECT spike, triggers FROM spikes ORDER BY spike');
  assert.match(table.stdout, /^spike\s+triggers\n/);
  assert.match(table.stdout, /\bbytes,pkts\b/);
});

test("the table shows a stored log line's terminal controls in caret notation; --json keeps them", (t) => {
  // syslog-ng 3.38 writes a message's control characters raw (test/fixtures/logs/SOURCES.md).
  const db = path.join(tempDir(t), 'case.db');
  const log = path.join(ROOT, 'test', 'fixtures', 'logs', 'syslog-ng-default.log');
  assert.equal(run('ingest', '--db', db, log, '--year', '2026').code, 0);
  const sql = "SELECT message FROM events WHERE message LIKE 'bell%'";
  const table = run('query', '--db', db, sql);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /bell\^G tab  esc\^\[\[0m cr\^M del\^\? end/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(table.stdout, /[\x00-\x08\x0b-\x1f\x7f]/);
  const json = JSON.parse(run('query', '--db', db, sql, '--json').stdout) as { message: string }[];
  assert.deepEqual(json, [{ message: 'bell\x07 tab\t esc\x1b[0m cr\r del\x7f end' }]);
});
