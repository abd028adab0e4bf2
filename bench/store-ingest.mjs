// Ingest speed into a file store: a generated day (store-data.mjs: a syslog of LINES lines,
// FLOWS argus rows) through `flowlink ingest --db`, as a user runs it, beside the parsers
// alone on the same files (store-parse-only.mjs), alternating, RUNS times each. Store time =
// ingest wall time - parse time. Also the store's size per million records, and a second
// `ingest` of the same files (everything unchanged, skipped).
// Then `explain --db` on the store (wall and CPU: the target is under 2 s), and the peer: the
// sqlite3 shell's `.import` of the same argus CSV into a bare table (no parsing, no indices,
// one transaction): the floor of what SQLite itself costs per row on this machine.
// FLOWLINK_BASELINE=/path/to/other/dist/src/cli.js runs that build's ingest too, in each run
// right after this one's, for a before/after on the same load (`git archive` an older commit).
//   npx tsc && node bench/store-ingest.mjs [LINES] [FLOWS] [RUNS]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDay } from './store-data.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/src/cli.js');
const lines = Number(process.argv[2] ?? 1_000_000);
const flows = Number(process.argv[3] ?? 250_000);
const runs = Number(process.argv[4] ?? 2);

const dir = path.join(tmpdir(), `flowlink-store-bench-${lines}-${flows}`);
mkdirSync(dir, { recursive: true });
const { messages, argus } = { messages: path.join(dir, 'messages'), argus: path.join(dir, 'argus.csv') };
if (!existsSync(messages) || !existsSync(argus)) await generateDay(dir, { lines, flows });
const inputs = [argus, messages];
const inputMB = inputs.reduce((s, f) => s + statSync(f).size, 0) / 1e6;
const db = path.join(dir, 'case.db');

/** Wall and CPU (user + system) seconds and peak RSS of one child, by /usr/bin/time: on a
 * shared machine the CPU time says more than the wall time. */
function timed(args, env = process.env) {
  const stats = path.join(dir, 'time.txt');
  let out;
  try {
    out = execFileSync('/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env });
  } catch (error) {
    // Exit 1 is flowlink's "nothing to report" (explain: no spike explained), not a failure.
    if (error.status !== 1) throw error;
    out = error.stdout;
  }
  const [wall, user, sys, rssKB] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
  return { seconds: wall, cpu: user + sys, rssMB: rssKB / 1024, out };
}

/** The same measure for a command that is not node (the sqlite3 shell). */
function timedCommand(cmd, args) {
  const stats = path.join(dir, 'time.txt');
  execFileSync('/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const [wall, user, sys, rssKB] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
  return { seconds: wall, cpu: user + sys, rssMB: rssKB / 1024 };
}

const loadBefore = os.loadavg().map((x) => x.toFixed(1)).join(' ');
const rows = [];
const baseline = [];
const baselineExplain = [];
for (let r = 0; r < runs; r++) {
  const parse = timed([path.join(ROOT, 'bench/store-parse-only.mjs'), ...inputs]);
  const parsed = JSON.parse(parse.out);
  for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
  const ingest = timed([CLI, 'ingest', '--db', db, '--tz', 'UTC', '--year', '2008', '--json', ...inputs]);
  const report = JSON.parse(ingest.out);
  const size = statSync(db).size;
  const again = timed([CLI, 'ingest', '--db', db, '--tz', 'UTC', '--year', '2008', '--json', ...inputs]);
  const explain = timed([CLI, 'explain', '--db', db, '--tz', 'UTC', '--json']);
  // The same build committing on the main thread (no write worker), under the same load.
  const inlineDb = path.join(dir, 'inline.db');
  for (const f of [inlineDb, inlineDb + '-wal', inlineDb + '-shm']) rmSync(f, { force: true });
  const inline = timed([CLI, 'ingest', '--db', inlineDb, '--tz', 'UTC', '--year', '2008', '--json', ...inputs], { ...process.env, FLOWLINK_STORE_WORKER: '0' });
  const explainSpikes = JSON.parse(explain.out).spikes.length;
  let peer;
  if (existsSync('/usr/bin/sqlite3')) {
    const peerDb = path.join(dir, 'peer.db');
    rmSync(peerDb, { force: true });
    const p = timedCommand('/usr/bin/sqlite3', [peerDb, '.mode csv', `.import ${argus} flows`]);
    const n = Number(execFileSync('/usr/bin/sqlite3', [peerDb, 'SELECT count(*) FROM flows'], { encoding: 'utf8' }).trim());
    peer = { ...p, rows: n, sizeMB: statSync(peerDb).size / 1e6 };
  }
  if (process.env.FLOWLINK_BASELINE) {
    const base = path.join(dir, 'baseline.db');
    for (const f of [base, base + '-wal', base + '-shm']) rmSync(f, { force: true });
    const b = timed([process.env.FLOWLINK_BASELINE, 'ingest', '--db', base, '--tz', 'UTC', '--year', '2008', '--json', ...inputs]);
    const bReport = JSON.parse(b.out);
    const bRecords = bReport.stored + bReport.skipped;
    const bSize = statSync(base).size;
    const bExplain = timed([process.env.FLOWLINK_BASELINE, 'explain', '--db', base, '--tz', 'UTC', '--json']);
    baselineExplain.push(`| baseline ${r + 1} | ${bExplain.seconds.toFixed(2)} (${bExplain.cpu.toFixed(2)}) | ${bExplain.rssMB.toFixed(0)} | ${JSON.parse(bExplain.out).spikes.length} | | | | |`);
    baseline.push(
      `| baseline ${r + 1} | ${bRecords.toLocaleString('en')} | ${b.seconds.toFixed(2)} (${b.cpu.toFixed(2)}) | | | ${Math.round(bRecords / b.seconds).toLocaleString('en')} | ` +
        `${Math.round(bRecords / b.cpu).toLocaleString('en')} | ${b.rssMB.toFixed(0)} | ${(bSize / 1e6).toFixed(0)} | ${(bSize / 1e6 / (bRecords / 1e6)).toFixed(0)} | |`,
    );
  }
  const records = report.stored + report.skipped;
  rows.push({
    records,
    parsedRecords: parsed.records + parsed.issues,
    ingestS: ingest.seconds,
    parseS: parse.seconds,
    storeS: ingest.seconds - parse.seconds,
    recordsPerS: Math.round(records / ingest.seconds),
    ingestCpu: ingest.cpu,
    parseCpu: parse.cpu,
    recordsPerCpuS: Math.round(records / ingest.cpu),
    rssMB: ingest.rssMB,
    storeMB: size / 1e6,
    mbPerMillion: size / 1e6 / (records / 1e6),
    unchangedS: again.seconds,
    unchangedStored: JSON.parse(again.out).stored,
    explain,
    explainSpikes,
    inline,
    peer,
  });
}

console.log(`inputs: ${lines} syslog lines + ${flows} argus rows, ${inputMB.toFixed(0)} MB, in ${dir}`);
console.log(`load average before: ${loadBefore}, after: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('| run | records stored | ingest s wall (CPU) | parse s wall (CPU) | store s wall (CPU) | records/s wall | records per CPU s | peak RSS MB | store MB | MB per 1M records | 2nd ingest s (unchanged) |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
rows.forEach((x, i) => {
  const f = (v, d = 2) => v.toFixed(d);
  console.log(
    `| ${i + 1} | ${x.records.toLocaleString('en')} | ${f(x.ingestS)} (${f(x.ingestCpu)}) | ${f(x.parseS)} (${f(x.parseCpu)}) | ${f(x.storeS)} (${f(x.ingestCpu - x.parseCpu)}) | ` +
      `${x.recordsPerS.toLocaleString('en')} | ${x.recordsPerCpuS.toLocaleString('en')} | ${f(x.rssMB, 0)} | ${f(x.storeMB, 0)} | ${f(x.mbPerMillion, 0)} | ${f(x.unchangedS)} (${x.unchangedStored} new) |`,
  );
  if (x.records !== x.parsedRecords) console.log(`  records stored ${x.records} != parsed ${x.parsedRecords}`);
});
for (const line of baseline) console.log(line);
rows.forEach((x, i) => {
  const r = x.records;
  console.log(`| ${i + 1}, no worker (FLOWLINK_STORE_WORKER=0) | ${r.toLocaleString('en')} | ${x.inline.seconds.toFixed(2)} (${x.inline.cpu.toFixed(2)}) | | | ${Math.round(r / x.inline.seconds).toLocaleString('en')} | ${Math.round(r / x.inline.cpu).toLocaleString('en')} | ${x.inline.rssMB.toFixed(0)} | | | |`);
});
console.log('\n| run | explain --db s wall (CPU) | peak RSS MB | spikes | sqlite3 .import of argus.csv s wall (CPU) | its rows/s wall | rows per CPU s | its MB per 1M rows |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
rows.forEach((x, i) => {
  const p = x.peer;
  const peer = p
    ? `${p.seconds.toFixed(2)} (${p.cpu.toFixed(2)}) | ${Math.round(p.rows / p.seconds).toLocaleString('en')} | ${Math.round(p.rows / p.cpu).toLocaleString('en')} | ${(p.sizeMB / (p.rows / 1e6)).toFixed(0)}`
    : 'no /usr/bin/sqlite3 | | |';
  console.log(`| ${i + 1} | ${x.explain.seconds.toFixed(2)} (${x.explain.cpu.toFixed(2)}) | ${x.explain.rssMB.toFixed(0)} | ${x.explainSpikes} | ${peer} |`);
});
for (const line of baselineExplain) console.log(line);
