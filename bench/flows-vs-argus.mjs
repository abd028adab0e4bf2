// pcap -> flows: flowlink against argus on the same generated capture, in the same run.
//   npx tsc && node bench/flows-vs-argus.mjs [packets=5000000] [concurrent=5000] [--runs N] [--rss-only]
// Each command runs under /usr/bin/time (wall, user+sys CPU, peak RSS of the largest process),
// the runs of the tools interleaved so that load from other processes hits them alike; the
// table keeps each tool's fastest run. Captures go to the temp folder (bench/gen-capture.mjs,
// seeded), never into the repo. Commands timed:
//   flowlink flows FILE --top 10          (when dist/src/cli.js has the flows command)
//   node bench/flowlink-flows.mjs FILE    (the parser path alone: read, decode, assemble)
//   argus -r FILE -w - | ra -nn           and   argus -r FILE -w - | racluster -nn
//   argus -r FILE -w /dev/null            (argus alone, for reference)
// --rss-only times the two flowlink commands and argus alone (for the 10M-packet memory run).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCapture } from './gen-capture.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'src', 'cli.js');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1] === '--runs'));
const PACKETS = Number(positional[0] ?? 5_000_000);
const CONCURRENT = Number(positional[1] ?? 5000);
const RUNS = Number(opt('--runs', 2));
const RSS_ONLY = argv.includes('--rss-only');

const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function capture() {
  const file = path.join(tmpdir(), `flowlink-bench-${PACKETS}-${CONCURRENT}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} ...\n`);
    generateCapture(file, { packets: PACKETS, concurrent: CONCURRENT });
  }
  return file;
}

/** One command under /usr/bin/time: wall and CPU seconds, peak RSS (MB) of the largest process. */
function timed(command) {
  const out = path.join(tmpdir(), `flowlink-bench-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, 'sh', '-c', command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}\n${r.stderr}`);
  const [wall, user, sys, kb] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { force: true });
  return { wall, cpu: user + sys, rssMB: kb / 1024, stdout: r.stdout };
}

const haveFlowsCommand = spawnSync(process.execPath, [CLI, 'flows', '--help'], { encoding: 'utf8' }).status === 0;
const file = capture();
const mb = statSync(file).size / 1e6;
const node = q(process.execPath);

const tools = [];
if (haveFlowsCommand) tools.push({ name: 'flowlink flows FILE --top 10', cmd: `${node} ${q(CLI)} flows ${q(file)} --top 10 > /dev/null`, flowlink: true });
tools.push({ name: 'flowlink parser path (bench/flowlink-flows.mjs)', cmd: `${node} ${q(path.join(HERE, 'flowlink-flows.mjs'))} ${q(file)}`, flowlink: true, check: true });
if (!RSS_ONLY) {
  tools.push({ name: 'argus -r FILE -w - | ra -nn', cmd: `argus -X -P 0 -r ${q(file)} -w - | ra -X -nn -r - > /dev/null` });
  tools.push({ name: 'argus -r FILE -w - | racluster -nn', cmd: `argus -X -P 0 -r ${q(file)} -w - | racluster -X -nn -r - > /dev/null` });
}
tools.push({ name: 'argus -r FILE -w /dev/null (argus alone)', cmd: `argus -X -P 0 -r ${q(file)} -w /dev/null` });

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`${PACKETS.toLocaleString('en-US')} packets, ${CONCURRENT.toLocaleString('en-US')} concurrent connections, ${mb.toFixed(0)} MB; ${execFileSync('nproc').toString().trim()} CPUs, node ${process.version}; load average before: ${load()}`);
execFileSync('sh', ['-c', `cat ${q(file)} > /dev/null`]); // warm the page cache

const best = new Map();
for (let run = 0; run < RUNS; run++) {
  // Alternate the order so that neither side always runs first after the other's cache effects.
  const order = run % 2 === 0 ? tools : [...tools].reverse();
  for (const t of order) {
    const r = timed(t.cmd);
    if (t.check) {
      const res = JSON.parse(r.stdout.trim().split('\n').pop());
      if (res.pkts !== PACKETS) throw new Error(`flowlink counted ${res.pkts} packets, expected ${PACKETS}`);
      t.note = `${fmt(res.flows)} flows, ${fmt(res.records)} records`;
    }
    process.stderr.write(`run ${run + 1}: ${t.name}: ${r.wall.toFixed(2)} s wall, ${r.cpu.toFixed(2)} s CPU, ${r.rssMB.toFixed(0)} MB\n`);
    const prev = best.get(t);
    if (!prev || r.wall < prev.wall) best.set(t, { ...r, rssMB: Math.max(r.rssMB, prev?.rssMB ?? 0) });
    else prev.rssMB = Math.max(prev.rssMB, r.rssMB);
  }
}

const peers = [...best].filter(([t]) => !t.flowlink);
const md = (text) => text.replace(/\|/g, '\\|'); // a pipe inside a Markdown table cell
const ours = [...best].filter(([t]) => t.flowlink);
console.log(`\nfastest of ${RUNS} runs each; load average after: ${load()}`);
console.log('| command | wall s | CPU s (user+sys, all processes) | packets/s (wall) | peak RSS MB |');
console.log('|---|---:|---:|---:|---:|');
for (const [t, r] of best) console.log(`| ${md(t.name)}${t.note ? ` (${t.note})` : ''} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${fmt(PACKETS / r.wall)} | ${r.rssMB.toFixed(0)} |`);
console.log('\nflowlink packets/s divided by the peer\'s (above 1: flowlink is faster), by wall time and by CPU time');
console.log(`| flowlink | ${peers.map(([t]) => md(t.name)).join(' | ')} |`);
console.log(`|---|${peers.map(() => '---:|').join('')}`);
for (const [t, r] of ours) console.log(`| ${md(t.name)} | ${peers.map(([, p]) => `${(p.wall / r.wall).toFixed(2)}x wall, ${(p.cpu / r.cpu).toFixed(2)}x CPU`).join(' | ')} |`);
