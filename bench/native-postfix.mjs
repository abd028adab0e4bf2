// Could a native core bring postfix lines near the budget? On the postfix lines of
// bench/syslog-gen.mjs's mixed file (FILE, default /tmp/pf.log), in one run, interleaved RUNS
// times (fastest kept):
//   - scan.cc's header scan alone (bench/native-floor.mjs --native-columns), for scale;
//   - bench/native-scan/postfix.cc: the header and the postfix message read in C++ into
//     reused columns (queue id, a kind per line, the KEY_SLOTS value spans, the comment, the
//     client's and relay's host[ip]:port split, size/nrcpt/pid/port/delay as numbers);
//   - the same, then flowlink's per-line event built from the columns, its strings sliced
//     from one latin1 string of the chunk, in batches of 256;
//   - the same, the events fed to flowlink's own queue-id join (dist/parsers/postfix.js's
//     PostfixJoin, tick/take/flush as parsers/syslog-programs.ts's assembler calls them);
//   - flowlink's whole parse of the file (bench/syslog-parse-only.mjs);
//   - lnav indexing the file headless.
// Before timing, the native events and joined deliveries for the first CHECK_LINES lines are
// checked, every one, against flowlink's own parse of those lines; every variant's line count
// and the join's delivery count are checked against flowlink's.
// Times are the process's own clock after its imports (the addon's load included); lnav's is
// its wall time, start included. The addon is compiled with g++ into os.tmpdir() when
// missing or older than postfix.cc or common.h (native-scan/build.mjs).
//   npx tsc && node bench/native-postfix.mjs [runs=3] [FILE]      (runs=0: the check alone)
//   node bench/native-postfix.mjs --native-join FILE   (one variant alone; prints `lines seconds deliveries`)
import { createReadStream, existsSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parsePostfixMessage, PostfixJoin } from '../dist/parsers/postfix.js';
import { loadAddon, scanChunks } from './native-scan/build.mjs';
import { lnavIndexSeconds, timed } from './timing.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const YEAR = 2008; // as bench/syslog-parse-only.mjs's { zone: 'UTC', year: 2008 }
const CAP = 1 << 14; // rows a chunk

// postfix.cc's row layout.
const [C_START, C_END, C_HOST_END, C_PROG_END, , C_MSG, C_DAEMON, C_QID_END, C_KIND] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [C_COMMENT, C_COMMENT_END, C_IP, C_IP_END, C_CHOST, C_CHOST_END, C_RIP, C_RIP_END, C_RELAYED, C_RELAYED_END, C_SLOTS] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
const [F_TS, F_PID, F_SIZE, F_NRCPT, F_DELAY, F_CPORT, F_RPORT] = [0, 1, 2, 3, 4, 5, 6];
const KINDS = ['other', 'connect', 'disconnect', 'accepted', 'cleanup', 'queued', 'delivery', 'removed', 'not-postfix'];
const [K_OTHER, K_CONNECT, K_DISCONNECT, K_ACCEPTED, K_CLEANUP, K_QUEUED, K_DELIVERY, K_REMOVED, K_NOT_POSTFIX] = KINDS.keys();
const [, S_SASL_METHOD, S_SASL_USERNAME, S_MESSAGE_ID, S_FROM, , , S_TO, S_ORIG_TO, S_RELAY, , S_DELAYS, S_DSN, S_STATUS] = Array.from({ length: 15 }, (_, k) => k);
const S_ENDS = C_SLOTS + 15;


/** As native-floor.mjs's scanFile: 1 MiB reads, each scanned natively, the partial line carried. */
function scanFile(addon, file, onChunk) {
  const i32 = new Int32Array(CAP * addon.I32);
  const f64 = new Float64Array(CAP * addon.F64);
  scanChunks(file, (buf, length) => {
    const [rows, next] = addon.scan(buf, length, i32, f64, YEAR);
    onChunk(buf, rows, next, i32, f64);
    return next;
  });
}

/** Native into columns only: lines and kinds counted, nothing built. */
function nativeColumns(addon, file) {
  const t0 = performance.now();
  const W = addon.I32;
  const kinds = new Array(KINDS.length).fill(0);
  let lines = 0;
  scanFile(addon, file, (buf, rows, next, i32) => {
    lines += rows;
    for (let r = 0; r < rows; r++) kinds[i32[r * W + C_KIND]]++;
  });
  return { lines, seconds: (performance.now() - t0) / 1000, kinds };
}

/**
 * Row r's event as flowlink's parser builds it for a `postfix/<daemon>` line (parsers/syslog.ts
 * genericSyslogEvent, then postfix.ts interpretPostfix and queueIdPairs): the same keys in the
 * same order. A kind the C++ leaves alone goes through flowlink's own parsePostfixMessage.
 */
function buildEvent(I, F, W, FW, r, text, file, line) {
  const b = r * W;
  const f = r * FW;
  const at = I[b + C_START];
  const nl = I[b + C_END];
  const hostEnd = I[b + C_HOST_END];
  const progEnd = I[b + C_PROG_END];
  const ms = I[b + C_MSG];
  const kind = I[b + C_KIND];
  if (kind === K_NOT_POSTFIX) throw new Error(`line ${line}: not a postfix/<daemon> line, outside the prototype: ${text.slice(at, nl)}`);
  const message = text.slice(ms, nl);
  const daemon = text.slice(I[b + C_DAEMON], progEnd);
  const fields = { daemon };
  const value = (s) => text.slice(I[b + C_SLOTS + s], I[b + S_ENDS + s]);
  const has = (s) => I[b + C_SLOTS + s] >= 0;
  let action;
  if (kind === K_OTHER) {
    const p = parsePostfixMessage(daemon, message);
    Object.assign(fields, p.fields);
    action = p.action;
  } else {
    const qidEnd = I[b + C_QID_END];
    if (qidEnd >= 0) fields.queue_id = text.slice(ms, qidEnd);
    switch (kind) {
      case K_CONNECT:
      case K_DISCONNECT:
        client(I, F, b, f, text, fields);
        action = kind === K_CONNECT ? 'connect' : 'disconnect';
        break;
      case K_ACCEPTED:
        client(I, F, b, f, text, fields);
        if (has(S_SASL_METHOD)) fields.sasl_method = value(S_SASL_METHOD);
        if (has(S_SASL_USERNAME)) fields.user = value(S_SASL_USERNAME);
        action = 'accepted';
        break;
      case K_CLEANUP:
        fields.message_id = value(S_MESSAGE_ID);
        action = 'cleanup';
        break;
      case K_QUEUED: {
        fields.from = value(S_FROM);
        const size = F[f + F_SIZE];
        if (size === size) fields.size = size;
        const nrcpt = F[f + F_NRCPT];
        if (nrcpt === nrcpt) fields.nrcpt = nrcpt;
        action = 'queued';
        break;
      }
      case K_DELIVERY: {
        fields.to = value(S_TO);
        if (has(S_ORIG_TO)) fields.orig_to = value(S_ORIG_TO);
        if (has(S_RELAY)) {
          fields.relay = value(S_RELAY);
          const rip = I[b + C_RIP];
          if (rip >= 0) {
            fields.relay_ip = text.slice(rip, I[b + C_RIP_END]);
            const port = F[f + F_RPORT];
            if (port === port) fields.relay_port = port;
          }
        }
        const delay = F[f + F_DELAY];
        if (delay === delay) fields.delay = delay;
        if (has(S_DELAYS)) fields.delays = value(S_DELAYS);
        if (has(S_DSN)) fields.dsn = value(S_DSN);
        const comment = I[b + C_COMMENT];
        if (comment >= 0) {
          fields.response = text.slice(comment, I[b + C_COMMENT_END]);
          const relayed = I[b + C_RELAYED];
          if (relayed >= 0) fields.relayed_as = text.slice(relayed, I[b + C_RELAYED_END]);
        }
        action = fields.status = value(S_STATUS);
        break;
      }
      case K_REMOVED:
        action = 'removed';
        break;
    }
  }
  const event = { kind: 'log', ts: F[f + F_TS], service: 'mail', fields, message, origin: { file, line, raw: text.slice(at, nl) }, host: text.slice(at + 16, hostEnd), program: text.slice(hostEnd + 1, progEnd) };
  const pid = F[f + F_PID];
  if (pid === pid) event.pid = pid;
  if (action !== undefined) event.action = action;
  return event;
}

function client(I, F, b, f, text, fields) {
  const ip = I[b + C_IP];
  if (ip < 0) return;
  fields.client = text.slice(ip, I[b + C_IP_END]);
  const host = I[b + C_CHOST];
  if (host >= 0) fields.client_host = text.slice(host, I[b + C_CHOST_END]);
  const port = F[f + F_CPORT];
  if (port === port) fields.client_port = port;
}

/**
 * Native columns, then flowlink's per-line event in batches of 256; with `join`, each event
 * through PostfixJoin as the program assembler does (tick, the event, take; flush at the
 * end), counting the delivery events it emits. `keep` collects every item (the check).
 */
function nativeEvents(addon, file, join, keep) {
  const t0 = performance.now();
  const W = addon.I32;
  const FW = addon.F64;
  const postfix = join ? new PostfixJoin() : undefined;
  let lines = 0;
  let deliveries = 0;
  let kept = 0;
  let out = [];
  const hand = () => {
    for (const item of out) if (item.action === 'delivery') deliveries++;
    kept += out.length;
    if (keep) keep.push(...out);
    out = [];
  };
  scanFile(addon, file, (buf, rows, next, i32, f64) => {
    const text = buf.latin1Slice(0, next);
    for (let r = 0; r < rows; r++) {
      const event = buildEvent(i32, f64, W, FW, r, text, file, ++lines);
      if (postfix) {
        postfix.tick(event, out);
        out.push(event);
        postfix.take(event, out);
      } else out.push(event);
      if (out.length >= 256) hand();
    }
  });
  postfix?.flush(out);
  hand();
  if (kept - deliveries < lines) throw new Error('native events lost lines');
  return { lines, seconds: (performance.now() - t0) / 1000, deliveries: join ? deliveries : undefined };
}

const MODES = {
  '--native-columns': (a, f) => nativeColumns(a, f),
  '--native-events': (a, f) => nativeEvents(a, f, false),
  '--native-join': (a, f) => nativeEvents(a, f, true),
};
if (MODES[process.argv[2]]) {
  const { lines, seconds, deliveries } = MODES[process.argv[2]](loadAddon('postfix'), process.argv[3]);
  console.log(`${lines} ${seconds.toFixed(3)} ${deliveries ?? ''}`.trim());
  process.exit(0);
}

const RUNS = Number(process.argv[2] ?? 3);
const FILE = process.argv[3] ?? '/tmp/pf.log';
const CHECK_LINES = 20_000;
if (!existsSync(FILE)) throw new Error(`${FILE} missing: grep -a ' postfix/' /tmp/flowlink-bench-syslog-1000000.log > ${FILE}`);

/**
 * The native events and deliveries for FILE's first CHECK_LINES lines against flowlink's own
 * parse of them (openStreams, as syslog-parse-only.mjs, without the merge): every per-line
 * event and every delivery, compared as JSON (keys in order, ts included). Throws on any difference.
 */
async function check(addon) {
  const sample = path.join(tmpdir(), `flowlink-bench-pf-${CHECK_LINES}.log`);
  const head = [];
  for await (const line of createInterface({ input: createReadStream(FILE, 'latin1'), crlfDelay: Infinity })) {
    head.push(line);
    if (head.length === CHECK_LINES) break;
  }
  writeFileSync(sample, head.join('\n') + '\n', 'latin1');
  const { openStreams } = await import('../dist/src/sources/read-streams.js');
  const { streams } = await openStreams([sample], { zone: 'UTC', year: YEAR }, 'logs');
  const theirs = [];
  for await (const batch of streams[0].items.batches) for (const item of batch) if (item.kind === 'log') theirs.push(item);
  const mine = [];
  nativeEvents(addon, sample, true, mine);
  const split = (items) => [items.filter((e) => e.kind === 'log' && e.action !== 'delivery'), items.filter((e) => e.kind === 'log' && e.action === 'delivery')];
  const [theirLines, theirDeliveries] = split(theirs);
  const [myLines, myDeliveries] = split(mine);
  if (theirLines.length !== head.length || myLines.length !== head.length) throw new Error(`check: ${myLines.length} native line events, flowlink ${theirLines.length}, of ${head.length} lines`);
  if (theirDeliveries.length !== myDeliveries.length) throw new Error(`check: ${myDeliveries.length} native deliveries, flowlink ${theirDeliveries.length}`);
  const same = (what, a, b) => {
    for (let k = 0; k < a.length; k++) {
      const x = JSON.stringify(a[k]);
      const y = JSON.stringify(b[k]);
      if (x !== y) throw new Error(`check: ${what} ${k + 1} differs\nnative:   ${x}\nflowlink: ${y}`);
    }
  };
  same('line event', myLines, theirLines);
  same('delivery', myDeliveries, theirDeliveries);
  rmSync(sample, { force: true });
  return { lines: myLines.length, deliveries: myDeliveries.length };
}

const addon = loadAddon('postfix');
const checked = await check(addon);
process.stderr.write(`first ${checked.lines.toLocaleString('en')} lines: every line event and all ${checked.deliveries.toLocaleString('en')} deliveries equal to flowlink's (JSON, keys in order, ts included)\n`);
if (!(RUNS >= 1)) process.exit(0); // runs=0: the check alone
const whole = nativeColumns(addon, FILE);
const LINES = whole.lines;
process.stderr.write(`${FILE}: kinds ${KINDS.map((k, i) => `${k} ${whole.kinds[i]}`).join(', ')}\n`);

const node = process.execPath;
const me = fileURLToPath(import.meta.url);
let deliveries; // flowlink's, from its parse: events = lines + deliveries
/** A node variant's own `lines seconds [deliveries]`; it counts only if it read every line (and joined as many as flowlink). */
const own = (script, mode) => () => {
  const [lines, seconds, joined] = timed(node, [script, mode, FILE]).stdout.split(' ').map(Number);
  if (lines !== LINES) throw new Error(`${script} ${mode} read ${lines} lines of ${FILE}`);
  if (joined !== undefined && joined !== deliveries) throw new Error(`${mode}: ${joined} deliveries, flowlink ${deliveries}`);
  return seconds;
};
const cases = [
  {
    name: 'lnav -n (index the whole file; wall, start included)',
    run: () => lnavIndexSeconds(FILE, LINES),
  },
  {
    name: 'flowlink parse (syslog-parse-only.mjs)',
    run: () => {
      const [events, , seconds] = timed(node, [path.join(HERE, 'syslog-parse-only.mjs'), FILE]).stdout.split(' ').map(Number);
      deliveries = events - LINES;
      if (!(deliveries > 0)) throw new Error(`flowlink parse: ${events} events of ${LINES} lines`);
      return seconds;
    },
  },
  { name: 'native header scan only (scan.cc, as (e2))', run: own(path.join(HERE, 'native-floor.mjs'), '--native-columns') },
  { name: '(1) native header + postfix reading into columns (postfix.cc)', run: own(me, '--native-columns') },
  { name: '(2) (1) + flowlink per-line event (strings sliced from one chunk string)', run: own(me, '--native-events') },
  { name: '(3) (2) + flowlink PostfixJoin (tick/take/flush)', run: own(me, '--native-join') },
];
const best = new Map();
const loads = [os.loadavg()[0]];
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) best.set(c.name, Math.min(best.get(c.name) ?? Infinity, c.run()));
  loads.push(os.loadavg()[0]);
}

const lnav = best.get(cases[0].name);
console.log(`${FILE}: ${LINES.toLocaleString('en')} lines, ${deliveries.toLocaleString('en')} deliveries; fastest of ${RUNS}; load ${loads.map((x) => x.toFixed(1)).join(' -> ')}`);
console.log('| what | lines | s | µs a line | lines/s | vs lnav (time) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const s = best.get(c.name);
  console.log(`| ${c.name} | ${LINES.toLocaleString('en')} | ${s.toFixed(3)} | ${((s / LINES) * 1e6).toFixed(3)} | ${Math.round(LINES / s).toLocaleString('en')} | ${(s / lnav).toFixed(2)}x |`);
}
