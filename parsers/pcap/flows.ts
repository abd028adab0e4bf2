// Argus-style flow assembly from decoded packets: bidirectional 5-tuple flows, the initiator
// taken from the SYN, per-direction counters, status records every interval (kept as `parts`),
// an idle timeout, and a bounded flow table. Bytes are frame original lengths, link header
// included, which is what argus's SrcBytes/DstBytes count (see FORMATS.md, argus section).
import type { FlowPart, FlowRecord, Micros, ParseNote } from '../../src/event.js';
import { addressText, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from './decode.js';

export interface FlowOptions {
  /** Input file name, for origins and notes. */
  file: string;
  /** A flow silent for longer than this is finished; a later packet starts a new flow. */
  idleTimeout?: Micros;
  /** Status interval: a new part (argus status record) starts at the first packet this long after the current part's start. */
  statusInterval?: Micros;
  /** Most flows held at once; past it the oldest is finished early (with a note). */
  maxFlows?: number;
}

export const DEFAULT_IDLE_TIMEOUT: Micros = 120_000_000;
export const DEFAULT_STATUS_INTERVAL: Micros = 5_000_000;
export const DEFAULT_MAX_FLOWS = 1_000_000;

/** What flow assembly needs from the capture record besides the decoded headers. */
export interface PacketMeta {
  index: number;
  ts: Micros;
  origLen: number;
  byteBasis: 'link' | 'ip';
}

// TCP connection facts (kept for the whole flow) and per-record facts (reset each part).
const SAW_SYN = 1;
const SAW_SYNACK = 2;
const ESTABLISHED = 4;
const FIN_SRC = 8;
const FIN_DST = 16;
const RESET = 32;

interface Flow {
  key: string;
  proto: number;
  /** Initiator's address (latin1 key form) and port; -1 port when none. */
  a: string;
  ap: number;
  b: string;
  bp: number;
  start: Micros;
  last: Micros;
  srcPkts: number;
  dstPkts: number;
  srcBytes: number;
  dstBytes: number;
  srcPayload: number;
  dstPayload: number;
  parts: FlowPart[];
  cur: FlowPart;
  /** Connection facts (TCP bits above). */
  conn: number;
  /** Facts of the current part only. */
  rec: number;
  /** ICMP: first type/code, and whether an echo reply was seen. */
  icmpType: number;
  icmpCode: number;
  echoReply: boolean;
  firstIndex: number;
  basis: 'link' | 'ip';
}

/**
 * Argus state names for the flow's last status record: REQ (SYN only), ACC (SYN-ACK seen), CON
 * (established or midstream), FIN / RST (seen in this record), CLO (closed in an earlier record:
 * only the tail is left). Argus prints CON, not EST, for established flows, so EST is not used.
 */
function tcpState(f: Flow): string {
  const c = f.conn;
  if (f.rec & RESET) return 'RST';
  if (f.rec & (FIN_SRC | FIN_DST)) return 'FIN';
  if (c & RESET) return 'RST';
  // The close finished in an earlier status record: this record only has its tail.
  if ((c & (FIN_SRC | FIN_DST)) === (FIN_SRC | FIN_DST)) return 'CLO';
  if (c & (FIN_SRC | FIN_DST)) return 'FIN';
  if (c & ESTABLISHED) return 'CON';
  if (c & SAW_SYNACK) return 'ACC';
  if (c & SAW_SYN) return 'REQ';
  return 'CON';
}

// The ICMP names argus prints that are certain enough to copy; other types print as INT.
const ICMP4_STATES: Record<number, string> = { 8: 'ECO', 0: 'ECR', 11: 'TXD', 5: 'RED', 4: 'SRC' };
const ICMP4_UNREACH: Record<number, string> = { 0: 'URN', 1: 'URH', 3: 'URP', 4: 'URF' };
const ICMP6_STATES: Record<number, string> = { 128: 'ECO', 129: 'ECR', 1: 'UNR', 3: 'TXD' };

function icmpState(f: Flow): string {
  if (f.proto === 1) {
    if (f.icmpType === 8 || f.icmpType === 0) return f.echoReply ? 'ECR' : 'ECO';
    if (f.icmpType === 3) return ICMP4_UNREACH[f.icmpCode] ?? 'UNR';
    return ICMP4_STATES[f.icmpType] ?? 'INT';
  }
  if (f.icmpType === 128 || f.icmpType === 129) return f.echoReply ? 'ECR' : 'ECO';
  return ICMP6_STATES[f.icmpType] ?? 'INT';
}

export class FlowAssembler {
  readonly file: string;
  readonly idleTimeout: Micros;
  readonly statusInterval: Micros;
  readonly maxFlows: number;
  /** Flows in creation order: the first entry is the oldest, evicted first when the table is full. */
  private flows = new Map<string, Flow>();
  /** First-fragment flow keys by fragment id, so later fragments (no ports) join that flow. */
  private fragments = new Map<string, string>();
  private out: FlowRecord[] = [];
  private notes: ParseNote[] = [];
  private nextSweep: Micros = -Infinity;
  private sweepEvery: Micros;
  private capNoted = false;
  evicted = 0;

  constructor(options: FlowOptions) {
    this.file = options.file;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.statusInterval = options.statusInterval ?? DEFAULT_STATUS_INTERVAL;
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    // Idle flows are swept as capture time advances, not looked for on every packet.
    this.sweepEvery = Math.max(1_000_000, Math.floor(this.idleTimeout / 10));
  }

  get activeFlows(): number {
    return this.flows.size;
  }

  /** Adds one decoded IP packet (family 4 or 6). */
  add(meta: PacketMeta, d: DecodedPacket): void {
    const ts = meta.ts;
    if (ts >= this.nextSweep) {
      this.sweep(ts);
      this.nextSweep = ts + this.sweepEvery;
    }
    let sport = d.sport;
    let dport = d.dport;
    const proto = d.proto;
    if (proto === 1 || proto === 58) {
      // Echo request and reply share the identifier; other ICMP messages are keyed by type and code.
      if (d.icmpId >= 0) sport = dport = d.icmpId;
      else {
        sport = d.icmpType;
        dport = d.icmpCode;
      }
    }
    let key: string;
    if (d.frag === 2) {
      const fk = `${proto}:${d.src}:${d.dst}:${d.fragId}`;
      key = this.fragments.get(fk) ?? (d.src < d.dst ? `${proto}:${d.src}:-1:${d.dst}:-1` : `${proto}:${d.dst}:-1:${d.src}:-1`);
      if (d.fragLast) this.fragments.delete(fk);
    } else {
      const forward = d.src < d.dst || (d.src === d.dst && sport <= dport);
      key = forward ? `${proto}:${d.src}:${sport}:${d.dst}:${dport}` : `${proto}:${d.dst}:${dport}:${d.src}:${sport}`;
      if (d.frag === 1) {
        if (this.fragments.size >= 65536) this.fragments.delete(this.fragments.keys().next().value!);
        this.fragments.set(`${proto}:${d.src}:${d.dst}:${d.fragId}`, key);
      }
    }

    let f = this.flows.get(key);
    if (f && ts - f.last > this.idleTimeout) {
      this.finishFlow(f);
      f = undefined;
    }
    if (!f) {
      if (this.flows.size >= this.maxFlows) this.evictOldest();
      f = this.newFlow(key, meta, d, sport, dport);
      this.flows.set(key, f);
    }
    const flags = d.tcpFlags;
    if (proto === 6 && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && !(f.conn & SAW_SYN) && d.src === f.b && sport === f.bp) {
      // The SYN came from the side we took for the responder (we saw its traffic first): turn the flow round.
      swap(f);
    }
    if (ts - f.cur.start >= this.statusInterval) {
      f.cur = { start: ts, end: ts, pkts: 0, bytes: 0 };
      f.parts.push(f.cur);
      f.rec = 0;
    }
    if (ts > f.last) f.last = ts;
    if (ts > f.cur.end) f.cur.end = ts;
    f.cur.pkts++;
    f.cur.bytes += meta.origLen;
    // Same address both ways (loopback): the port tells the directions apart.
    const fromA = d.src === f.a && (f.a !== f.b || d.frag === 2 || sport === f.ap);
    if (fromA) {
      f.srcPkts++;
      f.srcBytes += meta.origLen;
      f.srcPayload += d.payload;
    } else {
      f.dstPkts++;
      f.dstBytes += meta.origLen;
      f.dstPayload += d.payload;
    }
    if (proto === 6 && d.frag !== 2) this.tcpTrack(f, flags, fromA, d.payload);
    else if (proto === 1 || proto === 58) {
      const t = d.icmpType;
      if (t === 0 || t === 129) f.echoReply = true;
    }
  }

  private tcpTrack(f: Flow, flags: number, fromA: boolean, payload: number): void {
    if (flags & TCP_RST) {
      f.conn |= RESET;
      f.rec |= RESET;
    }
    if (flags & TCP_SYN) {
      if (flags & TCP_ACK) f.conn |= SAW_SYNACK;
      else f.conn |= SAW_SYN;
    } else if (flags & TCP_ACK) {
      // Established once the handshake is answered, or on midstream traffic with no handshake seen.
      if ((f.conn & SAW_SYNACK) || !(f.conn & SAW_SYN) || payload > 0) f.conn |= ESTABLISHED;
    }
    if (flags & TCP_FIN) {
      const bit = fromA ? FIN_SRC : FIN_DST;
      f.conn |= bit;
      f.rec |= bit;
    }
  }

  private newFlow(key: string, meta: PacketMeta, d: DecodedPacket, sport: number, dport: number): Flow {
    const cur: FlowPart = { start: meta.ts, end: meta.ts, pkts: 0, bytes: 0 };
    const f: Flow = {
      key,
      proto: d.proto,
      a: d.src,
      ap: d.frag === 2 ? -1 : sport,
      b: d.dst,
      bp: d.frag === 2 ? -1 : dport,
      start: meta.ts,
      last: meta.ts,
      srcPkts: 0,
      dstPkts: 0,
      srcBytes: 0,
      dstBytes: 0,
      srcPayload: 0,
      dstPayload: 0,
      parts: [cur],
      cur,
      conn: 0,
      rec: 0,
      icmpType: d.icmpType,
      icmpCode: d.icmpCode,
      echoReply: false,
      firstIndex: meta.index,
      basis: meta.byteBasis,
    };
    // A SYN-ACK first (the SYN was missed): the initiator is the side it was sent to.
    if (d.proto === 6 && (d.tcpFlags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) swap(f);
    // An ICMP reply first: the request's sender is the initiator.
    if ((d.proto === 1 && d.icmpType === 0) || (d.proto === 58 && d.icmpType === 129)) swap(f);
    return f;
  }

  private evictOldest(): void {
    const oldest = this.flows.values().next().value;
    if (!oldest) return;
    this.evicted++;
    if (!this.capNoted) {
      this.capNoted = true;
      this.notes.push({
        kind: 'note',
        file: this.file,
        message: `flow table reached ${this.maxFlows} concurrent flows: the oldest flows are finished early, so some long flows are split`,
      });
    }
    this.finishFlow(oldest);
  }

  /** Finishes every flow idle for longer than the timeout at capture time `now`. */
  sweep(now: Micros): void {
    const limit = now - this.idleTimeout;
    for (const f of this.flows.values()) {
      if (f.last < limit) this.finishFlow(f);
    }
  }

  private finishFlow(f: Flow): void {
    this.flows.delete(f.key);
    this.out.push(toRecord(f, this.file));
  }

  /** Finished flows and notes since the last call, to be yielded by the parser. */
  drain(): (FlowRecord | ParseNote)[] {
    if (this.out.length === 0 && this.notes.length === 0) return [];
    const items: (FlowRecord | ParseNote)[] = [...this.notes, ...this.out];
    this.out = [];
    this.notes = [];
    return items;
  }

  /** End of input: every open flow is finished, in order of start. */
  finish(): (FlowRecord | ParseNote)[] {
    const open = [...this.flows.values()].sort((x, y) => x.start - y.start || x.firstIndex - y.firstIndex);
    for (const f of open) this.finishFlow(f);
    this.fragments.clear();
    return this.drain();
  }
}

function swap(f: Flow): void {
  [f.a, f.b] = [f.b, f.a];
  [f.ap, f.bp] = [f.bp, f.ap];
  [f.srcPkts, f.dstPkts] = [f.dstPkts, f.srcPkts];
  [f.srcBytes, f.dstBytes] = [f.dstBytes, f.srcBytes];
  [f.srcPayload, f.dstPayload] = [f.dstPayload, f.srcPayload];
  const fins = f.conn & (FIN_SRC | FIN_DST);
  f.conn = (f.conn & ~(FIN_SRC | FIN_DST)) | (fins & FIN_SRC ? FIN_DST : 0) | (fins & FIN_DST ? FIN_SRC : 0);
}

function toRecord(f: Flow, file: string): FlowRecord {
  const src = addressText(f.a);
  const dst = addressText(f.b);
  const sport = f.ap >= 0 ? f.ap : null;
  const dport = f.bp >= 0 ? f.bp : null;
  let state: string;
  let dir: string;
  if (f.proto === 6) {
    state = tcpState(f);
    dir = f.conn & (SAW_SYN | SAW_SYNACK) ? '->' : '<?>';
  } else if (f.proto === 1 || f.proto === 58) {
    state = icmpState(f);
    dir = f.dstPkts > 0 ? '<->' : '->';
  } else {
    state = f.srcPkts > 0 && f.dstPkts > 0 ? 'CON' : 'INT';
    dir = f.dstPkts > 0 ? '<->' : '->';
  }
  return {
    kind: 'flow',
    flowId: `${f.proto}:${src}:${sport ?? ''}-${dst}:${dport ?? ''}@${f.start}`,
    start: f.start,
    end: f.last,
    proto: f.proto,
    src,
    sport,
    dst,
    dport,
    dir,
    state,
    pkts: f.srcPkts + f.dstPkts,
    bytes: f.srcBytes + f.dstBytes,
    byteBasis: f.basis,
    srcPkts: f.srcPkts,
    dstPkts: f.dstPkts,
    srcBytes: f.srcBytes,
    dstBytes: f.dstBytes,
    srcPayload: f.srcPayload,
    dstPayload: f.dstPayload,
    parts: f.parts,
    origin: { file, line: f.firstIndex, raw: `pcap packet ${f.firstIndex}` },
    records: f.parts.length,
  };
}
