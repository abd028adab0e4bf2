// Shared by the pcap tests: fixtures, in-memory inputs, and hand-built frames and captures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InputFile } from '../../../parsers/parser.js';
import { CaptureParser, readCapture, type CapturePacket } from '../../../parsers/pcap/reader.js';

// Compiled to dist/test/parsers/pcap/: the fixtures stay in the source tree.
const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/pcap/', import.meta.url));

export function fixturePath(name: string): string {
  return FIXTURES + name;
}

export function fixture(name: string): Buffer {
  return readFileSync(fixturePath(name));
}

export async function* chunked(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

export function memoryInput(buf: Buffer, name = 'mem.pcap', chunkSize = 65536): InputFile {
  return {
    path: name,
    head: buf.subarray(0, 65536),
    mtime: new Date(0),
    async *lines() {},
    stream: () => chunked(buf, chunkSize),
  };
}

export interface PlainPacket {
  index: number;
  ts: number;
  caplen: number;
  origLen: number;
  linkType: number;
  hex: string;
}

export async function readAll(buf: Buffer, chunkSize = 65536): Promise<{ packets: PlainPacket[]; parser: CaptureParser }> {
  const parser = new CaptureParser();
  const packets: PlainPacket[] = [];
  for await (const p of readCapture(chunked(buf, chunkSize), parser)) packets.push(plain(p));
  return { packets, parser };
}

export function plain(p: CapturePacket): PlainPacket {
  return { index: p.index, ts: p.ts, caplen: p.caplen, origLen: p.origLen, linkType: p.linkType, hex: p.data.toString('hex') };
}

// ---- hand-built frames ----

export function ipv4(src: string, dst: string, proto: number, l4: Buffer, opts: { id?: number; frag?: number; options?: Buffer } = {}): Buffer {
  const optLen = opts.options?.length ?? 0;
  const h = Buffer.alloc(20 + optLen);
  h[0] = 0x40 | ((20 + optLen) / 4);
  h.writeUInt16BE(20 + optLen + l4.length, 2);
  h.writeUInt16BE(opts.id ?? 1, 4);
  h.writeUInt16BE(opts.frag ?? 0, 6);
  h[8] = 64;
  h[9] = proto;
  Buffer.from(src.split('.').map(Number)).copy(h, 12);
  Buffer.from(dst.split('.').map(Number)).copy(h, 16);
  opts.options?.copy(h, 20);
  return Buffer.concat([h, l4]);
}

function v6bytes(addr: string): Buffer {
  const [head, tail] = addr.split('::');
  const hs = head ? head.split(':') : [];
  const ts = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const words = [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts].map((w) => parseInt(w, 16));
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
}

/** IPv6 with a chain of extension headers: each {type, body} where body excludes next-header. */
export function ipv6(src: string, dst: string, chain: { type: number; bytes: Buffer }[], proto: number, l4: Buffer): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  const exts = chain.map((e, i) => {
    const b = Buffer.from(e.bytes);
    b[0] = i + 1 < chain.length ? chain[i + 1].type : proto;
    return b;
  });
  const body = Buffer.concat([...exts, l4]);
  h.writeUInt16BE(body.length, 4);
  h[6] = chain.length > 0 ? chain[0].type : proto;
  h[7] = 64;
  v6bytes(src).copy(h, 8);
  v6bytes(dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

export function tcp(sport: number, dport: number, flags: number, payload = 0, optionWords = 0): Buffer {
  const b = Buffer.alloc(20 + optionWords * 4 + payload);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b[12] = (5 + optionWords) << 4;
  b[13] = flags;
  return b;
}

export function udp(sport: number, dport: number, payload = 0): Buffer {
  const b = Buffer.alloc(8 + payload);
  b.writeUInt16BE(sport, 0);
  b.writeUInt16BE(dport, 2);
  b.writeUInt16BE(8 + payload, 4);
  return b;
}

export function ether(ip: Buffer, tags: number[] = [], etherType = ip[0] >> 4 === 6 ? 0x86dd : 0x0800): Buffer {
  const h = Buffer.alloc(12 + tags.length * 4 + 2);
  let o = 12;
  for (const tpid of tags) {
    h.writeUInt16BE(tpid, o);
    h.writeUInt16BE(100, o + 2);
    o += 4;
  }
  h.writeUInt16BE(etherType, o);
  return Buffer.concat([h, ip]);
}

// ---- hand-built captures ----

export interface FrameSpec {
  ts: number; // microseconds
  data: Buffer;
  origLen?: number;
}

/** A classic little-endian microsecond pcap. */
export function pcapFile(frames: FrameSpec[], linkType = 1): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(262144, 16);
  gh.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [gh];
  for (const f of frames) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(f.ts / 1e6), 0);
    h.writeUInt32LE(f.ts % 1e6, 4);
    h.writeUInt32LE(f.data.length, 8);
    h.writeUInt32LE(f.origLen ?? f.data.length, 12);
    parts.push(h, f.data);
  }
  return Buffer.concat(parts);
}

/** Walks a classic pcap's records: header offset, caplen offset and data for rewriting tests. */
export function pcapRecords(buf: Buffer): { at: number; caplen: number }[] {
  const out: { at: number; caplen: number }[] = [];
  for (let at = 24; at + 16 <= buf.length; ) {
    const caplen = buf.readUInt32LE(at + 8);
    out.push({ at, caplen });
    at += 16 + caplen;
  }
  return out;
}
