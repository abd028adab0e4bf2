// flowlink side by side with the real tools on the same input, one run each (page cache warm),
// every process timed and its peak RSS taken by /usr/bin/time. Run `npx tsc` first.
//   node bench/vs-argus.mjs [packets=2000000] [concurrent=5000] [--no-fixtures] [--no-memory] [--no-text]
// Sections: (a) pcap -> flows on a generated capture and on the test fixtures; (b) peak RSS when
// the packet count doubles with the same concurrent flows; (c) argus text import (rows/s).
// Captures and text are written to the temp folder, never to the repo.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCapture } from './gen-capture.mjs';
import { RA_FIELDS } from '../dist/parsers/argus-binary.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const PACKETS = Number(args[0] ?? 2_000_000);
const CONCURRENT = Number(args[1] ?? 5000);

function capture(packets) {
  const file = path.join(tmpdir(), `flowlink-bench-${packets}-${CONCURRENT}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} ...\n`);
    generateCapture(file, { packets, concurrent: CONCURRENT });
  }
  return file;
}

/** Runs a shell command under /usr/bin/time: wall seconds, peak RSS (MB) of the largest process. */
function timed(command) {
  const out = path.join(tmpdir(), `flowlink-bench-time-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', '-o', out, 'sh', '-c', command], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${command}: exit ${r.status}\n${r.stderr}`);
  const [sec, kb] = readFileSync(out, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(out, { force: true });
  return { seconds: sec, rssMB: kb / 1024, stdout: r.stdout };
}

const q = (s) => `'${s.replace(/'/g, "'\\''")}'`;
const node = (script, file) => `${q(process.execPath)} ${q(path.join(HERE, script))} ${q(file)}`;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const version = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.split('\n').find((l) => /version/i.test(l))?.trim() ?? '?';
};

console.log(`machine: ${execFileSync('nproc').toString().trim()} CPUs, node ${process.version}, ${version('argus', ['-h'])}, ${version('ra', ['-h'])}, ${version('tcpdump', ['--version'])}`);

function flowsTable(file, packets) {
  const mb = statSync(file).size / 1e6;
  execFileSync('sh', ['-c', `cat ${q(file)} > /dev/null`]); // warm the page cache
  const fl = timed(node('flowlink-flows.mjs', file));
  const res = JSON.parse(fl.stdout.trim().split('\n').pop());
  if (res.pkts !== packets) throw new Error(`flowlink counted ${res.pkts} packets, expected ${packets}`);
  const rows = [['flowlink flows (pcap parser API, all flows consumed)', fl, `${fmt(res.flows)} flows, ${fmt(res.records)} records`]];
  rows.push(['argus -r X -w /dev/null', timed(`argus -X -P 0 -r ${q(file)} -w /dev/null`), '']);
  rows.push(['argus -r X -w - | ra -nn -r - > /dev/null', timed(`argus -X -P 0 -r ${q(file)} -w - | ra -X -nn -r - > /dev/null`), '']);
  rows.push(['tcpdump -r X -w /dev/null (read only, no flows)', timed(`tcpdump -r ${q(file)} -w /dev/null 2>/dev/null`), '']);
  const base = packets / fl.seconds;
  console.log(`\n${path.basename(file)}: ${fmt(packets)} packets, ${mb.toFixed(0)} MB`);
  console.log('| tool | seconds | packets/s | MB/s | flowlink speed / tool speed | peak RSS MB | notes |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const [name, r, note] of rows) {
    const pps = packets / r.seconds;
    console.log(`| ${name} | ${r.seconds.toFixed(2)} | ${fmt(pps)} | ${(mb / r.seconds).toFixed(0)} | ${(base / pps).toFixed(2)}x | ${r.rssMB.toFixed(0)} | ${note} |`);
  }
  return { fl, res, rows };
}

// (a) generated capture
const big = capture(PACKETS);
const a = flowsTable(big, PACKETS);

// (a) fixtures: small real captures, where process start-up dominates.
if (!flags.has('--no-fixtures')) {
  const dir = path.join(HERE, '..', 'test', 'fixtures', 'pcap');
  console.log('\nfixtures (test/fixtures/pcap, one process per file; start-up dominates)');
  console.log('| file | packets | flowlink s | argus -w /dev/null s | tcpdump s | flowlink RSS MB | argus RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const name of readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n)).sort()) {
    const file = path.join(dir, name);
    const fl = timed(node('flowlink-flows.mjs', file));
    const res = JSON.parse(fl.stdout.trim().split('\n').pop());
    const ar = timed(`argus -X -P 0 -r ${q(file)} -w /dev/null`);
    const td = timed(`tcpdump -r ${q(file)} -w /dev/null 2>/dev/null`);
    console.log(`| ${name} | ${fmt(res.pkts)} | ${fl.seconds.toFixed(2)} | ${ar.seconds.toFixed(2)} | ${td.seconds.toFixed(2)} | ${fl.rssMB.toFixed(0)} | ${ar.rssMB.toFixed(0)} |`);
  }
}

// (b) memory: twice the packets, same concurrent flows.
if (!flags.has('--no-memory')) {
  const half = Math.floor(PACKETS / 2);
  console.log(`\npeak RSS, same ${fmt(CONCURRENT)} concurrent flows, packets doubled`);
  console.log('| packets | flowlink RSS MB | argus RSS MB | flowlink s | argus s |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const n of [half, PACKETS, PACKETS * 2]) {
    const file = n === PACKETS ? big : capture(n);
    const fl = n === PACKETS ? a.fl : timed(node('flowlink-flows.mjs', file));
    const ar = timed(`argus -X -P 0 -r ${q(file)} -w /dev/null`);
    console.log(`| ${fmt(n)} | ${fl.rssMB.toFixed(0)} | ${ar.rssMB.toFixed(0)} | ${fl.seconds.toFixed(2)} | ${ar.seconds.toFixed(2)} |`);
  }
}

// (c) argus text import: the ra CSV of the generated capture's argus file, repeated with
// shifted times (so copies do not merge) to get a large text; the peer is ra printing the
// same records from the binary (the file named K times).
if (!flags.has('--no-text')) {
  const argusFile = path.join(tmpdir(), `flowlink-bench-${PACKETS}-${CONCURRENT}.argus`);
  if (!existsSync(argusFile)) execFileSync('argus', ['-X', '-P', '0', '-r', big, '-w', argusFile]);
  const raArgs = `-X -nn -c , -u -p 6 -L0 -s ${RA_FIELDS.join(' ')}`;
  const csv = execFileSync('sh', ['-c', `ra ${raArgs} -r ${q(argusFile)}`], { maxBuffer: 1 << 30 }).toString().trim().split('\n');
  const header = csv[0];
  const body = csv.slice(1).filter((l) => !l.includes(',man,'));
  const K = Math.max(1, Math.ceil(1_000_000 / body.length));
  const textFile = path.join(tmpdir(), `flowlink-bench-${PACKETS}-${CONCURRENT}-x${K}.csv`);
  if (!existsSync(textFile)) {
    const out = [header];
    for (let k = 0; k < K; k++) {
      const shift = k * 86400;
      for (const l of body) {
        const c = l.split(',');
        c[0] = (Number(c[0]) + shift).toFixed(6);
        c[1] = (Number(c[1]) + shift).toFixed(6);
        out.push(c.join(','));
      }
    }
    writeFileSync(textFile, out.join('\n') + '\n');
  }
  const rows = K * body.length;
  execFileSync('sh', ['-c', `cat ${q(textFile)} ${q(argusFile)} > /dev/null`]);
  const fl = timed(node('flowlink-flows.mjs', textFile));
  const ra = timed(`ra ${raArgs} -r ${Array(K).fill(q(argusFile)).join(' ')} > /dev/null`);
  const flBin = timed(node('flowlink-flows.mjs', argusFile));
  const binRows = body.length;
  console.log(`\nargus text import: ${fmt(rows)} rows (${K} x ${fmt(body.length)}), ${(statSync(textFile).size / 1e6).toFixed(0)} MB of ra CSV`);
  console.log('| reader | rows | seconds | rows/s | flowlink rate / peer rate | peak RSS MB |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const rate = rows / fl.seconds;
  console.log(`| flowlink argus-text (ra CSV file) | ${fmt(rows)} | ${fl.seconds.toFixed(2)} | ${fmt(rate)} | 1.00x | ${fl.rssMB.toFixed(0)} |`);
  console.log(`| ra -r BINARY -c , (printing the same rows) | ${fmt(rows)} | ${ra.seconds.toFixed(2)} | ${fmt(rows / ra.seconds)} | ${(rate / (rows / ra.seconds)).toFixed(2)}x | ${ra.rssMB.toFixed(0)} |`);
  console.log(`| flowlink argus-binary (ra + argus-text, 1 copy) | ${fmt(binRows)} | ${flBin.seconds.toFixed(2)} | ${fmt(binRows / flBin.seconds)} | - | ${flBin.rssMB.toFixed(0)} |`);
}
