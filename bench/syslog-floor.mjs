// Where the syslog parse's time goes against what it could cost: on bench/syslog-gen.mjs's
// mixed file, in one run, interleaved RUNS times (fastest kept):
//   - lnav indexing the whole file headless (the peer);
//   - flowlink's parse (bench/syslog-parse-only.mjs) of the whole file and of each family's
//     lines alone (postfix, pure-ftpd, the rest: sshd and cron as generic syslog events);
//   - the floor: the least JavaScript that still gives one event object per line (1 MiB
//     reads, latin1, split on newlines, the RFC 3164 stamp, host and tag by char codes, the
//     message and raw line sliced), no service parsing, no time zone, no merge;
//   - the same floor with no object per line (times, offsets and interned ids in typed arrays).
// Times are the process's own clock after its imports (so small files are not dominated by
// node's start); lnav's is its wall time, start included.
//   npx tsc && node bench/syslog-floor.mjs [lines=1000000] [runs=3]
//   node bench/syslog-floor.mjs --floor FILE     (the floor alone; prints `lines seconds`)
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lnavIndexSeconds, timed } from './timing.mjs';

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, k) => [m, k + 1]));

if (process.argv[2] === '--floor' || process.argv[2] === '--floor-columns') {
  const { lines, seconds } = (process.argv[2] === '--floor' ? floor : floorColumns)(process.argv[3]);
  console.log(`${lines} ${seconds.toFixed(3)}`);
  process.exit(0);
}

/** The floor: one event object per line, handed on in arrays of 256 as the parsers do. */
function floor(file) {
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let carry = '';
  let lines = 0;
  let batch = [];
  let kept = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const text = carry + buf.latin1Slice(0, n);
    let at = 0;
    for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
      lines++;
      // `Mar  8 03:33:10 host prog[pid]: msg`
      const d = (i) => text.charCodeAt(at + i) - 48;
      const month = MONTHS.get(text.slice(at, at + 3)) ?? 0;
      const day = (text.charCodeAt(at + 4) === 32 ? 0 : d(4)) * 10 + d(5);
      const second = ((d(7) * 10 + d(8)) * 60 + d(10) * 10 + d(11)) * 60 + d(13) * 10 + d(14);
      const hostEnd = text.indexOf(' ', at + 16);
      const tagEnd = text.indexOf(': ', hostEnd + 1);
      batch.push({
        kind: 'log',
        ts: ((month * 31 + day) * 86400 + second) * 1e6,
        service: 'syslog',
        host: text.slice(at + 16, hostEnd),
        program: text.slice(hostEnd + 1, tagEnd),
        fields: {},
        message: text.slice(tagEnd + 2, nl),
        origin: { file, line: lines, raw: text.slice(at, nl) },
      });
      if (batch.length === 256) {
        kept += batch.length;
        batch = [];
      }
      at = nl + 1;
    }
    carry = text.slice(at);
  }
  closeSync(fd);
  kept += batch.length;
  if (kept !== lines) throw new Error('floor lost lines');
  return { lines, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The same reading with no object per line: what an event path that kept events in columns
 * (typed arrays of times and of the offsets of host, tag and message in the chunk) would
 * start from. Nothing is sliced: the line's text stays in its chunk. The arrays are reused
 * per chunk, as a column batch handed on and recycled would be.
 */
function floorColumns(file) {
  const t0 = performance.now();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  const CAP = 1 << 15;
  const ts = new Float64Array(CAP);
  const starts = new Int32Array(CAP);
  const msgStarts = new Int32Array(CAP);
  const ends = new Int32Array(CAP);
  const hostEnds = new Int32Array(CAP);
  const tagEnds = new Int32Array(CAP);
  let carry = '';
  let lines = 0;
  let check = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    const text = carry + buf.latin1Slice(0, n);
    let at = 0;
    let row = 0;
    for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
      lines++;
      const d = (i) => text.charCodeAt(at + i) - 48;
      const month = MONTHS.get(text.slice(at, at + 3)) ?? 0;
      const day = (text.charCodeAt(at + 4) === 32 ? 0 : d(4)) * 10 + d(5);
      const second = ((d(7) * 10 + d(8)) * 60 + d(10) * 10 + d(11)) * 60 + d(13) * 10 + d(14);
      const hostEnd = text.indexOf(' ', at + 16);
      const tagEnd = text.indexOf(': ', hostEnd + 1);
      ts[row] = ((month * 31 + day) * 86400 + second) * 1e6;
      starts[row] = at;
      hostEnds[row] = hostEnd;
      tagEnds[row] = tagEnd;
      msgStarts[row] = tagEnd + 2;
      ends[row] = nl;
      row++;
      at = nl + 1;
    }
    check += row > 0 ? ts[row - 1] + tagEnds[row - 1] : 0;
    carry = text.slice(at);
  }
  closeSync(fd);
  if (!(check > 0)) throw new Error('floor-columns read nothing');
  return { lines, seconds: (performance.now() - t0) / 1000 };
}

const LINES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);

const file = path.join(tmpdir(), `flowlink-bench-syslog-${LINES}.log`);
if (!existsSync(file)) {
  process.stderr.write(`generating ${file} ...\n`);
  const { generateSyslog } = await import('./syslog-gen.mjs');
  await generateSyslog(file, LINES);
}

// Each family's lines in a file of their own, in file order.
const families = { postfix: [], 'pure-ftpd': [], 'other (sshd, cron: generic)': [] };
for (const line of readFileSync(file, 'latin1').split('\n')) {
  if (line === '') continue;
  const tag = line.slice(line.indexOf(' ', 16) + 1);
  const family = tag.startsWith('postfix/') ? 'postfix' : tag.startsWith('pure-ftpd') ? 'pure-ftpd' : 'other (sshd, cron: generic)';
  families[family].push(line);
}
const familyFiles = Object.entries(families).map(([name, lines], k) => {
  const f = path.join(tmpdir(), `flowlink-bench-syslog-family-${k}.log`);
  writeFileSync(f, lines.join('\n') + '\n', 'latin1');
  return { name, file: f, lines: lines.length };
});

const node = process.execPath;
const parseOnly = (f) => () => Number(timed(node, ['bench/syslog-parse-only.mjs', f]).stdout.split(' ')[2]);
const cases = [
  {
    name: 'lnav -n (index the whole file; wall, start included)',
    lines: LINES,
    run: () => lnavIndexSeconds(file, LINES),
  },
  { name: 'floor: least JavaScript giving one event per line (whole file)', lines: LINES, run: () => Number(timed(node, [fileURLToPath(import.meta.url), '--floor', file]).stdout.split(' ')[1]) },
  { name: 'floor without objects: the same reading into columns (whole file)', lines: LINES, run: () => Number(timed(node, [fileURLToPath(import.meta.url), '--floor-columns', file]).stdout.split(' ')[1]) },
  { name: 'flowlink parse, whole file', lines: LINES, run: parseOnly(file) },
  ...familyFiles.map((f) => ({ name: `flowlink parse, ${f.name} lines alone`, lines: f.lines, run: parseOnly(f.file) })),
];
const best = new Map();
const loads = [os.loadavg()[0]];
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) {
    const s = c.run();
    best.set(c.name, Math.min(best.get(c.name) ?? Infinity, s));
  }
  loads.push(os.loadavg()[0]);
}
for (const f of familyFiles) rmSync(f.file, { force: true });

const lnav = best.get(cases[0].name);
console.log(`${file}: ${LINES.toLocaleString('en')} lines; fastest of ${RUNS}; load ${loads.map((x) => x.toFixed(1)).join(' -> ')}`);
console.log('| what | lines | s | µs a line | lines/s | vs lnav (time) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const s = best.get(c.name);
  const perLine = (s / c.lines) * 1e6;
  const vs = c.lines === LINES ? `${(s / lnav).toFixed(2)}x` : '';
  console.log(`| ${c.name} | ${c.lines.toLocaleString('en')} | ${s.toFixed(3)} | ${perLine.toFixed(2)} | ${Math.round(c.lines / s).toLocaleString('en')} | ${vs} |`);
}
