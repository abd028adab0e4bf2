// flowlink.toml: defaults for flags, flags win, mistakes named by file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { parseConfig } from '../src/config.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const binOf = (stdout: string): number => (JSON.parse(stdout) as { binSeconds: number }).binSeconds;

test('flowlink.toml in the working folder sets defaults; a flag given wins', (t) => {
  const dir = scratch(t);
  writeFileSync(path.join(dir, 'flowlink.toml'), '# defaults for this case\ntz = "UTC"\nbin = "1m"\nsensitivity = "low"\n');
  assert.equal(binOf(run(dir, 'spikes', SAMPLE, '--json').stdout), 60);
  assert.equal(binOf(run(dir, 'spikes', SAMPLE, '--json', '--bin', '5m').stdout), 300);
  // Without the file the bin width comes from the span (5m on the sample).
  assert.equal(binOf(run(ROOT, 'spikes', SAMPLE, '--json').stdout), 300);
});

test('--config FILE: rule folders relative to the file, the built-in rules can be turned off', (t) => {
  const dir = scratch(t);
  mkdirSync(path.join(dir, 'my-rules'));
  copyFileSync(path.join(ROOT, 'rules', 'ftp.rule'), path.join(dir, 'my-rules', 'ftp.rule'));
  const cfg = path.join(dir, 'case.toml');
  writeFileSync(cfg, 'rules = ["my-rules"]\nbuiltin-rules = false\n');
  const r = run(ROOT, 'explain', SAMPLE, '--json', '--config', cfg);
  assert.equal(r.code, 0, r.stderr);
  const rules = new Set((JSON.parse(r.stdout) as { spikes: { explanations: { rule: string }[] }[] }).spikes.flatMap((s) => s.explanations.map((e) => e.rule)));
  assert.ok(rules.has('ftp_upload'));
  for (const rule of rules) assert.match(rule, /^ftp_/, `only the FTP rules loaded, got ${rule}`);
  // The same file with a rule folder that holds nothing is an error naming the line.
  writeFileSync(cfg, 'builtin-rules = false\nrules = "nowhere"\n');
  const bad = run(ROOT, 'explain', SAMPLE, '--config', cfg);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /case\.toml:2: rules: no such file or folder: nowhere/);
});

test('mistakes in the file: unknown key, wrong type, bad TOML, missing file; exit 2, file:line', (t) => {
  const dir = scratch(t);
  const cases: [string, RegExp][] = [
    ['tz = "UTC"\n\nbins = "1m"\n', /^flowlink: flowlink\.toml:3: unknown key 'bins' \(did you mean bin\?\)\n {2}hint: keys: tz, year/],
    ['year = "2008"\n', /flowlink\.toml:1: year must be a year/],
    ['bin = \n', /flowlink\.toml:1:7: Invalid TOML document/],
  ];
  for (const [text, message] of cases) {
    writeFileSync(path.join(dir, 'flowlink.toml'), text);
    const r = run(dir, 'spikes', SAMPLE);
    assert.equal(r.code, 2, text);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const missing = run(dir, 'spikes', SAMPLE, '--config', path.join(dir, 'nope.toml'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read config file .*nope\.toml \(ENOENT\)/);
});

test('parseConfig gives the values commander would hold for the flags', () => {
  const c = parseConfig('tz = ["Europe/Berlin", "maillog=America/New_York"]\nyear = 2008\nsensitivity = 8\n', 'x.toml');
  assert.deepEqual([...c.values], [
    ['tz', ['Europe/Berlin', 'maillog=America/New_York']],
    ['year', '2008'],
    ['sensitivity', '8'],
  ]);
});
