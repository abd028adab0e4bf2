// A synthetic capture of realistic shape for the benchmarks, written in the temp folder (never
// in the repo): Ethernet/IPv4, many short TCP connections (handshake, request, a response of
// 1..40 full-size frames with ACKs, FIN close), DNS over UDP, a few ICMP echoes, and a handful
// of long bulk transfers that last the whole capture (status records every 5 s). Seeded, so
// the same arguments give the same file.
//   node bench/gen-capture.mjs FILE [packets=2000000] [concurrent=5000]
import { closeSync, openSync, writeSync } from 'node:fs';
import { seededRandom } from '../samples/lib/seeded-random.mjs';

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** The samples' seeded mulberry32 (samples/lib/seeded-random.mjs): the same data on every run. */
const rng = (seed) => seededRandom(seed).random;

/** Steps of one connection: [fromClient, proto, tcpFlags, payloadBytes]. */
function shortTcp(rand) {
  const steps = [[1, 6, SYN, 0], [0, 6, SYN | ACK, 0], [1, 6, ACK, 0], [1, 6, PSH | ACK, 200 + Math.floor(rand() * 600)]];
  const frames = 1 + Math.floor(rand() * rand() * 40);
  for (let i = 0; i < frames; i++) {
    steps.push([0, 6, ACK, i === frames - 1 ? 1 + Math.floor(rand() * 1460) : 1460]);
    if (i % 2 === 1) steps.push([1, 6, ACK, 0]);
  }
  if (rand() < 0.05) steps.push([1, 6, RST, 0]);
  else steps.push([1, 6, FIN | ACK, 0], [0, 6, FIN | ACK, 0], [1, 6, ACK, 0]);
  return steps;
}

const dns = (rand) => [[1, 17, 0, 30 + Math.floor(rand() * 30)], [0, 17, 0, 60 + Math.floor(rand() * 400)]];
const ping = () => [[1, 1, 8, 56], [0, 1, 0, 56], [1, 1, 8, 56], [0, 1, 0, 56]];

/**
 * Writes the capture; returns { packets, bytes, flows }. `long` bulk transfers carry about a
 * fifth of the packets; the other slots are refilled with a new connection when one ends.
 */
export function generateCapture(file, { packets = 2_000_000, concurrent = 5000, long = 8, seed = 1 } = {}) {
  const rand = rng(seed);
  const fd = openSync(file, 'w');
  const BUF = 8 << 20;
  let buf = Buffer.alloc(BUF);
  let at = 0;
  buf.writeUInt32LE(0xa1b2c3d4, 0); buf.writeUInt16LE(2, 4); buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16); buf.writeUInt32LE(1, 20);
  at = 24;
  let bytes = 0;
  let flows = 0;
  let nextClient = 0;
  const server = (i) => [172, 16, (i >> 8) & 255, i & 255];
  function newFlow(slot, isLong) {
    flows++;
    const c = nextClient++;
    const r = rand();
    const kind = isLong ? 'long' : r < 0.8 ? 'tcp' : r < 0.97 ? 'dns' : 'icmp';
    const f = {
      kind,
      client: [10, (c >> 16) & 255, (c >> 8) & 255, c & 255],
      server: server(kind === 'dns' ? 1 : Math.floor(rand() * 512)),
      cport: 1024 + (c % 60000),
      sport: kind === 'dns' ? 53 : kind === 'long' ? 21000 + slot : [80, 443, 25, 22][Math.floor(rand() * 4)],
      steps: kind === 'tcp' ? shortTcp(rand) : kind === 'dns' ? dns(rand) : kind === 'icmp' ? ping() : [[1, 6, SYN, 0], [0, 6, SYN | ACK, 0], [1, 6, ACK, 0]],
      i: 0,
      icmpId: c & 0xffff,
    };
    return f;
  }
  const slots = [];
  for (let s = 0; s < concurrent; s++) slots.push(newFlow(s, s < long));
  let ts = 1_700_000_000 * 1e6;
  for (let n = 0; n < packets; n++) {
    // Bulk transfers get ~20% of the packets, the rest go to a random connection.
    const s = long > 0 && rand() < 0.2 ? Math.floor(rand() * long) : long + Math.floor(rand() * (concurrent - long));
    let f = slots[s];
    let step;
    if (f.kind === 'long' && f.i >= f.steps.length) {
      // Steady bulk: two full frames, then an ACK.
      const k = f.i++ % 3;
      step = k < 2 ? [0, 6, ACK, 1460] : [1, 6, ACK, 0];
    } else {
      step = f.steps[f.i++];
    }
    const [fromClient, proto, flags, payload] = step;
    const l4 = proto === 6 ? 20 : 8;
    const len = 14 + 20 + l4 + payload;
    if (at + 16 + len > BUF) {
      writeSync(fd, buf, 0, at);
      buf = Buffer.alloc(BUF);
      at = 0;
    }
    ts += Math.floor(rand() * 100); // ~20k packets per second of capture time
    buf.writeUInt32LE(Math.floor(ts / 1e6), at);
    buf.writeUInt32LE(ts % 1e6, at + 4);
    buf.writeUInt32LE(len, at + 8);
    buf.writeUInt32LE(len, at + 12);
    const e = at + 16;
    buf[e + 5] = 1; buf[e + 11] = 2;
    buf.writeUInt16BE(0x0800, e + 12);
    const ip = e + 14;
    buf[ip] = 0x45;
    buf.writeUInt16BE(len - 14, ip + 2);
    buf.writeUInt16BE(n & 0xffff, ip + 4);
    buf[ip + 8] = 64;
    buf[ip + 9] = proto;
    const src = fromClient ? f.client : f.server;
    const dst = fromClient ? f.server : f.client;
    for (let k = 0; k < 4; k++) {
      buf[ip + 12 + k] = src[k];
      buf[ip + 16 + k] = dst[k];
    }
    const t = ip + 20;
    if (proto === 1) {
      buf[t] = flags; // ICMP type: 8 request, 0 reply
      buf.writeUInt16BE(f.icmpId, t + 4);
      buf.writeUInt16BE(f.i, t + 6);
    } else {
      buf.writeUInt16BE(fromClient ? f.cport : f.sport, t);
      buf.writeUInt16BE(fromClient ? f.sport : f.cport, t + 2);
      if (proto === 6) {
        buf[t + 12] = 0x50;
        buf[t + 13] = flags;
      } else {
        buf.writeUInt16BE(8 + payload, t + 4);
      }
    }
    at += 16 + len;
    bytes += len;
    if (f.kind !== 'long' && f.i >= f.steps.length) slots[s] = newFlow(s, false);
  }
  writeSync(fd, buf, 0, at);
  closeSync(fd);
  return { packets, bytes, flows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, packets, concurrent] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node bench/gen-capture.mjs FILE [packets] [concurrent]');
    process.exit(2);
  }
  console.log(generateCapture(file, { packets: Number(packets ?? 2_000_000), concurrent: Number(concurrent ?? 5000) }));
}
