// Start-up: a command loads only its own modules. A resolve hook (module.register) records
// every module the process imports, so the test sees what `events` or `--version` pulls in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture, ROOT } from './helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');

/** Runs the CLI with a hook that appends each resolved module URL to a file; returns them. */
function runRecording(t: { after: (fn: () => void) => void }, ...args: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-lazy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'modules.txt');
  writeFileSync(log, '');
  const hooks = path.join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`,
  );
  const register = `import { register } from 'node:module'; import { pathToFileURL } from 'node:url'; register(pathToFileURL(${JSON.stringify(hooks)}));`;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, ...args], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, modules: readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') };
}

// The rule grammar and its loading (chevrotain), the terminal UI, SQLite and the store; the
// rules' small value formatters (rules/format.ts) are shared with the views and may load.
const HEAVY = [/node_modules\/chevrotain\//, /node_modules\/ink\//, /node_modules\/react\//, /node_modules\/better-sqlite3\//, /\/src\/rules\/(lexer|parser|compile|load)\.js$/, /\/src\/store\//];

test('events loads neither the rules, the store nor the terminal UI', (t) => {
  const r = runRecording(t, 'events', fixture('logs', 'pure-ftpd-backup.log'), '--year', '2008');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, / ftp upload user=/);
  assert.ok(r.modules.some((m) => m.endsWith('/src/commands/events.js')), 'the recording hook saw events.js');
  for (const heavy of HEAVY) assert.deepEqual(r.modules.filter((m) => heavy.test(m)), [], `events loaded ${heavy}`);
});

test('--version loads no command; --help and help CMD still see every command and flag', (t) => {
  const v = runRecording(t, '--version');
  assert.equal(v.code, 0);
  assert.deepEqual(v.modules.filter((m) => /\/src\/commands\//.test(m)), []);
  const top = runRecording(t, '--help');
  assert.equal(top.code, 0);
  for (const c of ['explain', 'spikes', 'flows', 'timeline', 'ingest', 'query', 'events', 'formats', 'rules']) assert.match(top.stdout, new RegExp(`^ {2}${c} `, 'm'), `--help lists ${c}`);
  const help = runRecording(t, 'help', 'explain');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /--sensitivity <level>/);
  assert.match(help.stdout, /--rules <file\|dir>/);
});

test('the command is found after program options that take a value (--config FILE)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-lazy-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'flowlink.toml');
  writeFileSync(config, 'year = 2008\n');
  const r = runRecording(t, '--config', config, 'events', fixture('logs', 'pure-ftpd-backup.log'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2008-/m);
  assert.deepEqual(r.modules.filter((m) => /\/src\/commands\/(explain|timeline|rules)\.js$/.test(m)), []);
});
