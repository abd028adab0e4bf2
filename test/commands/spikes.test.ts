// `flowlink spikes` as a user runs it, on argus CSV files (the `ra -u -c ,` layout): a flat
// capture says it has no spike, --sensitivity moves the threshold, a scan is found in flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const T0 = Date.UTC(2026, 0, 5, 6, 0, 0) / 1000;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-spikes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A row as `ra -nnr X -u -c , -s stime ltime proto saddr sport dir daddr dport pkts bytes state` prints it. */
function row(start: number, seconds: number, src: string, sport: number, dst: string, dport: number, pkts: number, bytes: number): string {
  return `${start.toFixed(6)},${(start + seconds).toFixed(6)},6,${src},${sport},   ->,${dst},${dport},${pkts},${bytes},FIN`;
}

/** Six hours of one transfer each 5 minutes, 10 to 14 MB in turn: median 12 MB, MAD 1 MB. */
function steady(): string[] {
  const rows = ['StartTime,LastTime,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,TotPkts,TotBytes,State'];
  for (let i = 0; i < 72; i++) {
    const bytes = (10 + (i % 5)) * 1_000_000;
    rows.push(row(T0 + i * 300 + 30, 60, '192.168.1.10', 40000 + i, '10.0.0.1', 443, bytes / 1000, bytes));
  }
  return rows;
}

function write(dir: string, rows: string[]): string {
  const file = path.join(dir, 'flows.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

test('spikes on a flat capture says there is none, exit 1', (t) => {
  const file = write(scratch(t), steady());
  // Six hours would get 30 s bins, most of them empty; the width is widened to 5m.
  const r = run('spikes', file);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^72 flows, 5m00s bins, times in UTC: no spikes found$/m);
  assert.equal(r.stderr, '');
});

test('--sensitivity: a z of about 5 is a spike at high and at 4.5, not at normal or 5.5', (t) => {
  const rows = steady();
  // 19.5 MB in the bin at 09:00: 7.5 MB over the median, z = 7.5 / 1.4826 = 5.06.
  rows[1 + 36] = row(T0 + 36 * 300 + 30, 60, '192.168.1.10', 40036, '10.0.0.1', 443, 19_500, 19_500_000);
  const file = write(scratch(t), rows);
  for (const [level, found] of [['high', true], ['4.5', true], ['normal', false], ['5.5', false], ['low', false]] as const) {
    const r = run('spikes', file, '--bin', '5m', '--sensitivity', level, '--json');
    assert.equal(r.code, found ? 0 : 1, `${level}: ${r.stderr}`);
    const spikes = (JSON.parse(r.stdout) as { spikes: { start: string; triggers: string[] }[] }).spikes;
    assert.equal(spikes.length, found ? 1 : 0, level);
    if (found) {
      assert.equal(spikes[0].start, '2026-01-05T09:00:00.000000Z');
      // Packets rise as much, but 7,500 extra packets are under the 10,000 a packet spike needs.
      assert.deepEqual(spikes[0].triggers, ['bytes']);
    }
  }
  const bad = run('spikes', file, '--bin', '5m', '--sensitivity', 'extreme');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--sensitivity 'extreme' is not low, normal, high or a z threshold/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
});

test('a scan on a steady link is found in flows started and is on the scanner', (t) => {
  const rows = steady();
  const at = T0 + 4 * 3600;
  for (let i = 0; i < 400; i++) rows.push(row(at + i * 0.5, 0, '198.51.100.7', 50000 + i, `10.0.1.${i % 250}`, 22, 1, 60));
  const file = write(scratch(t), rows);
  const r = run('spikes', file, '--bin', '5m', '--json');
  assert.equal(r.code, 0, r.stderr);
  const [s, ...rest] = (JSON.parse(r.stdout) as { spikes: { start: string; triggers: string[]; figures: { flows: { total: number; baseline: number } }; onHost: { host: string; direction: string } }[] }).spikes;
  assert.equal(rest.length, 0);
  assert.equal(s.start, '2026-01-05T10:00:00.000000Z');
  assert.deepEqual(s.triggers, ['flows']);
  assert.deepEqual([s.figures.flows.total, s.figures.flows.baseline], [401, 1]);
  assert.deepEqual({ host: s.onHost.host, direction: s.onHost.direction }, { host: '198.51.100.7', direction: 'sent' });
  const text = run('spikes', file, '--bin', '5m');
  assert.match(text.stdout, /found in flows started 401 against 1 usual/);
});
