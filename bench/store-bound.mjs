// The most records per second an ingest could reach on this machine, whatever flowlink did
// better: its two halves' least CPU, measured, against the cores there are. An ingest has to
// parse every record (one thread: the parsers keep per-file state) and write it through
// SQLite (one writer per file); the write worker overlaps the two. So with perfect overlap
// and nothing else spent (no packing, no garbage, no thread hand-off):
//   pipeline bound = records / max(parse CPU s, write CPU s)        (each half on its own core)
//   any-split bound = cores * records / (parse CPU s + write CPU s)  (if both could be split)
// Parse CPU is bench/store-parse-only.mjs on the bench day; write CPU is bench/store-floor.mjs
// copying that day's stored rows (no JavaScript in the SQL copies): the store's rows, packs
// and indices by SQLite alone (0), the same bound from JavaScript as rows.ts does (6), and
// the narrowest crash-safe store holding every record's line and raw text (8). Fastest of RUNS runs each.
//   npx tsc && node bench/store-ingest.mjs 1000000 250000 1 && node bench/store-bound.mjs [RUNS]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 1);
const dir = path.join(tmpdir(), 'flowlink-store-bench-1000000-250000');
const inputs = [path.join(dir, 'argus.csv'), path.join(dir, 'messages')];
const store = path.join(dir, 'case.db');
if (![...inputs, store].every((f) => existsSync(f))) throw new Error(`${dir}: run node bench/store-ingest.mjs 1000000 250000 1 first`);

/** CPU seconds (user + system) of a node child, by /usr/bin/time, and its stdout. */
function cpuOf(args, env = process.env) {
  const stats = path.join(dir, 'bound-time.txt');
  const out = execFileSync('/usr/bin/time', ['-o', stats, '-f', '%e %U %S', process.execPath, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const [wall, user, sys] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
  return { wall, cpu: user + sys, out };
}

const VARIANTS = [0, 6, 8];
let parse;
const writes = new Map();
const loads = [os.loadavg()[0]];
for (let r = 0; r < runs; r++) {
  const p = cpuOf([path.join(ROOT, 'bench/store-parse-only.mjs'), ...inputs]);
  const records = JSON.parse(p.out).records;
  if (!parse || p.cpu < parse.cpu) parse = { ...p, records };
  const floor = JSON.parse(cpuOf([path.join(ROOT, 'bench/store-floor.mjs'), store], { ...process.env, FLOOR_JSON: '1', FLOOR_ONLY: VARIANTS.join(',') }).out);
  for (const v of floor.results) {
    const best = writes.get(v.variant);
    if (!best || v.cpu < best.cpu) writes.set(v.variant, v);
  }
  loads.push(os.loadavg()[0]);
}

const cores = os.cpus().length;
const perRecord = (s, n) => ((s / n) * 1e6).toFixed(2);
const rate = (x) => Math.round(x).toLocaleString('en');
console.log(`${cores} cores; load ${loads.map((x) => x.toFixed(1)).join(' -> ')}; fastest of ${runs} run(s)`);
console.log(`parse: ${parse.records.toLocaleString('en')} records, ${parse.cpu.toFixed(2)} CPU s (${perRecord(parse.cpu, parse.records)} µs a record), ${parse.wall.toFixed(2)} s wall`);
console.log('| write half (SQLite, one thread) | CPU s | µs a record | pipeline bound, records/s | any-split bound, records/s |');
console.log('|---|---:|---:|---:|---:|');
for (const variant of VARIANTS) {
  const w = writes.get(variant);
  const pipeline = parse.records / Math.max(parse.cpu, w.cpu);
  const split = (cores * parse.records) / (parse.cpu + w.cpu);
  console.log(`| ${w.how}: ${w.what} | ${w.cpu.toFixed(2)} | ${perRecord(w.cpu, w.rows)} | ${rate(pipeline)} | ${rate(split)} |`);
}
