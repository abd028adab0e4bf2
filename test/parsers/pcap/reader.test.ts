import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { captureFormat } from '../../../parsers/pcap/reader.js';
import { fixture, fixturePath, readAll, type PlainPacket } from './helpers.js';

interface OraclePacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
interface OracleParser {
  on(event: 'packet', f: (p: OraclePacket) => void): void;
  on(event: 'end', f: () => void): void;
  on(event: 'error', f: (e: Error) => void): void;
}
const pcapOracle = createRequire(import.meta.url)('pcap-parser') as { parse(input: NodeJS.ReadableStream): OracleParser };

/** What pcap-parser (the test oracle) reads from a classic pcap file. */
function oracle(path: string): Promise<PlainPacket[]> {
  return new Promise((resolve, reject) => {
    const out: PlainPacket[] = [];
    const parser = pcapOracle.parse(createReadStream(path));
    parser.on('packet', (p) =>
      out.push({
        index: out.length + 1,
        ts: p.header.timestampSeconds * 1_000_000 + p.header.timestampMicroseconds,
        caplen: p.header.capturedLength,
        origLen: p.header.originalLength,
        linkType: 1,
        hex: p.data.toString('hex'),
      }),
    );
    parser.on('end', () => resolve(out));
    parser.on('error', reject);
  });
}

const CLASSIC = [
  'zeek-ftp-bigtransfer.pcap',
  'zeek-ftp-ipv4-active-passive.pcap',
  'zeek-ftp-ipv6-eprt-epsv.pcap',
  'zeek-ftp-retr-epsv.pcap',
  'zeek-smtp.pcap',
  'zeek-smtp-bdat-invalid.converted.pcap',
];

/** Rewrites a little-endian microsecond pcap as nanoseconds (adding sub-microsecond noise). */
function toNanos(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt32LE(0xa1b23c4d, 0);
  for (let at = 24; at + 16 <= out.length; at += 16 + out.readUInt32LE(at + 8)) {
    out.writeUInt32LE(out.readUInt32LE(at + 4) * 1000 + 999, at + 4);
  }
  return out;
}

/** Rewrites a little-endian pcap in big-endian byte order (headers only; packet bytes are bytes). */
function toBigEndian(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt32BE(buf.readUInt32LE(0), 0);
  out.writeUInt16BE(buf.readUInt16LE(4), 4);
  out.writeUInt16BE(buf.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) out.writeUInt32BE(buf.readUInt32LE(o), o);
  for (let at = 24; at + 16 <= out.length; ) {
    const caplen = buf.readUInt32LE(at + 8);
    for (let k = 0; k < 16; k += 4) out.writeUInt32BE(buf.readUInt32LE(at + k), at + k);
    at += 16 + caplen;
  }
  return out;
}

describe('pcap reader: classic pcap against pcap-parser', () => {
  for (const name of CLASSIC) {
    it(`${name}: same packets, stamps, lengths and bytes`, async () => {
      const expected = await oracle(fixturePath(name));
      const { packets, parser } = await readAll(fixture(name));
      assert.ok(expected.length > 0);
      assert.equal(packets.length, expected.length);
      assert.deepEqual(packets, expected);
      assert.deepEqual(parser.notes, []);
      assert.equal(parser.format, 'pcap');
    });
  }

  it('nanosecond and big-endian rewrites give identical packets', async () => {
    const buf = fixture('zeek-ftp-ipv4-active-passive.pcap');
    const { packets } = await readAll(buf);
    assert.deepEqual((await readAll(toNanos(buf))).packets, packets);
    assert.deepEqual((await readAll(toBigEndian(buf))).packets, packets);
    assert.deepEqual((await readAll(toBigEndian(toNanos(buf)))).packets, packets);
  });
});

describe('pcap reader: pcapng', () => {
  it('reads the pcapng fixture like its classic-pcap conversion', async () => {
    const ng = await readAll(fixture('zeek-smtp-bdat-invalid.pcapng'));
    const classic = await oracle(fixturePath('zeek-smtp-bdat-invalid.converted.pcap'));
    assert.equal(ng.parser.format, 'pcapng');
    assert.equal(ng.packets.length, 66);
    assert.deepEqual(ng.packets, classic);
    // 2024-01-15 15:41:38.367948 UTC, as tcpdump prints the first packet.
    assert.equal(ng.packets[0].ts, 1705333298367948);
    assert.deepEqual(ng.parser.notes, []);
  });

  it('handles if_tsresol (10^-9, 2^-20), several interfaces, SPB and a big-endian second section', async () => {
    const frame = (n: number) => Buffer.alloc(n, n);
    const buf = Buffer.concat([
      shb(true),
      idb(true, 1, 9), // interface 0: nanoseconds
      idb(true, 101, 0x80 | 20), // interface 1: 2^-20 s
      epb(true, 0, 1705333298_367948_123n, frame(60)), // ns: 1705333298.367948123
      epb(true, 1, (1705333299n << 20n) | 524288n, frame(61)), // 1705333299.5 s
      spb(true, frame(62)),
      shb(false),
      idb(false, 113, 6, 32),
      epb(false, 0, 1705333300_000001n, frame(63)),
      spb(false, frame(64)), // cut to the interface's 32-byte snaplen
    ]);
    for (const size of [1, 7, 4096]) {
      const { packets, parser } = await readAll(buf, size);
      assert.deepEqual(parser.notes, []);
      assert.deepEqual(
        packets.map((p) => [p.index, p.ts, p.caplen, p.origLen, p.linkType]),
        [
          [1, 1705333298367948, 60, 60, 1],
          [2, 1705333299500000, 61, 61, 101],
          [3, 1705333299500000, 62, 62, 1], // SPB has no stamp: the previous packet's
          [4, 1705333300000001, 63, 63, 113],
          [5, 1705333300000001, 32, 64, 113],
        ],
      );
      assert.equal(packets[0].hex, frame(60).toString('hex'));
    }
  });
});

describe('pcap reader: streaming', () => {
  for (const name of ['zeek-ftp-retr-epsv.pcap', 'zeek-smtp-bdat-invalid.pcapng']) {
    it(`${name}: 1-, 7- and 4096-byte chunks give the same packets`, async () => {
      const buf = fixture(name);
      const whole = (await readAll(buf, buf.length)).packets;
      for (const size of [1, 7, 4096]) {
        const { packets, parser } = await readAll(buf, size);
        assert.deepEqual(packets, whole, `chunk size ${size}`);
        assert.deepEqual(parser.notes, []);
      }
    });
  }

  it('read buffers reused between chunks: a record split across two reads is copied, the flows are the same', async () => {
    const { pcapFlows } = await import('../../../parsers/pcap/index.js');
    const { memoryInput } = await import('./helpers.js');
    /** One buffer for every chunk, scribbled over before the next is copied in, as a reused read buffer is. */
    async function* reused(buf: Buffer, size: number): AsyncGenerator<Buffer> {
      const scratch = Buffer.alloc(size);
      for (let i = 0; i < buf.length; i += size) {
        scratch.fill(0xa5);
        const n = buf.copy(scratch, 0, i, Math.min(buf.length, i + size));
        yield scratch.subarray(0, n);
      }
    }
    for (const name of ['zeek-ftp-retr-epsv.pcap', 'zeek-smtp-bdat-invalid.pcapng', 'loopback-ftp-passive-upload.pcap']) {
      const buf = fixture(name);
      const fresh = await pcapFlows(memoryInput(buf, name));
      assert.ok(fresh.length > 0);
      for (const size of [7, 1000, 4096]) {
        const input = { ...memoryInput(buf, name), reusedStream: () => reused(buf, size) };
        assert.deepEqual(await pcapFlows(input), fresh, `${name}, ${size}-byte reused chunks`);
      }
    }
  });

  it('packets are views of the input chunk, not copies', async () => {
    const { CaptureParser } = await import('../../../parsers/pcap/reader.js');
    const buf = fixture('zeek-ftp-retr-epsv.pcap');
    const parser = new CaptureParser();
    const seen: Buffer[] = [];
    parser.push(buf, (p) => seen.push(p.data));
    assert.ok(seen.length > 0);
    assert.ok(seen.every((d) => d.buffer === buf.buffer));
  });

  it('a file cut inside the last record keeps every whole packet and reports the cut', async () => {
    const buf = fixture('zeek-ftp-retr-epsv.pcap');
    const full = (await readAll(buf)).packets;
    for (const cut of [buf.length - 10, buf.length - full[full.length - 1].caplen - 8]) {
      for (const size of [7, 65536]) {
        const { packets, parser } = await readAll(buf.subarray(0, cut), size);
        assert.deepEqual(packets, full.slice(0, -1));
        assert.equal(parser.notes.length, 1);
        assert.equal(parser.notes[0].record, full.length);
        assert.match(parser.notes[0].message, new RegExp(`inside record ${full.length}`));
      }
    }
    const ng = fixture('zeek-smtp-bdat-invalid.pcapng');
    const cutNg = await readAll(ng.subarray(0, ng.length - 20));
    assert.equal(cutNg.packets.length, 65);
    assert.equal(cutNg.parser.notes[0].record, 66);
  });

  it('a corrupt record length stops reading with a note, not a throw', async () => {
    const buf = Buffer.from(fixture('zeek-ftp-retr-epsv.pcap'));
    const full = (await readAll(buf)).packets;
    // Record 3's caplen (at 24 + two records + 8).
    const at = 24 + 16 + full[0].caplen + 16 + full[1].caplen;
    buf.writeUInt32LE(0x7fffffff, at + 8);
    const { packets, parser } = await readAll(buf);
    assert.equal(packets.length, 2);
    assert.equal(parser.notes[0].record, 3);
  });

  it('detects formats by magic', () => {
    assert.equal(captureFormat(fixture('zeek-smtp.pcap')), 'pcap');
    assert.equal(captureFormat(fixture('zeek-smtp-bdat-invalid.pcapng')), 'pcapng');
    assert.equal(captureFormat(toBigEndian(fixture('zeek-smtp.pcap'))), 'pcap');
    assert.equal(captureFormat(Buffer.from('Dec  1 20:12:13 host ftpd[1]: hello')), undefined);
  });
});

// ---- pcapng block builders ----

function block(little: boolean, type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  const w = (v: number, o: number) => (little ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  w(type, 0);
  w(len, 4);
  body.copy(b, 8);
  w(len, len - 4);
  return b;
}

function shb(little: boolean): Buffer {
  const body = Buffer.alloc(16);
  if (little) body.writeUInt32LE(0x1a2b3c4d, 0);
  else body.writeUInt32BE(0x1a2b3c4d, 0);
  if (little) {
    body.writeUInt16LE(1, 4);
  } else {
    body.writeUInt16BE(1, 4);
  }
  body.fill(0xff, 8, 16); // section length unknown
  return block(little, 0x0a0d0d0a, body);
}

function idb(little: boolean, linkType: number, tsresol: number, snaplen = 0): Buffer {
  const body = Buffer.alloc(8 + 8 + 4);
  const w16 = (v: number, o: number) => (little ? body.writeUInt16LE(v, o) : body.writeUInt16BE(v, o));
  w16(linkType, 0);
  if (little) body.writeUInt32LE(snaplen, 4);
  else body.writeUInt32BE(snaplen, 4);
  w16(9, 8); // if_tsresol
  w16(1, 10);
  body[12] = tsresol;
  // opt_endofopt at 16 (zeros)
  return block(little, 1, body);
}

function epb(little: boolean, iface: number, units: bigint, data: Buffer): Buffer {
  const head = Buffer.alloc(20);
  const w = (v: number, o: number) => (little ? head.writeUInt32LE(v, o) : head.writeUInt32BE(v, o));
  w(iface, 0);
  w(Number(units >> 32n), 4);
  w(Number(units & 0xffffffffn), 8);
  w(data.length, 12);
  w(data.length, 16);
  return block(little, 6, Buffer.concat([head, data]));
}

function spb(little: boolean, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  if (little) head.writeUInt32LE(data.length, 0);
  else head.writeUInt32BE(data.length, 0);
  return block(little, 3, Buffer.concat([head, data]));
}
