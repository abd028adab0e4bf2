// Link, network and transport headers of one captured packet, down to what flow assembly needs.
// Payload sizes come from the IP length fields, never from the captured length, so a capture
// made with a small snaplen counts the same bytes as a full one.
//
// Fragments: the first fragment carries the transport header, so it is keyed by its ports like
// any packet; later fragments have no transport header and are reported with `frag === 2` and
// their IP id, so the assembler can give them to the flow the first fragment opened (or, when
// the first fragment was not seen, to a port-less flow of the address pair and protocol).

/** Link types whose frames start with the IP header: bytes are counted from the IP header. */
const RAW_LINKS = new Set([101, 12, 14, 228, 229]);

export const LINK_ETHERNET = 1;
export const LINK_NULL = 0;
export const LINK_LOOP = 108;
export const LINK_SLL = 113;
export const LINK_SLL2 = 276;
export const LINK_RAW = 101;

const SUPPORTED = new Set([LINK_ETHERNET, LINK_NULL, LINK_LOOP, LINK_SLL, LINK_SLL2, ...RAW_LINKS]);

export function isSupportedLink(linkType: number): boolean {
  return SUPPORTED.has(linkType);
}

/** What a packet's wire length covers: argus counts the frame's original length. */
export function linkByteBasis(linkType: number): 'link' | 'ip' {
  return RAW_LINKS.has(linkType) ? 'ip' : 'link';
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface DecodedPacket {
  /** Why the packet could not be used; '' when it was decoded. */
  error: string;
  /** 4 or 6; 0 for a frame that is not IP (ARP, LLDP, 802.3 LLC ...). */
  family: 0 | 4 | 6;
  /** The last EtherType seen (after VLAN tags), for non-IP frames. */
  etherType: number;
  /** Bytes of link header (and VLAN tags) before the IP header. */
  linkHeader: number;
  /** IP protocol number of the transport (after IPv6 extension headers). */
  proto: number;
  /**
   * IPv4: the addresses as signed 32-bit numbers (small integers to V8, where unsigned values
   * from 128.0.0.0 up would be heap doubles), and `src`/`dst` are ''. IPv6: `src`/`dst` are the
   * 16 address bytes as latin1 strings and these a 32-bit fold of them, for hashing. Numbers
   * for IPv4 so that the per-packet path allocates nothing.
   */
  src4: number;
  dst4: number;
  src: string;
  dst: string;
  /** Ports; -1 when the protocol has none or this fragment does not carry them. */
  sport: number;
  dport: number;
  tcpFlags: number;
  /** Transport payload bytes, from the IP length fields. */
  payload: number;
  /** IP total length (IPv4) or 40 + payload length (IPv6). */
  ipBytes: number;
  /** 0 not a fragment, 1 first fragment (has the transport header), 2 a later fragment. */
  frag: 0 | 1 | 2;
  /** This fragment is the last one (more-fragments flag clear). */
  fragLast: boolean;
  fragId: number;
  /** ICMP / ICMPv6 type and code; -1 otherwise. */
  icmpType: number;
  icmpCode: number;
  /** Echo identifier for ICMP echo request/reply, -1 otherwise. */
  icmpId: number;
}

/** One reusable result object: decode into it for every packet, copy what you keep. */
export function newDecoded(): DecodedPacket {
  return {
    error: '', family: 0, etherType: 0, linkHeader: 0, proto: -1, src4: 0, dst4: 0, src: '', dst: '', sport: -1, dport: -1, tcpFlags: 0,
    payload: 0, ipBytes: 0, frag: 0, fragLast: false, fragId: 0, icmpType: -1, icmpCode: -1, icmpId: -1,
  };
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

function reset(out: DecodedPacket): void {
  out.error = '';
  out.family = 0;
  out.etherType = 0;
  out.linkHeader = 0;
  out.proto = -1;
  out.src4 = 0;
  out.dst4 = 0;
  out.src = '';
  out.dst = '';
  out.sport = -1;
  out.dport = -1;
  out.tcpFlags = 0;
  out.payload = 0;
  out.ipBytes = 0;
  out.frag = 0;
  out.fragLast = false;
  out.fragId = 0;
  out.icmpType = -1;
  out.icmpCode = -1;
  out.icmpId = -1;
}

// Plain byte reads: Buffer's readUInt16BE/readUInt32BE check bounds on every call, and every
// caller here has checked them already.
function u16(b: Buffer, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Buffer, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function i32(b: Buffer, o: number): number {
  return (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
}

/**
 * Decodes `data` (the captured bytes of one frame of `linkType`) into `out`. Returns false and
 * sets `out.error` when the packet cannot be used; a non-IP frame returns true with family 0.
 * `origLen` is used only when an IPv4 total length is 0 (TCP segmentation offload captures).
 */
export function decodePacket(linkType: number, data: Buffer, origLen: number, out: DecodedPacket): boolean {
  return decodeFrame(linkType, data, 0, data.length, origLen, out);
}

/** `decodePacket` on the frame at `buf[start, end)`: the capture chunk itself, no view made. */
export function decodeFrame(linkType: number, buf: Buffer, start: number, end: number, origLen: number, out: DecodedPacket): boolean {
  reset(out);
  const len = end - start;
  let off: number;
  let etherType: number;
  switch (linkType) {
    case LINK_ETHERNET:
      if (len < 14) return fail(out, 'frame shorter than an Ethernet header');
      etherType = u16(buf, start + 12);
      off = start + 14;
      break;
    case LINK_SLL:
      if (len < 16) return fail(out, 'frame shorter than a Linux cooked (SLL) header');
      etherType = u16(buf, start + 14);
      off = start + 16;
      break;
    case LINK_SLL2:
      if (len < 20) return fail(out, 'frame shorter than a Linux cooked v2 (SLL2) header');
      etherType = u16(buf, start);
      off = start + 20;
      break;
    case LINK_NULL:
    case LINK_LOOP: {
      if (len < 5) return fail(out, 'frame shorter than a loopback header');
      // DLT_NULL stores the address family in the capturing host's byte order, DLT_LOOP in
      // network order; the families differ by OS (IPv6: 10 Linux, 24 BSDs, 28 FreeBSD, 30 macOS).
      let af = buf.readUInt32LE(start);
      if (af > 0xffff) af = u32(buf, start);
      off = start + 4;
      if (af === 2) etherType = ETH_IPV4;
      else if (af === 10 || af === 24 || af === 28 || af === 30) etherType = ETH_IPV6;
      else etherType = versionEtherType(buf[start + 4]);
      break;
    }
    default:
      if (RAW_LINKS.has(linkType)) {
        if (len < 1) return fail(out, 'empty frame');
        off = start;
        etherType = linkType === 228 ? ETH_IPV4 : linkType === 229 ? ETH_IPV6 : versionEtherType(buf[start]);
        break;
      }
      return fail(out, `unsupported link type ${linkType}`);
  }
  // 802.1Q, 802.1ad (QinQ) and the old 0x9100 tags: 4 bytes each, the real EtherType follows.
  while (etherType === 0x8100 || etherType === 0x88a8 || etherType === 0x9100) {
    if (end < off + 4) return fail(out, 'frame ends inside a VLAN tag');
    etherType = u16(buf, off + 2);
    off += 4;
  }
  out.etherType = etherType;
  out.linkHeader = off - start;
  if (etherType === ETH_IPV4) return decodeIPv4(buf, off, end, origLen - (off - start), out);
  if (etherType === ETH_IPV6) return decodeIPv6(buf, off, end, out);
  return true; // not IP: family 0
}

function versionEtherType(firstByte: number): number {
  const v = firstByte >> 4;
  return v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : 0;
}

function fail(out: DecodedPacket, reason: string): false {
  out.error = reason;
  return false;
}

/** `ipOrigLen`: the frame's original length less its link header. */
function decodeIPv4(data: Buffer, off: number, end: number, ipOrigLen: number, out: DecodedPacket): boolean {
  if (end < off + 20) return fail(out, 'captured bytes end inside the IPv4 header');
  const vihl = data[off];
  if (vihl >> 4 !== 4) return fail(out, `IP version ${vihl >> 4} where IPv4 was expected`);
  const ihl = (vihl & 0x0f) * 4;
  if (ihl < 20) return fail(out, `IPv4 header length ${ihl} is below 20`);
  if (end < off + ihl) return fail(out, 'captured bytes end inside the IPv4 options');
  let total = u16(data, off + 2);
  // Captures taken on a host with segmentation offload can carry total length 0.
  if (total === 0) total = ipOrigLen;
  if (total < ihl) return fail(out, `IPv4 total length ${total} is shorter than its header (${ihl})`);
  out.family = 4;
  out.ipBytes = total;
  out.proto = data[off + 9];
  out.src4 = i32(data, off + 12);
  out.dst4 = i32(data, off + 16);
  const fragField = u16(data, off + 6);
  const more = (fragField & 0x2000) !== 0;
  const fragOffset = fragField & 0x1fff;
  if (more || fragOffset !== 0) {
    out.fragId = u16(data, off + 4);
    out.fragLast = !more;
    if (fragOffset !== 0) {
      out.frag = 2;
      out.payload = total - ihl;
      return true;
    }
    out.frag = 1;
  }
  return decodeTransport(data, off + ihl, end, total - ihl, out);
}

/** A 32-bit fold of 16 address bytes, the hash input for IPv6 addresses. */
function fold16(b: Buffer, o: number): number {
  return i32(b, o) ^ i32(b, o + 4) ^ i32(b, o + 8) ^ i32(b, o + 12);
}

function decodeIPv6(data: Buffer, off: number, end: number, out: DecodedPacket): boolean {
  if (end < off + 40) return fail(out, 'captured bytes end inside the IPv6 header');
  if (data[off] >> 4 !== 6) return fail(out, `IP version ${data[off] >> 4} where IPv6 was expected`);
  const payloadLen = u16(data, off + 4);
  out.family = 6;
  out.ipBytes = 40 + payloadLen;
  out.src = data.toString('latin1', off + 8, off + 24);
  out.dst = data.toString('latin1', off + 24, off + 40);
  out.src4 = fold16(data, off + 8);
  out.dst4 = fold16(data, off + 24);
  let next = data[off + 6];
  let p = off + 40;
  let remaining = payloadLen;
  // Walk the extension headers (RFC 8200 section 4) to the transport header.
  for (let hops = 0; hops < 16; hops++) {
    let len: number;
    if (next === 0 || next === 43 || next === 60) {
      if (end < p + 2) return fail(out, 'captured bytes end inside an IPv6 extension header');
      len = (data[p + 1] + 1) * 8;
    } else if (next === 51) {
      if (end < p + 2) return fail(out, 'captured bytes end inside an IPv6 AH header');
      len = (data[p + 1] + 2) * 4;
    } else if (next === 44) {
      if (end < p + 8) return fail(out, 'captured bytes end inside an IPv6 fragment header');
      const field = u16(data, p + 2);
      const fragOffset = field >> 3;
      const more = (field & 1) !== 0;
      out.fragId = u32(data, p + 4);
      out.fragLast = !more;
      len = 8;
      if (fragOffset !== 0) {
        out.frag = 2;
        out.proto = data[p];
        out.payload = remaining - len;
        if (out.payload < 0) return fail(out, 'IPv6 payload length shorter than its fragment header');
        return true;
      }
      // An atomic fragment (offset 0, no more) is a whole datagram: not a fragment for flows.
      if (more) out.frag = 1;
    } else {
      break;
    }
    if (remaining < len) return fail(out, 'IPv6 payload length shorter than its extension headers');
    next = data[p];
    p += len;
    remaining -= len;
  }
  out.proto = next;
  return decodeTransport(data, p, end, remaining, out);
}

/** `len` is the transport header plus payload, from the IP header's lengths; `end` ends the captured bytes. */
function decodeTransport(data: Buffer, p: number, end: number, len: number, out: DecodedPacket): boolean {
  switch (out.proto) {
    case 6: {
      if (end < p + 14) return fail(out, 'captured bytes end inside the TCP header');
      const hdr = (data[p + 12] >> 4) * 4;
      if (hdr < 20) return fail(out, `TCP header length ${hdr} is below 20`);
      if (len < hdr) return fail(out, `IP length leaves ${len} bytes for a ${hdr}-byte TCP header`);
      out.sport = u16(data, p);
      out.dport = u16(data, p + 2);
      out.tcpFlags = data[p + 13];
      out.payload = len - hdr;
      return true;
    }
    case 17:
    case 136: { // UDP, UDP-Lite
      if (end < p + 4) return fail(out, 'captured bytes end inside the UDP header');
      if (len < 8) return fail(out, `IP length leaves ${len} bytes for an 8-byte UDP header`);
      out.sport = u16(data, p);
      out.dport = u16(data, p + 2);
      out.payload = len - 8;
      return true;
    }
    case 1:
    case 58: {
      if (end < p + 2) return fail(out, 'captured bytes end inside the ICMP header');
      if (len < 8) return fail(out, `IP length leaves ${len} bytes for an ICMP header`);
      out.icmpType = data[p];
      out.icmpCode = data[p + 1];
      const t = out.icmpType;
      const echo = out.proto === 1 ? t === 8 || t === 0 : t === 128 || t === 129;
      if (echo && end >= p + 6) out.icmpId = u16(data, p + 4);
      out.payload = len - 8;
      return true;
    }
    case 132: { // SCTP: ports like TCP/UDP, 12-byte common header
      if (end < p + 4) return fail(out, 'captured bytes end inside the SCTP header');
      out.sport = u16(data, p);
      out.dport = u16(data, p + 2);
      out.payload = Math.max(0, len - 12);
      return true;
    }
    default:
      // Any other protocol (GRE, ESP, OSPF ...): a flow of the address pair and protocol number.
      out.payload = len;
      return true;
  }
}

/** Dotted text of an IPv4 address held as a 32-bit number (signed or not). */
export function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Text of a decoded packet's source or destination address. */
export function decodedAddress(d: DecodedPacket, which: 'src' | 'dst'): string {
  if (d.family === 4) return ipv4Text(which === 'src' ? d.src4 : d.dst4);
  return addressText(which === 'src' ? d.src : d.dst);
}

/** Text form of an address kept as latin1 bytes: dotted IPv4, RFC 5952 IPv6. */
export function addressText(raw: string): string {
  if (raw.length === 4) {
    return `${raw.charCodeAt(0)}.${raw.charCodeAt(1)}.${raw.charCodeAt(2)}.${raw.charCodeAt(3)}`;
  }
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((raw.charCodeAt(i) << 8) | raw.charCodeAt(i + 1));
  // IPv4-mapped addresses print with the dotted tail (::ffff:192.0.2.1).
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${addressText(raw.slice(12))}`;
  }
  // Longest run of two or more zero words becomes '::' (the first such run on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
