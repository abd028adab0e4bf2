// The text report on the bundled sample, as a user sees it: 80 columns, the answer first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join('samples', 'backup-spike');

function explain(env: Record<string, string>, ...args: string[]) {
  const base: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync(process.execPath, [CLI, 'explain', SAMPLE, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...base, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every line of the sample report fits 80 columns; quoted log lines are cut with an ellipsis', () => {
  const r = explain({ NO_COLOR: '1' });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  for (const l of lines) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
  // The six upload log lines are quoted, cut, and the cut is marked.
  const quoted = lines.filter((l) => /^ {6}Mar {2}[78] 03:3\d:\d\d server ftpd: \(xxx@xxx\.com@192\.168\.134\.56\) \[NOTICE\] \/home/.test(l));
  assert.equal(quoted.length, 6, 'the six nightly uploads are quoted');
  for (const q of quoted) assert.ok(q.endsWith('…') && [...q].length === 80, q);
});

test('each spike leads with its answer: where, how much, what, by whom, how sure', () => {
  const r = explain({ NO_COLOR: '1' });
  const blocks = r.stdout.split('\n\n');
  const heads = blocks.filter((b) => /^(Spike|Window) /.test(b));
  // The headline is wrapped, not cut: its first lines, joined, are the whole summary --json gives.
  const summaries = (JSON.parse(explain({}, '--json').stdout) as { spikes: { summary: string }[] }).spikes.map((s) => s.summary);
  assert.equal(heads.length, summaries.length);
  heads.forEach((h, i) => {
    const lines = h.split('\n');
    const joined = lines.map((l, k) => lines.slice(0, k + 1).join(' ').replace(/\s+/g, ' ').trim());
    assert.ok(joined.includes(summaries[i]), `headline ${i + 1} is not the summary wrapped:\n${h}\n${summaries[i]}`);
  });
  assert.ok(summaries.some((s) => /^Spike 2008-03-08 03:\d\d-0\d:\d\d on 10\.2\.3\.102, 1\.7\d GiB: 3 FTP uploads by xxx@xxx\.com from 192\.168\.134\.56 \(confidence 0\.9\d\); [\d.]+% unexplained/.test(s)));
  // Evidence comes after: the uploads, then what is left unexplained, in that order.
  const text = r.stdout;
  const night8At = text.indexOf('Spike 2008-03-08 03:');
  const upload = text.indexOf('FTP upload  confidence', night8At);
  const rest = text.indexOf('\n  unexplained ', night8At);
  assert.ok(night8At < upload && upload < rest, 'answer, then evidence, then the rest');
  // The unexplained flows are a table that keeps the 4th flow whole on one line.
  assert.match(text, /\n {4}03:21:43 20m07s  53\.9 MiB  tcp 192\.168\.200\.77:4105 <\?> 10\.2\.3\.102:38327\n/);
});

test('colour only on a terminal: a pipe gets none even in CI, FORCE_COLOR forces it, NO_COLOR wins', () => {
  const esc = /\x1b\[/;
  assert.doesNotMatch(explain({ CI: 'true' }).stdout, esc);
  assert.match(explain({ FORCE_COLOR: '1' }).stdout, esc);
  assert.doesNotMatch(explain({ FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, esc);
});

test("a user name that carries terminal escapes is shown, not obeyed, in the report, coloured or not", (t) => {
  // An FTP client chooses its user name; syslog-ng writes it raw. The sample's server log with
  // the uploader's name made into a screen-clearing, window-retitling one.
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-text-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const messages = path.join(dir, 'messages');
  writeFileSync(messages, readFileSync(path.join(ROOT, 'samples', 'ftp-capture', 'messages'), 'utf8').replaceAll('mkrause', 'mk\x1b[2J\x1b]0;pwned\x07rause'));
  const capture = path.join(ROOT, 'samples', 'ftp-capture', 'capture.pcap');
  for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '1' }]) {
    const base: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC' };
    delete base.NO_COLOR;
    delete base.FORCE_COLOR;
    const r = spawnSync(process.execPath, [CLI, 'explain', capture, messages], { encoding: 'utf8', cwd: ROOT, env: { ...base, ...env } });
    assert.equal(r.status, 0, r.stderr);
    // Only the report's own colours (SGR, `ESC [ ... m`) may reach the terminal.
    // eslint-disable-next-line no-control-regex
    const plain = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(plain, /1 FTP upload by\s+mk\^\[\[2J\^\[\]0;pwned\^Grause/, JSON.stringify(env));
    // eslint-disable-next-line no-control-regex
    assert.equal(plain.match(/[\x00-\x08\x0b-\x1f\x7f]/g), null, JSON.stringify(env));
    if (env.FORCE_COLOR) assert.notEqual(plain, r.stdout, 'coloured');
  }
});
