#!/usr/bin/env node
// A small capture whose flows span several minutes at changing rates, for comparing flowlink's
// per-bin bytes with argus's `rabins` (test/analyses/bins-rabins.test.ts; the fixtures made
// from it and the commands are in test/fixtures/flows/SOURCES.md). Deterministic.
//   node bench/gen-rabins-capture.mjs FILE
import { writeFileSync } from 'node:fs';

const packets = [];
const T0 = Date.UTC(2026, 0, 5, 12, 0, 42, 500) * 1000; // status records (5 s) straddle each minute boundary
function tcp(ts, src, dst, sport, dport, flags, payload) {
  const ip = Buffer.alloc(20 + 20 + payload);
  ip[0] = 0x45;
  ip.writeUInt16BE(ip.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  src.split('.').forEach((o, i) => (ip[12 + i] = Number(o)));
  dst.split('.').forEach((o, i) => (ip[16 + i] = Number(o)));
  ip.writeUInt16BE(sport, 20);
  ip.writeUInt16BE(dport, 22);
  ip[32] = 0x50;
  ip[33] = flags;
  ip.writeUInt16BE(65535, 34);
  const eth = Buffer.concat([Buffer.from([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0]), ip]);
  packets.push({ ts, data: eth });
}
const SYN = 2, ACK = 16, PSH = 8, FIN = 1;
/** One TCP connection: handshake, `segments` of data at the given gaps (µs), FIN close. */
function connection(start, src, dst, sport, dport, gaps) {
  let t = start;
  tcp(t, src, dst, sport, dport, SYN, 0);
  tcp((t += 500), dst, src, dport, sport, SYN | ACK, 0);
  tcp((t += 500), src, dst, sport, dport, ACK, 0);
  let n = 0;
  for (const gap of gaps) {
    tcp((t += gap), src, dst, sport, dport, PSH | ACK, 1460);
    if (++n % 2 === 0) tcp(t + 300, dst, src, dport, sport, ACK, 0);
  }
  tcp((t += 1000), src, dst, sport, dport, FIN | ACK, 0);
  tcp((t += 500), dst, src, dport, sport, FIN | ACK, 0);
  tcp((t += 500), src, dst, sport, dport, ACK, 0);
}
// A bulk transfer of 3m40s: fast 50 s, slow 100 s, fast again 70 s (a segment each 20 ms / 250 ms / 20 ms).
connection(T0, '10.0.0.1', '10.0.0.2', 40000, 21000, [
  ...Array(2500).fill(20_000), ...Array(400).fill(250_000), ...Array(3500).fill(20_000),
]);
// A second one starting later and slowing down steadily.
connection(T0 + 95_300_000, '10.0.0.3', '10.0.0.2', 40001, 21001, Array.from({ length: 1200 }, (_, i) => 20_000 + i * 200));
// Short requests every 7 s.
for (let k = 0; k < 40; k++) connection(T0 + k * 7_000_000, '10.0.0.4', '10.0.0.2', 41000 + k, 80, Array(3).fill(2000));

packets.sort((a, b) => a.ts - b.ts);
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(65535, 16);
header.writeUInt32LE(1, 20);
const parts = [header];
for (const p of packets) {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(Math.floor(p.ts / 1e6), 0);
  h.writeUInt32LE(p.ts % 1e6, 4);
  h.writeUInt32LE(p.data.length, 8);
  h.writeUInt32LE(p.data.length, 12);
  parts.push(h, p.data);
}
writeFileSync(process.argv[2], Buffer.concat(parts));
console.log(`${packets.length} packets`);
