// A new user's install: `npm pack`, then `npm install -g` of the tarball into a private prefix,
// then the installed `flowlink` explains the bundled sample. better-sqlite3 compiles from
// source on install (about 5 minutes on a loaded 2-core machine), too slow for the unit suite:
// it runs when FLOWLINK_INSTALL_TEST=1, as .ci/run does after `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.js';

const skip = process.env.FLOWLINK_INSTALL_TEST === '1' ? false : 'slow (compiles better-sqlite3): set FLOWLINK_INSTALL_TEST=1 (.ci/run does)';
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

function npm(args: string[], cwd: string) {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 20 * 60_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

test('the packed tarball installs with npm install -g and explains the bundled sample from there', { skip, timeout: 25 * 60_000 }, (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-install-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // The tree is already built (npm test runs tsc); --ignore-scripts keeps pack from rebuilding
  // a dist/ that other test processes are reading.
  const packed = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)) as { filename: string; files: { path: string }[] }[];
  const files = packed[0].files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli.js') && files.includes('rules/ftp.rule') && files.includes('samples/backup-spike/argus.txt'));
  assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('src/')), 'ships built code only');

  const prefix = path.join(dir, 'prefix');
  const started = Date.now();
  npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, packed[0].filename)], dir);
  process.stderr.write(`# npm install -g of the tarball took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

  const bin = path.join(prefix, 'bin', 'flowlink');
  const installed = path.join(prefix, 'lib', 'node_modules', pkg.name);
  assert.ok(existsSync(bin), 'flowlink is on the prefix PATH');
  assert.ok(!existsSync(path.join(installed, 'node_modules', 'typescript')), 'no TypeScript needed or installed');
  assert.ok(!readdirSync(installed).includes('src'), 'no sources shipped');

  // Run from an unrelated folder, as a user would, with the bin on PATH.
  const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}${path.delimiter}${process.env.PATH}`, TZ: 'UTC', NO_COLOR: '1' };
  const version = spawnSync('flowlink', ['--version'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(version.status, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);

  const r = spawnSync('flowlink', ['explain', path.join(installed, 'samples', 'backup-spike')], { cwd: dir, encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Spike 2008-03-08 03:\d\d-0\d:\d\d on 10\.2\.3\.102, 1\.7\d GiB: 3 FTP uploads by/m);
  assert.match(r.stdout, /xxx@xxx\.com uploaded \/home\/xxx\/backup\/\/xxx\.com_2008\.03\.08_03-21-02 \(850 MiB\)/);

  // A case file: the store's writes run in a worker thread loaded from the installed files.
  const db = path.join(dir, 'case.db');
  const ingest = spawnSync('flowlink', ['ingest', '--db', db, path.join(installed, 'samples', 'backup-spike'), '--json'], { cwd: dir, encoding: 'utf8', env });
  assert.equal(ingest.status, 0, ingest.stderr);
  assert.ok((JSON.parse(ingest.stdout) as { stored: number }).stored > 0, ingest.stdout);
  const fromStore = spawnSync('flowlink', ['explain', '--db', db], { cwd: dir, encoding: 'utf8', env });
  assert.equal(fromStore.status, 0, fromStore.stderr);
  assert.match(fromStore.stdout, /3 FTP uploads by/);
});
