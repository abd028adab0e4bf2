// What a native scanning core would give, measured against the JavaScript floors and lnav:
// on bench/syslog-gen.mjs's mixed file, in one run, interleaved RUNS times (fastest kept):
//   - the C++ N-API scan (bench/native-scan/scan.cc) of 1 MiB reads into reused columns
//     (start, end, stamp, host end, tag end, pid, message start), nothing built per line;
//   - the same scan, then the JS floor's event object per line, its strings copied out of
//     the chunk with buf.latin1Slice, in batches of 256;
//   - the same, its strings sliced from one latin1 string of the chunk (as the JS floor's);
//   - the JS floor and its columns form (bench/syslog-floor.mjs --floor, --floor-columns);
//   - lnav indexing the whole file headless.
// Before timing, the scan's columns for the first chunk are checked against the JS floor's
// reading of it, and the events built from them against the JS floor's events.
// Times are the process's own clock after its imports (the addon's load included in
// those); lnav's is its wall time, start included. The addon is compiled with g++ into
// os.tmpdir() when missing or older than scan.cc or common.h (native-scan/build.mjs).
//   npx tsc && node bench/native-floor.mjs [lines=1000000] [runs=3]
//   node bench/native-floor.mjs --native-columns FILE   (one variant alone; prints `lines seconds`)
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAddon, scanChunks } from './native-scan/build.mjs';
import { lnavIndexSeconds, timed } from './timing.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, k) => [m, k + 1]));
const CAP = 1 << 15; // rows a chunk, as the JS columns floor

/** The scan function of bench/native-scan/scan.cc. */
function loadScan() {
  return loadAddon('scan').scan;
}

function columns() {
  return {
    ts: new Float64Array(CAP),
    starts: new Int32Array(CAP),
    ends: new Int32Array(CAP),
    hostEnds: new Int32Array(CAP),
    tagEnds: new Int32Array(CAP),
    pids: new Int32Array(CAP),
    msgStarts: new Int32Array(CAP),
  };
}

/**
 * Reads FILE in 1 MiB chunks, scans each natively, hands each chunk's rows to onChunk(buf,
 * rows, next) and moves the unscanned tail (a partial line) to the buffer's start.
 */
function scanFile(scan, file, c, onChunk) {
  scanChunks(file, (buf, length) => {
    const [rows, next] = scan(buf, length, c.ts, c.starts, c.ends, c.hostEnds, c.tagEnds, c.pids, c.msgStarts);
    onChunk(buf, rows, next);
    return next;
  });
}

/** Native scan into columns only: no object, no string per line. */
function nativeColumns(scan, file) {
  const t0 = performance.now();
  const c = columns();
  let lines = 0;
  let check = 0;
  scanFile(scan, file, c, (buf, rows) => {
    lines += rows;
    check += rows > 0 ? c.ts[rows - 1] + c.tagEnds[rows - 1] + c.pids[rows - 1] : 0;
  });
  if (!(check > 0)) throw new Error('native-columns read nothing');
  return { lines, seconds: (performance.now() - t0) / 1000 };
}

/** The JS floor's event, from the scan's row r; slice(start, end) gives its strings. */
function event(c, r, slice, file, line) {
  const at = c.starts[r];
  const hostEnd = c.hostEnds[r];
  const tagEnd = c.tagEnds[r];
  const nl = c.ends[r];
  return {
    kind: 'log',
    ts: c.ts[r],
    service: 'syslog',
    host: slice(at + 16, hostEnd),
    program: slice(hostEnd + 1, tagEnd),
    fields: {},
    message: slice(c.msgStarts[r], nl),
    origin: { file, line, raw: slice(at, nl) },
  };
}

/**
 * Native scan, then the JS floor's event per line in batches of 256. `copied`: each string
 * its own buf.latin1Slice; otherwise one latin1 string per chunk and V8 slices of it, as in
 * the JS floor.
 */
function nativeObjects(scan, file, copied) {
  const t0 = performance.now();
  const c = columns();
  let lines = 0;
  let batch = [];
  let kept = 0;
  scanFile(scan, file, c, (buf, rows, next) => {
    let slice;
    if (copied) slice = (s, e) => buf.latin1Slice(s, e);
    else {
      const text = buf.latin1Slice(0, next);
      slice = (s, e) => text.slice(s, e);
    }
    for (let r = 0; r < rows; r++) {
      lines++;
      batch.push(event(c, r, slice, file, lines));
      if (batch.length === 256) {
        kept += batch.length;
        batch = [];
      }
    }
  });
  kept += batch.length;
  if (kept !== lines) throw new Error('native-objects lost lines');
  return { lines, seconds: (performance.now() - t0) / 1000 };
}

const MODES = {
  '--native-columns': (scan, f) => nativeColumns(scan, f),
  '--native-objects': (scan, f) => nativeObjects(scan, f, true),
  '--native-objects-sliced': (scan, f) => nativeObjects(scan, f, false),
};
if (MODES[process.argv[2]]) {
  const scan = loadScan();
  const { lines, seconds } = MODES[process.argv[2]](scan, process.argv[3]);
  console.log(`${lines} ${seconds.toFixed(3)}`);
  process.exit(0);
}

/**
 * The scan's columns and events for FILE's first chunk against the JS floor's reading of it
 * (bench/syslog-floor.mjs's code, with the pid read from the tag): throws on any difference.
 */
function check(scan, file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  const c = columns();
  const [rows, next] = scan(buf, n, c.ts, c.starts, c.ends, c.hostEnds, c.tagEnds, c.pids, c.msgStarts);
  const text = buf.latin1Slice(0, n);
  const js = { ts: [], starts: [], ends: [], hostEnds: [], tagEnds: [], pids: [], msgStarts: [] };
  const events = [];
  let at = 0;
  for (let nl = text.indexOf('\n', at); nl >= 0; nl = text.indexOf('\n', at)) {
    const d = (i) => text.charCodeAt(at + i) - 48;
    const month = MONTHS.get(text.slice(at, at + 3)) ?? 0;
    const day = (text.charCodeAt(at + 4) === 32 ? 0 : d(4)) * 10 + d(5);
    const second = ((d(7) * 10 + d(8)) * 60 + d(10) * 10 + d(11)) * 60 + d(13) * 10 + d(14);
    const hostEnd = text.indexOf(' ', at + 16);
    const tagEnd = text.indexOf(': ', hostEnd + 1);
    const pid = /\[(\d+)\]$/.exec(text.slice(hostEnd + 1, tagEnd));
    js.ts.push(((month * 31 + day) * 86400 + second) * 1e6);
    js.starts.push(at);
    js.ends.push(nl);
    js.hostEnds.push(hostEnd);
    js.tagEnds.push(tagEnd);
    js.pids.push(pid ? Number(pid[1]) : -1);
    js.msgStarts.push(tagEnd + 2);
    events.push({
      kind: 'log',
      ts: ((month * 31 + day) * 86400 + second) * 1e6,
      service: 'syslog',
      host: text.slice(at + 16, hostEnd),
      program: text.slice(hostEnd + 1, tagEnd),
      fields: {},
      message: text.slice(tagEnd + 2, nl),
      origin: { file, line: events.length + 1, raw: text.slice(at, nl) },
    });
    at = nl + 1;
  }
  if (rows !== js.ts.length || next !== at) throw new Error(`native scan: ${rows} lines to ${next}, the JS floor ${js.ts.length} to ${at}`);
  for (const [name, values] of Object.entries(js)) {
    for (let r = 0; r < rows; r++) {
      if (!Object.is(c[name][r], values[r])) throw new Error(`native scan: ${name}[${r}] = ${c[name][r]}, the JS floor's ${values[r]} (line ${JSON.stringify(text.slice(js.starts[r], js.ends[r]))})`);
    }
  }
  for (let r = 0; r < rows; r++) {
    const mine = JSON.stringify(event(c, r, (s, e) => buf.latin1Slice(s, e), file, r + 1));
    if (mine !== JSON.stringify(events[r])) throw new Error(`native event ${r}: ${mine}\nJS floor's: ${JSON.stringify(events[r])}`);
  }
  return { rows, pids: js.pids.filter((p) => p >= 0).length };
}

const LINES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);

const file = path.join(tmpdir(), `flowlink-bench-syslog-${LINES}.log`);
if (!existsSync(file)) {
  process.stderr.write(`generating ${file} ...\n`);
  const { generateSyslog } = await import('./syslog-gen.mjs');
  await generateSyslog(file, LINES);
}

const checked = check(loadScan(), file);
process.stderr.write(`first chunk: ${checked.rows} lines (${checked.pids} with a pid), every column and event equal to the JS floor's\n`);

const node = process.execPath;
/** A node variant's own `lines seconds`; its time counts only if it read every line. */
const own = (script, mode) => () => {
  const [lines, seconds] = timed(node, [script, mode, file]).stdout.split(' ').map(Number);
  if (lines !== LINES) throw new Error(`${script} ${mode} read ${lines} lines of ${file}`);
  return seconds;
};
const me = fileURLToPath(import.meta.url);
const floorScript = path.join(HERE, 'syslog-floor.mjs');
const cases = [
  {
    name: 'lnav -n (index the whole file; wall, start included)',
    run: () => lnavIndexSeconds(file, LINES),
  },
  { name: 'native scan into columns (C++ N-API, no object per line)', run: own(me, '--native-columns') },
  { name: 'native scan + JS floor event per line (strings by buf.latin1Slice)', run: own(me, '--native-objects') },
  { name: 'native scan + JS floor event per line (strings sliced from one chunk string)', run: own(me, '--native-objects-sliced') },
  { name: 'JS floor: one event per line (syslog-floor --floor)', run: own(floorScript, '--floor') },
  { name: 'JS floor into columns (syslog-floor --floor-columns)', run: own(floorScript, '--floor-columns') },
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

const lnav = best.get(cases[0].name);
console.log(`${file}: ${LINES.toLocaleString('en')} lines; fastest of ${RUNS}; load ${loads.map((x) => x.toFixed(1)).join(' -> ')}`);
console.log('| what | lines | s | µs a line | lines/s | vs lnav (time) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const s = best.get(c.name);
  console.log(`| ${c.name} | ${LINES.toLocaleString('en')} | ${s.toFixed(3)} | ${((s / LINES) * 1e6).toFixed(3)} | ${Math.round(LINES / s).toLocaleString('en')} | ${(s / lnav).toFixed(2)}x |`);
}
