// flowlink's syslog reading against lnav indexing the same file headless, in the same run,
// each process timed and its peak RSS taken by /usr/bin/time. Run `npx tsc` first.
//   node bench/syslog-vs-lnav.mjs [lines=1000000] [runs=3]
// The file (bench/syslog-gen.mjs: pure-ftpd, postfix, sshd and cron lines in the shapes of
// test/fixtures/logs/) is written to the temp folder, never to the repo. A second file of
// twice the lines shows whether memory grows with the file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyslog } from './syslog-gen.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const LINES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const LNAV = '/usr/bin/lnav';
// lnav keeps its config and index cache under HOME: a scratch one, so runs start cold alike.
const LNAV_HOME = path.join(tmpdir(), 'flowlink-bench-lnav-home');

async function logFile(lines) {
  const file = path.join(tmpdir(), `flowlink-bench-syslog-${lines}.log`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} ...\n`);
    await generateSyslog(file, lines);
  }
  return file;
}

/** Wall seconds, CPU seconds (user + sys) and peak RSS (MB) of a shell command. */
function timed(command, env = {}) {
  const out = path.join(tmpdir(), `flowlink-bench-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, 'sh', '-c', command], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}\n${r.stderr}`);
  const [wall, user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { force: true });
  return { wall, cpu: user + sys, rssMB: kb / 1024, stdout: r.stdout };
}

const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function tools(file) {
  return {
    'flowlink events > /dev/null': () => timed(`node dist/src/cli.js events ${q(file)} --year 2008 > /dev/null`),
    'flowlink parse only (no output)': () => timed(`node bench/syslog-parse-only.mjs ${q(file)}`),
    'lnav -n (index, count lines)': () => {
      const r = timed(`${LNAV} -n -c ${q(';SELECT lines FROM lnav_file')} ${q(file)}`, { HOME: LNAV_HOME });
      const lines = Number(r.stdout.trim().split('\n').pop());
      if (lines !== LINES && lines !== 2 * LINES) throw new Error(`lnav indexed ${lines} lines of ${file}`);
      return r;
    },
  };
}

mkdirSync(LNAV_HOME, { recursive: true });
const file = await logFile(LINES);
const results = new Map();
// Interleaved, so a change in the machine's load falls on every tool alike.
for (let run = 0; run < RUNS; run++) {
  for (const [name, go] of Object.entries(tools(file))) {
    const r = go();
    if (!results.has(name)) results.set(name, []);
    results.get(name).push(r);
  }
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`${LINES} syslog lines (${(readFileSync(file).length / 2 ** 20).toFixed(0)} MiB), median of ${RUNS} interleaved runs; load average ${load}`);
console.log('tool                              wall s   lines/s (wall)   cpu s   lines/s (cpu)   peak RSS');
const lnavCpu = median(results.get('lnav -n (index, count lines)').map((r) => r.cpu));
const lnavWall = median(results.get('lnav -n (index, count lines)').map((r) => r.wall));
for (const [name, rs] of results) {
  const wall = median(rs.map((r) => r.wall));
  const cpu = median(rs.map((r) => r.cpu));
  const rss = median(rs.map((r) => r.rssMB));
  console.log(
    `${name.padEnd(32)} ${wall.toFixed(2).padStart(7)} ${Math.round(LINES / wall).toLocaleString('en').padStart(16)} ${cpu.toFixed(2).padStart(7)} ${Math.round(LINES / cpu).toLocaleString('en').padStart(15)} ${rss.toFixed(0).padStart(7)} MB   ${(wall / lnavWall).toFixed(2)}x lnav wall, ${(cpu / lnavCpu).toFixed(2)}x cpu`,
  );
}

if (!process.argv.includes('--no-memory')) {
  const twice = await logFile(2 * LINES);
  console.log(`\npeak RSS, ${LINES} vs ${2 * LINES} lines (memory should not grow with the file):`);
  for (const [name, go] of Object.entries(tools(twice))) {
    const one = median(results.get(name).map((r) => r.rssMB));
    console.log(`${name.padEnd(32)} ${one.toFixed(0).padStart(6)} MB -> ${go().rssMB.toFixed(0).padStart(6)} MB`);
  }
}
