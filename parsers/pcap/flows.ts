// Argus-style flow assembly from decoded packets: bidirectional 5-tuple flows, the initiator
// taken from the SYN, per-direction counters, status records every interval (kept as `parts`),
// an idle timeout, closed TCP connections finished after a short linger, and a bounded flow
// table, so that memory follows the concurrent flows, not the packets. Bytes are frame original
// lengths, link header included, which is what argus's SrcBytes/DstBytes count (see
// FORMATS.md, argus section). The per-packet path allocates nothing: flows are found by a
// numeric hash of the 5-tuple, IPv4 addresses are integers.
import type { FlowPart, FlowRecord, Micros, ParseNote } from '../../src/event.js';
import { addressText, ipv4Text, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from './decode.js';

export interface FlowOptions {
  /** Input file name, for origins and notes. */
  file: string;
  /** A flow silent for longer than this is finished; a later packet starts a new flow. */
  idleTimeout?: Micros;
  /** Status interval: a new part (argus status record) starts at the first packet this long after the current part's start. */
  statusInterval?: Micros;
  /** Most flows held at once; past it the oldest is finished early (with a note). */
  maxFlows?: number;
  /** A closed TCP flow (FIN both ways and the last ACK, or RST) silent this long is finished. */
  closedLinger?: Micros;
}

export const DEFAULT_IDLE_TIMEOUT: Micros = 120_000_000;
export const DEFAULT_STATUS_INTERVAL: Micros = 5_000_000;
export const DEFAULT_MAX_FLOWS = 1_000_000;
/**
 * Argus sets a flow's timeout to 10 s once its TCP state machine reaches CLOSED or TIME_WAIT
 * (ArgusTcp.c, `flowstr->timeout = 10`), keeping the flow briefly for retransmitted FINs and
 * ACKs. Argus follows sequence numbers to call a connection closed; flowlink does not, and takes
 * FIN in both directions followed by an ACK, or any RST, as closed.
 */
export const DEFAULT_CLOSED_LINGER: Micros = 10_000_000;
/** How often (capture time) closed flows are looked at. */
const CLOSING_CHECK_EVERY: Micros = 1_000_000;

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
/** Closed: both FINs and an ACK after them, or an RST. The flow is finished after the linger. */
const CLOSED = 64;

interface Flow {
  /** Hash of the unordered 5-tuple: the table key; flows with the same hash are chained by `next`. */
  hash: number;
  next: Flow | undefined;
  proto: number;
  /** The 5-tuple in canonical order (lower endpoint first), what lookups compare. */
  loN: number;
  loS: string;
  loP: number;
  hiN: number;
  hiS: string;
  hiP: number;
  /**
   * Initiator's address and port, then the responder's: `aN` the IPv4 number (or the IPv6 fold)
   * and `aS` the IPv6 bytes ('' for IPv4); -1 port when none.
   */
  aN: number;
  aS: string;
  ap: number;
  bN: number;
  bS: string;
  bp: number;
  family: number;
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
  /** ICMP: first type/code, and whether an echo request was seen. */
  icmpType: number;
  icmpCode: number;
  echoRequest: boolean;
  firstIndex: number;
  basis: 'link' | 'ip';
  /** Finished and yielded: a stale entry in the closing queue or the fragment map. */
  done: boolean;
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
const ICMP6_STATES: Record<number, string> = { 128: 'ECO', 129: 'ECR', 3: 'TXD' };
// ICMPv6 destination unreachable (type 1): address (3) and port (4) unreachable as for IPv4.
const ICMP6_UNREACH: Record<number, string> = { 3: 'URH', 4: 'URP' };

/**
 * Argus 3.0.8 prints ECO for an echo request, answered or not (seen on tcpdump captures of
 * real echoes, test/fixtures/pcap/loopback-*.pcap), and ECR only for replies with no request.
 */
function icmpState(f: Flow): string {
  if (f.proto === 1) {
    if (f.icmpType === 8 || f.icmpType === 0) return f.echoRequest ? 'ECO' : 'ECR';
    if (f.icmpType === 3) return ICMP4_UNREACH[f.icmpCode] ?? 'UNR';
    return ICMP4_STATES[f.icmpType] ?? 'INT';
  }
  if (f.icmpType === 128 || f.icmpType === 129) return f.echoRequest ? 'ECO' : 'ECR';
  if (f.icmpType === 1) return ICMP6_UNREACH[f.icmpCode] ?? 'UNR';
  return ICMP6_STATES[f.icmpType] ?? 'INT';
}

/** Hash of a canonical 5-tuple, kept to 30 bits so that it is a small integer (a fast Map key). */
function tupleHash(proto: number, loN: number, loP: number, hiN: number, hiP: number): number {
  let h = Math.imul(loN ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ hiN ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ (((loP & 0xffff) << 16) | (hiP & 0xffff)) ^ (h >>> 16), 0x27d4eb2f);
  h ^= proto ^ (h >>> 15);
  return h & 0x3fffffff;
}

export class FlowAssembler {
  readonly file: string;
  readonly idleTimeout: Micros;
  readonly statusInterval: Micros;
  readonly maxFlows: number;
  readonly closedLinger: Micros;
  /**
   * Chains of flows by tuple hash. A Map keeps insertion order, so the first chain is about the
   * oldest: that is what a full table evicts.
   */
  private flows = new Map<number, Flow>();
  private size = 0;
  /** The flow a first fragment opened, by protocol, addresses and fragment id, for the later fragments (no ports). */
  private fragments = new Map<string, Flow>();
  private out: FlowRecord[] = [];
  private notes: ParseNote[] = [];
  private nextSweep: Micros = -Infinity;
  private sweepEvery: Micros;
  private capNoted = false;
  /** Closed TCP flows in the order they closed, waiting out the linger; `closingHead` is the front. */
  private closing: Flow[] = [];
  private closingHead = 0;
  private nextClosingCheck: Micros = -Infinity;
  /** The flow of the previous packet. */
  private lastFlow: Flow | undefined;
  evicted = 0;

  constructor(options: FlowOptions) {
    this.file = options.file;
    this.idleTimeout = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.statusInterval = options.statusInterval ?? DEFAULT_STATUS_INTERVAL;
    this.maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.closedLinger = options.closedLinger ?? DEFAULT_CLOSED_LINGER;
    // Idle flows are swept as capture time advances, not looked for on every packet.
    this.sweepEvery = Math.max(1_000_000, Math.floor(this.idleTimeout / 10));
  }

  get activeFlows(): number {
    return this.size;
  }

  /** Adds one decoded IP packet (family 4 or 6). */
  add(meta: PacketMeta, d: DecodedPacket): void {
    const ts = meta.ts;
    if (ts >= this.nextSweep) {
      this.sweep(ts);
      this.nextSweep = ts + this.sweepEvery;
    }
    if (ts >= this.nextClosingCheck) {
      this.finishClosed(ts);
      this.nextClosingCheck = ts + CLOSING_CHECK_EVERY;
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
    const srcN = d.src4;
    const dstN = d.dst4;
    const srcS = d.src;
    const dstS = d.dst;
    let f: Flow | undefined;
    if (d.frag === 2) {
      // A later fragment: the first fragment's flow when it is still open, else a port-less flow.
      const owner = this.fragments.get(fragmentKey(proto, d));
      if (d.fragLast) this.fragments.delete(fragmentKey(proto, d));
      if (owner && !owner.done) f = owner;
      sport = dport = -1;
    }
    // Canonical order: the lower (address, port) first, IPv4 addresses as numbers, IPv6 as bytes.
    const forward = d.family === 4 ? srcN < dstN || (srcN === dstN && sport <= dport) : srcS < dstS || (srcS === dstS && sport <= dport);
    const loN = forward ? srcN : dstN;
    const hiN = forward ? dstN : srcN;
    const loS = forward ? srcS : dstS;
    const hiS = forward ? dstS : srcS;
    const loP = forward ? sport : dport;
    const hiP = forward ? dport : sport;
    if (!f) {
      // Bulk transfers send packet trains: the previous packet's flow first, then the table.
      const prev = this.lastFlow;
      if (prev !== undefined && !prev.done && prev.loN === loN && prev.hiN === hiN && prev.loP === loP && prev.hiP === hiP && prev.proto === proto && prev.loS === loS && prev.hiS === hiS) f = prev;
    }
    const hash = f ? f.hash : tupleHash(proto, loN, loP, hiN, hiP);
    if (!f) {
      f = this.flows.get(hash);
      while (f !== undefined && !(f.loN === loN && f.hiN === hiN && f.loP === loP && f.hiP === hiP && f.proto === proto && f.loS === loS && f.hiS === hiS)) f = f.next;
    }
    const flags = d.tcpFlags;
    if (f) {
      if (ts - f.last > (f.conn & CLOSED ? this.closedLinger : this.idleTimeout)) {
        this.finishFlow(f);
        f = undefined;
      } else if (proto === 6 && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && f.conn & (CLOSED | FIN_SRC | FIN_DST)) {
        // A new SYN on a closing or closed connection is the port being reused: a new flow, as
        // argus 5's ArgusTcp.c does (ARGUS_PORT_REUSE). argus 3.0.8 kept such a SYN in the old
        // record on a hand-made capture; per-connection totals are the same either way.
        this.finishFlow(f);
        f = undefined;
      }
    }
    if (!f) {
      if (this.size >= this.maxFlows) this.evictOldest();
      f = this.newFlow(hash, meta, d, sport, dport, loN, loS, loP, hiN, hiS, hiP);
      this.insert(f);
    }
    this.lastFlow = f;
    if (d.frag === 1) {
      if (this.fragments.size >= 65536) this.fragments.delete(this.fragments.keys().next().value!);
      this.fragments.set(fragmentKey(proto, d), f);
    }
    if (proto === 6 && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && !(f.conn & SAW_SYN) && srcN === f.bN && srcS === f.bS && sport === f.bp) {
      // The SYN came from the side we took for the responder (we saw its traffic first): turn the flow round.
      swap(f);
    }
    if (ts - f.cur.start >= this.statusInterval) {
      f.cur = { start: ts, end: ts, pkts: 0, bytes: 0 };
      f.parts.push(f.cur);
      f.rec = 0;
    }
    if (ts > f.last) f.last = ts;
    const cur = f.cur;
    if (ts > cur.end) cur.end = ts;
    const origLen = meta.origLen;
    cur.pkts++;
    cur.bytes += origLen;
    // Same address both ways (loopback): the port tells the directions apart.
    const fromA = srcN === f.aN && srcS === f.aS && (f.aN !== f.bN || f.aS !== f.bS || d.frag === 2 || sport === f.ap);
    if (fromA) {
      f.srcPkts++;
      f.srcBytes += origLen;
      f.srcPayload += d.payload;
    } else {
      f.dstPkts++;
      f.dstBytes += origLen;
      f.dstPayload += d.payload;
    }
    if (proto === 6 && d.frag !== 2) this.tcpTrack(f, flags, fromA, d.payload);
    else if (proto === 1 || proto === 58) {
      const t = d.icmpType;
      if (t === 8 || t === 128) f.echoRequest = true;
    }
  }

  private insert(f: Flow): void {
    const head = this.flows.get(f.hash);
    if (head) {
      // Appended to the chain: the chain's Map entry keeps its place in the eviction order.
      let tail = head;
      while (tail.next) tail = tail.next;
      tail.next = f;
    } else {
      this.flows.set(f.hash, f);
    }
    this.size++;
  }

  private unlink(f: Flow): void {
    const head = this.flows.get(f.hash);
    if (head === f) {
      if (f.next) this.flows.set(f.hash, f.next);
      else this.flows.delete(f.hash);
    } else {
      let p = head;
      while (p && p.next !== f) p = p.next;
      if (p) p.next = f.next;
    }
    f.next = undefined;
    this.size--;
  }

  private tcpTrack(f: Flow, flags: number, fromA: boolean, payload: number): void {
    if (!(f.conn & CLOSED) && (flags & TCP_RST || (flags & TCP_ACK && (f.conn & (FIN_SRC | FIN_DST)) === (FIN_SRC | FIN_DST)))) {
      // RST, or the ACK after both FINs (the FIN that completes the pair carries one too, so
      // both FINs must have been seen before this packet).
      f.conn |= CLOSED;
      this.closing.push(f);
    }
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

  private newFlow(hash: number, meta: PacketMeta, d: DecodedPacket, sport: number, dport: number, loN: number, loS: string, loP: number, hiN: number, hiS: string, hiP: number): Flow {
    const cur: FlowPart = { start: meta.ts, end: meta.ts, pkts: 0, bytes: 0 };
    const f: Flow = {
      hash,
      next: undefined,
      proto: d.proto,
      loN,
      loS,
      loP,
      hiN,
      hiS,
      hiP,
      aN: d.src4,
      aS: d.src,
      ap: sport,
      bN: d.dst4,
      bS: d.dst,
      bp: dport,
      family: d.family,
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
      echoRequest: false,
      firstIndex: meta.index,
      basis: meta.byteBasis,
      done: false,
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
        message: `flow table reached ${this.maxFlows} concurrent flows: the oldest flows are finished early, so some long flows are split (raise it with --max-flows)`,
      });
    }
    this.finishFlow(oldest);
  }

  /** Finishes every flow idle for longer than the timeout at capture time `now`. */
  sweep(now: Micros): void {
    const limit = now - this.idleTimeout;
    const idle: Flow[] = [];
    for (const head of this.flows.values()) {
      for (let f: Flow | undefined = head; f; f = f.next) if (f.last < limit) idle.push(f);
    }
    for (const f of idle) this.finishFlow(f);
  }

  /** Finishes closed flows whose linger has run out at capture time `now`. */
  private finishClosed(now: Micros): void {
    const q = this.closing;
    let i = this.closingHead;
    // The queue is in closing order; a retransmit can push one flow's deadline past the next
    // ones', which then wait for it: at most one linger late, and memory stays bounded.
    while (i < q.length) {
      const f = q[i];
      if (!f.done) {
        if (now - f.last <= this.closedLinger) break;
        this.finishFlow(f);
      }
      i++;
    }
    if (i > 4096 && i * 2 > q.length) {
      this.closing = q.slice(i);
      i = 0;
    }
    this.closingHead = i;
  }

  private finishFlow(f: Flow): void {
    f.done = true;
    this.unlink(f);
    this.out.push(toRecord(f, this.file));
  }

  /** Finished flows and notes since the last call, to be yielded by the parser. */
  drain(): (FlowRecord | ParseNote)[] {
    if (this.out.length === 0 && this.notes.length === 0) return [];
    const items: (FlowRecord | ParseNote)[] = this.notes.length === 0 ? this.out : [...this.notes, ...this.out];
    this.out = [];
    this.notes = [];
    return items;
  }

  /** End of input: every open flow is finished, in order of start. */
  finish(): (FlowRecord | ParseNote)[] {
    const open: Flow[] = [];
    for (const head of this.flows.values()) for (let f: Flow | undefined = head; f; f = f.next) open.push(f);
    open.sort((x, y) => x.start - y.start || x.firstIndex - y.firstIndex);
    for (const f of open) this.finishFlow(f);
    this.fragments.clear();
    this.closing = [];
    this.closingHead = 0;
    return this.drain();
  }
}

function fragmentKey(proto: number, d: DecodedPacket): string {
  return d.family === 4 ? `${proto}:${d.src4}:${d.dst4}:${d.fragId}` : `${proto}:${d.src}:${d.dst}:${d.fragId}`;
}

function swap(f: Flow): void {
  [f.aN, f.bN] = [f.bN, f.aN];
  [f.aS, f.bS] = [f.bS, f.aS];
  [f.ap, f.bp] = [f.bp, f.ap];
  [f.srcPkts, f.dstPkts] = [f.dstPkts, f.srcPkts];
  [f.srcBytes, f.dstBytes] = [f.dstBytes, f.srcBytes];
  [f.srcPayload, f.dstPayload] = [f.dstPayload, f.srcPayload];
  const fins = f.conn & (FIN_SRC | FIN_DST);
  f.conn = (f.conn & ~(FIN_SRC | FIN_DST)) | (fins & FIN_SRC ? FIN_DST : 0) | (fins & FIN_DST ? FIN_SRC : 0);
}

function toRecord(f: Flow, file: string): FlowRecord {
  const src = f.family === 4 ? ipv4Text(f.aN) : addressText(f.aS);
  const dst = f.family === 4 ? ipv4Text(f.bN) : addressText(f.bS);
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
