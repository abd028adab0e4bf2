// Streaming capture reader for classic pcap and pcapng. Packets are views into the chunks the
// stream delivers (no copies); only a record split across two chunks is copied and stitched into
// a buffer of its own, so nothing holds a chunk after its push and read buffers can be reused. Formats: libpcap's pcap-savefile(5) and the pcapng draft (IETF opsawg-pcapng).
import type { Micros } from '../../src/event.js';

export interface CapturePacket {
  /** 1-based packet number in the file (what tcpdump and Wireshark call the frame number). */
  index: number;
  ts: Micros;
  caplen: number;
  origLen: number;
  linkType: number;
  /** The captured bytes: a subarray of the input chunk, valid as long as you keep it. */
  data: Buffer;
}

/**
 * Receives one packet as a range of the chunk being parsed, so the hot path makes no object or
 * view per packet. `buf[start, end)` is valid until the callback returns (keep a copy beyond).
 */
export type PacketSink = (buf: Buffer, start: number, end: number, ts: Micros, origLen: number, linkType: number, index: number) => void;

/** Something wrong with the file itself (not with a packet's contents). */
export interface CaptureNote {
  /** The packet number the problem is at (the packet that could not be read). */
  record: number;
  message: string;
}

export type CaptureFormat = 'pcap' | 'pcapng';

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

/** Which capture format a file's first bytes are, if any. */
export function captureFormat(head: Buffer): CaptureFormat | undefined {
  if (head.length < 4) return undefined;
  const le = head.readUInt32LE(0);
  const be = head.readUInt32BE(0);
  if (le === PCAP_MAGIC_US || be === PCAP_MAGIC_US || le === PCAP_MAGIC_NS || be === PCAP_MAGIC_NS) return 'pcap';
  if (le === PCAPNG_SHB && head.length >= 12) {
    const bom = head.readUInt32LE(8);
    if (bom === PCAPNG_BOM || head.readUInt32BE(8) === PCAPNG_BOM) return 'pcapng';
  }
  return undefined;
}

/** A caplen above this is a corrupt length field, not a packet (libpcap allows 256 KiB). */
const MAX_RECORD = 16 * 1024 * 1024;

/** Converts an interface's 64-bit timestamp (two 32-bit halves) to microseconds. */
type TsConverter = (hi: number, lo: number) => Micros;

const TWO32 = 4294967296;

function tsConverter(resol: number, offsetSeconds: number): TsConverter {
  const offset = offsetSeconds * 1_000_000;
  if ((resol & 0x80) === 0) {
    const exp = resol;
    if (exp === 6) return (hi, lo) => hi * TWO32 + lo + offset;
    if (exp < 6) {
      const mul = 10 ** (6 - exp);
      return (hi, lo) => (hi * TWO32 + lo) * mul + offset;
    }
    const div = 10 ** (exp - 6);
    if (div < 2 ** 20) {
      // Long division by halves keeps nanosecond stamps (~1.7e18 units) exact in doubles.
      return (hi, lo) => {
        const q = Math.floor(hi / div);
        const r = hi - q * div;
        return q * TWO32 + Math.floor((r * TWO32 + lo) / div) + offset;
      };
    }
    const bdiv = 10n ** BigInt(exp - 6);
    return (hi, lo) => Number(((BigInt(hi) << 32n) | BigInt(lo)) / bdiv) + offset;
  }
  const shift = BigInt(resol & 0x7f);
  return (hi, lo) => Number((((BigInt(hi) << 32n) | BigInt(lo)) * 1_000_000n) >> shift) + offset;
}

interface Iface {
  linkType: number;
  snaplen: number;
  ts: TsConverter;
}

const DEFAULT_TS = tsConverter(6, 0);

function le32(b: Buffer, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
}

/**
 * A push parser: feed chunks with `push`, get packets through the callback. Synchronous, so the
 * hot loop has no promise per packet; `readCapture` wraps it as an async iterable.
 */
export class CaptureParser {
  format: CaptureFormat | undefined;
  /** Link type of the (first) interface; pcapng files can have several. */
  linkType: number | undefined;
  readonly notes: CaptureNote[] = [];
  /** Set after a fatal problem (bad magic, corrupt length): the rest of the input is ignored. */
  stopped = false;
  private packets = 0;
  private little = true;
  private nanos = false;
  private headerDone = false;
  private ifaces: Iface[] = [];
  private lastTs: Micros = 0;
  /** Bytes of a record split across chunks, kept until it is whole. */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Total length of the carried record once its length field has been read; -1 before. */
  private pendingNeed = -1;
  private emit: PacketSink = () => {};

  /** Parses what it can of `chunk`, a packet object for each; the unfinished tail is carried to the next push. */
  push(chunk: Buffer, emit: (p: CapturePacket) => void): void {
    this.pushRaw(chunk, (buf, start, end, ts, origLen, linkType, index) => {
      emit({ index, ts, caplen: end - start, origLen, linkType, data: buf.subarray(start, end) });
    });
  }

  /** `push` without the packet objects: the sink gets each packet's range in the chunk. */
  pushRaw(chunk: Buffer, emit: PacketSink): void {
    if (this.stopped || chunk.length === 0) return;
    this.emit = emit;
    let buf = chunk;
    if (this.pendingLen > 0) {
      // Complete the split record from the head of this chunk only, then go on in place.
      if (this.pendingNeed < 0) {
        // The length is not known yet, so the carried part is a few header bytes: cheap to join.
        if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending, this.pendingLen)];
        const need = this.recordLength(this.pending[0], this.pendingLen, chunk);
        if (need === -2) return;
        this.pendingNeed = need;
      }
      const need = this.pendingNeed;
      if (need < 0 || this.pendingLen + chunk.length < need) {
        // A copy: the chunk's buffer may be reused by the next read (InputFile.reusedStream).
        this.pending.push(Buffer.from(chunk));
        this.pendingLen += chunk.length;
        return;
      }
      const take = need - this.pendingLen;
      const whole = Buffer.concat([...this.pending, chunk.subarray(0, take)], need);
      this.pending = [];
      this.pendingLen = 0;
      this.pendingNeed = -1;
      if (this.parse(whole) !== need || this.stopped) return;
      buf = chunk.subarray(take);
    }
    const used = this.parse(buf);
    if (used < buf.length && !this.stopped) {
      // A copy of the tail (less than one record), for the same reason.
      this.pending.push(Buffer.from(buf.subarray(used)));
      this.pendingLen = buf.length - used;
    }
  }

  /** Call once after the last chunk: reports a record cut short by the end of the file. */
  end(): void {
    if (this.stopped) return;
    if (!this.headerDone) {
      if (this.pendingLen > 0 || this.format === undefined) this.note(0, `file ends inside the ${this.format ?? 'capture'} file header (${this.pendingLen} bytes)`);
      return;
    }
    if (this.pendingLen > 0) {
      this.note(this.packets + 1, `file ends inside record ${this.packets + 1} (${this.pendingLen} bytes of it present); earlier packets kept`);
      this.pending = [];
      this.pendingLen = 0;
    }
  }

  get packetCount(): number {
    return this.packets;
  }

  private note(record: number, message: string): void {
    this.notes.push({ record, message });
  }

  private stop(record: number, message: string): void {
    this.note(record, message);
    this.stopped = true;
    this.pending = [];
    this.pendingLen = 0;
    this.pendingNeed = -1;
  }

  /**
   * Length of the record (or file header) that starts the carried bytes, reading into `next`
   * if the carried part is too short to hold the length field. -1: not known yet; -2: stopped.
   */
  private recordLength(carried: Buffer, carriedLen: number, next: Buffer): number {
    const peek = (n: number): Buffer | undefined => {
      if (carriedLen >= n) return carried;
      if (carriedLen + next.length < n) return undefined;
      return Buffer.concat([carried, next.subarray(0, n - carriedLen)], n);
    };
    if (!this.headerDone && this.format !== 'pcapng') {
      if (this.format === undefined) {
        const b = peek(4);
        if (!b) return -1;
        this.detectFormat(b);
        if (this.stopped) return -2;
      }
      if (this.format === 'pcap') return 24;
    }
    if (this.format === 'pcap') {
      const b = peek(16);
      if (!b) return -1;
      const caplen = this.little ? b.readUInt32LE(8) : b.readUInt32BE(8);
      if (caplen > MAX_RECORD) {
        this.stop(this.packets + 1, `record ${this.packets + 1} claims ${caplen} captured bytes: corrupt file, reading stopped`);
        return -2;
      }
      return 16 + caplen;
    }
    const b = peek(12);
    if (!b) return -1;
    let little = this.little;
    if (b.readUInt32LE(0) === PCAPNG_SHB) {
      const bom = b.readUInt32LE(8);
      little = bom === PCAPNG_BOM;
    }
    const len = little ? b.readUInt32LE(4) : b.readUInt32BE(4);
    if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
      this.stop(this.packets + 1, `pcapng block with length ${len} before packet ${this.packets + 1}: corrupt file, reading stopped`);
      return -2;
    }
    return len;
  }

  private detectFormat(b: Buffer): void {
    const le = b.readUInt32LE(0);
    const be = b.readUInt32BE(0);
    if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) {
      this.format = 'pcap';
      this.little = true;
      this.nanos = le === PCAP_MAGIC_NS;
    } else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) {
      this.format = 'pcap';
      this.little = false;
      this.nanos = be === PCAP_MAGIC_NS;
    } else if (le === PCAPNG_SHB) {
      this.format = 'pcapng';
    } else {
      this.stop(0, `not a pcap or pcapng file (magic ${b.toString('hex', 0, 4)})`);
    }
  }

  /** Parses whole records from the start of `buf`; returns how many bytes it used. */
  private parse(buf: Buffer): number {
    let pos = 0;
    if (this.format === undefined) {
      if (buf.length < 4) return 0;
      this.detectFormat(buf);
      if (this.stopped) return buf.length;
    }
    if (this.format === 'pcap') {
      if (!this.headerDone) {
        if (buf.length < 24) return 0;
        // The link type's upper 16 bits can carry FCS information (pcap-savefile(5)).
        this.linkType = (this.little ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0xffff;
        this.headerDone = true;
        pos = 24;
      }
      return this.little ? this.parsePcapLE(buf, pos) : this.parsePcapBE(buf, pos);
    }
    return this.parsePcapng(buf, pos);
  }

  // Two copies of the classic loop, one per byte order, so the hot path has no branch on it.
  // Plain byte reads (le32): Buffer's readUInt32LE checks bounds, which the loop condition has done.
  private parsePcapLE(buf: Buffer, start: number): number {
    let pos = start;
    const end = buf.length;
    const linkType = this.linkType!;
    const div = this.nanos ? 1000 : 1;
    const emit = this.emit;
    while (pos + 16 <= end) {
      const caplen = le32(buf, pos + 8);
      if (caplen > MAX_RECORD) {
        this.stop(this.packets + 1, `record ${this.packets + 1} claims ${caplen} captured bytes: corrupt file, reading stopped`);
        return end;
      }
      const next = pos + 16 + caplen;
      if (next > end) break;
      const frac = le32(buf, pos + 4);
      const ts = le32(buf, pos) * 1_000_000 + (div === 1 ? frac : Math.floor(frac / div));
      emit(buf, pos + 16, next, ts, le32(buf, pos + 12), linkType, ++this.packets);
      pos = next;
    }
    return pos;
  }

  private parsePcapBE(buf: Buffer, start: number): number {
    let pos = start;
    const end = buf.length;
    const linkType = this.linkType!;
    const div = this.nanos ? 1000 : 1;
    const emit = this.emit;
    while (pos + 16 <= end) {
      const caplen = buf.readUInt32BE(pos + 8);
      if (caplen > MAX_RECORD) {
        this.stop(this.packets + 1, `record ${this.packets + 1} claims ${caplen} captured bytes: corrupt file, reading stopped`);
        return end;
      }
      const next = pos + 16 + caplen;
      if (next > end) break;
      const frac = buf.readUInt32BE(pos + 4);
      const ts = buf.readUInt32BE(pos) * 1_000_000 + (div === 1 ? frac : Math.floor(frac / div));
      emit(buf, pos + 16, next, ts, buf.readUInt32BE(pos + 12), linkType, ++this.packets);
      pos = next;
    }
    return pos;
  }

  private parsePcapng(buf: Buffer, start: number): number {
    let pos = start;
    const end = buf.length;
    while (pos + 12 <= end) {
      const rawType = buf.readUInt32LE(pos);
      if (rawType === PCAPNG_SHB) {
        // The SHB's type reads the same in both orders; its byte-order magic decides the section's.
        const bomLE = buf.readUInt32LE(pos + 8);
        if (bomLE === PCAPNG_BOM) this.little = true;
        else if (buf.readUInt32BE(pos + 8) === PCAPNG_BOM) this.little = false;
        else {
          this.stop(this.packets + 1, `pcapng section header with a bad byte-order magic before packet ${this.packets + 1}: reading stopped`);
          return end;
        }
      } else if (!this.headerDone) {
        this.stop(0, 'pcapng file does not start with a section header block');
        return end;
      }
      const little = this.little;
      const len = little ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        this.stop(this.packets + 1, `pcapng block with length ${len} before packet ${this.packets + 1}: corrupt file, reading stopped`);
        return end;
      }
      const next = pos + len;
      if (next > end) break;
      const trailer = little ? buf.readUInt32LE(next - 4) : buf.readUInt32BE(next - 4);
      if (trailer !== len) {
        this.stop(this.packets + 1, `pcapng block lengths disagree (${len} and ${trailer}) before packet ${this.packets + 1}: corrupt file, reading stopped`);
        return end;
      }
      const type = little ? rawType : buf.readUInt32BE(pos);
      const body = pos + 8;
      const bodyEnd = next - 4;
      switch (type) {
        case PCAPNG_SHB:
          // A new section: interface ids start again from 0.
          this.headerDone = true;
          this.ifaces = [];
          break;
        case 1: // Interface Description Block
          this.addInterface(buf, body, bodyEnd, little);
          break;
        case 6: // Enhanced Packet Block
        case 2: { // Packet Block (obsolete): iface u16, drops u16, then as EPB
          if (bodyEnd - body < 20) {
            this.note(this.packets + 1, `pcapng packet block ${this.packets + 1} too short (${len} bytes): skipped`);
            break;
          }
          const id = type === 6 ? this.u32(buf, body, little) : (little ? buf.readUInt16LE(body) : buf.readUInt16BE(body));
          const iface = this.ifaces[id];
          const caplen = this.u32(buf, body + 12, little);
          const origLen = this.u32(buf, body + 16, little);
          if (!iface || body + 20 + caplen > bodyEnd) {
            this.note(this.packets + 1, iface ? `packet ${this.packets + 1}: captured length ${caplen} overruns its block: skipped` : `packet ${this.packets + 1} names interface ${id}, which was not described: skipped`);
            this.packets++;
            break;
          }
          const ts = iface.ts(this.u32(buf, body + 4, little), this.u32(buf, body + 8, little));
          this.lastTs = ts;
          this.emit(buf, body + 20, body + 20 + caplen, ts, origLen, iface.linkType, ++this.packets);
          break;
        }
        case 3: { // Simple Packet Block: interface 0, no timestamp (the previous packet's is used)
          const iface = this.ifaces[0];
          if (!iface) {
            this.note(this.packets + 1, `simple packet block ${this.packets + 1} before any interface: skipped`);
            this.packets++;
            break;
          }
          const origLen = this.u32(buf, body, little);
          let caplen = Math.min(origLen, bodyEnd - body - 4);
          if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
          this.emit(buf, body + 4, body + 4 + caplen, this.lastTs, origLen, iface.linkType, ++this.packets);
          break;
        }
        default:
          // Name resolution, statistics, custom and decryption-secrets blocks carry no packets.
          break;
      }
      pos = next;
    }
    return pos;
  }

  private u32(buf: Buffer, at: number, little: boolean): number {
    return little ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private addInterface(buf: Buffer, body: number, bodyEnd: number, little: boolean): void {
    const linkType = little ? buf.readUInt16LE(body) : buf.readUInt16BE(body);
    const snaplen = this.u32(buf, body + 4, little);
    let resol = 6;
    let offset = 0;
    let o = body + 8;
    while (o + 4 <= bodyEnd) {
      const code = little ? buf.readUInt16LE(o) : buf.readUInt16BE(o);
      const olen = little ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2);
      if (code === 0) break; // opt_endofopt
      const v = o + 4;
      if (v + olen > bodyEnd) break;
      if (code === 9 && olen >= 1) resol = buf[v];
      if (code === 14 && olen >= 8) {
        const hi = little ? buf.readInt32LE(v + 4) : buf.readInt32BE(v);
        const lo = little ? buf.readUInt32LE(v) : buf.readUInt32BE(v + 4);
        offset = hi * TWO32 + lo;
      }
      o = v + ((olen + 3) & ~3);
    }
    if (this.linkType === undefined) this.linkType = linkType;
    this.ifaces.push({ linkType, snaplen, ts: resol === 6 && offset === 0 ? DEFAULT_TS : tsConverter(resol, offset) });
  }
}

/** Packets in batches, one batch per input chunk: the fast way to walk a capture. */
export async function* readCaptureBatches(chunks: AsyncIterable<Buffer>, parser = new CaptureParser()): AsyncGenerator<CapturePacket[]> {
  let batch: CapturePacket[] = [];
  const emit = (p: CapturePacket): void => {
    batch.push(p);
  };
  for await (const chunk of chunks) {
    parser.push(chunk, emit);
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
    if (parser.stopped) break;
  }
  parser.end();
}

/** Packets one by one. Problems with the file end up in `parser.notes`; nothing is thrown. */
export async function* readCapture(chunks: AsyncIterable<Buffer>, parser = new CaptureParser()): AsyncGenerator<CapturePacket> {
  for await (const batch of readCaptureBatches(chunks, parser)) yield* batch;
}
