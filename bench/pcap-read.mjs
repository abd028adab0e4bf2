// Packets per second of flowlink's capture reader vs pcap-parser vs tcpdump, on a generated
// capture in the temp folder (never in the repo). Run `npm run build` (or `npx tsc`) first.
//   node bench/pcap-read.mjs [packets=1000000]
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, writeFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CaptureParser, readCaptureBatches } from '../dist/parsers/pcap/reader.js';
import { parsePcapFlows } from '../dist/parsers/pcap/index.js';

const N = Number(process.argv[2] ?? 1_000_000);
const file = path.join(tmpdir(), `flowlink-bench-${N}.pcap`);

function generate() {
  // Ethernet/IPv4/TCP frames, sizes 64..1514 in a fixed cycle, 2000 concurrent flows.
  const sizes = [64, 1514, 1514, 590, 1514, 66, 1514, 300];
  const total = 24 + Array.from({ length: N }, (_, i) => 16 + sizes[i % sizes.length]).reduce((a, b) => a + b, 0);
  const buf = Buffer.alloc(total);
  buf.writeUInt32LE(0xa1b2c3d4, 0); buf.writeUInt16LE(2, 4); buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16); buf.writeUInt32LE(1, 20);
  let at = 24;
  const t0 = 1_700_000_000;
  for (let i = 0; i < N; i++) {
    const len = sizes[i % sizes.length];
    const us = i * 50; // 20k packets/s of capture time
    buf.writeUInt32LE(t0 + Math.floor(us / 1e6), at); buf.writeUInt32LE(us % 1e6, at + 4);
    buf.writeUInt32LE(len, at + 8); buf.writeUInt32LE(len, at + 12);
    const f = at + 16;
    buf.writeUInt16BE(0x0800, f + 12);
    const ip = f + 14;
    buf[ip] = 0x45; buf.writeUInt16BE(len - 14, ip + 2); buf[ip + 8] = 64; buf[ip + 9] = 6;
    const flow = i % 2000;
    const dir = (i >> 3) & 1;
    const a = [10, 0, flow >> 8, flow & 255], b = [192, 168, 1, 1];
    Buffer.from(dir ? b : a).copy(buf, ip + 12); Buffer.from(dir ? a : b).copy(buf, ip + 16);
    const t = ip + 20;
    buf.writeUInt16BE(dir ? 80 : 40000 + flow, t); buf.writeUInt16BE(dir ? 40000 + flow : 80, t + 2);
    buf[t + 12] = 0x50; buf[t + 13] = 0x18;
    at += 16 + len;
  }
  writeFileSync(file, buf);
}

async function* chunks() { for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) yield c; }

async function timeIt(fn) {
  const t = process.hrtime.bigint();
  const n = await fn();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  return { n, s };
}

async function flowlinkReader() {
  let n = 0;
  for await (const batch of readCaptureBatches(chunks(), new CaptureParser())) n += batch.length;
  return n;
}

async function flowlinkFlows() {
  let pkts = 0;
  const input = { path: file, head: Buffer.alloc(0), mtime: new Date(), async *lines() {}, stream: chunks };
  for await (const item of parsePcapFlows(input)) if (item.kind === 'flow') pkts += item.pkts;
  return pkts;
}

function pcapParser() {
  const pcap = createRequire(import.meta.url)('pcap-parser');
  return new Promise((resolve, reject) => {
    let n = 0;
    const p = pcap.parse(createReadStream(file, { highWaterMark: 1 << 20 }));
    p.on('packet', () => n++);
    p.on('end', () => resolve(n));
    p.on('error', reject);
  });
}

function tcpdump() {
  execFileSync('tcpdump', ['-r', file, '-w', '/dev/null'], { stdio: 'ignore' });
  return N;
}

if (!existsSync(file)) generate();
const mb = statSync(file).size / 1e6;
console.log(`capture: ${file}, ${N} packets, ${mb.toFixed(0)} MB (warm page cache; best of 3)`);
const rows = [];
const runs = [['flowlink reader (readCaptureBatches)', flowlinkReader], ['flowlink reader+decode+flows (parsePcapFlows)', flowlinkFlows], ['pcap-parser 0.2.1', pcapParser]];
let haveTcpdump = true;
try { execFileSync('tcpdump', ['--version'], { stdio: 'ignore' }); } catch { haveTcpdump = false; }
if (haveTcpdump) runs.push(['tcpdump -r FILE -w /dev/null', tcpdump]);
await flowlinkReader(); // warm the page cache
for (const [name, fn] of runs) {
  let best;
  for (let i = 0; i < 3; i++) {
    const r = await timeIt(fn);
    if (r.n !== N) throw new Error(`${name}: counted ${r.n} packets, expected ${N}`);
    if (!best || r.s < best.s) best = r;
  }
  rows.push({ reader: name, seconds: best.s.toFixed(3), 'packets/s': Math.round(N / best.s).toLocaleString('en-US'), 'MB/s': (mb / best.s).toFixed(0) });
}
console.table(rows);
