// What the syslog floor benches share: a command timed by /usr/bin/time in its own process,
// and lnav's headless index of a file, the peer.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Wall and CPU seconds of a command, by /usr/bin/time, and its stdout; run in the project root. */
export function timed(cmd, args, env = {}) {
  const out = path.join(tmpdir(), `flowlink-bench-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', out, cmd, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  const [wall, user, sys] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { force: true });
  return { wall, cpu: user + sys, stdout: r.stdout.trim() };
}

/** lnav indexing `file` headless (a scratch HOME), wall seconds, start included; it counts only if lnav indexed all `lines`. */
export function lnavIndexSeconds(file, lines) {
  const home = path.join(tmpdir(), 'flowlink-bench-lnav-home');
  mkdirSync(home, { recursive: true });
  const r = timed('/usr/bin/lnav', ['-n', '-c', ';SELECT lines FROM lnav_file', file], { HOME: home });
  const indexed = Number(r.stdout.split('\n').pop());
  if (indexed !== lines) throw new Error(`lnav indexed ${indexed} lines of ${file}`);
  return r.wall;
}
