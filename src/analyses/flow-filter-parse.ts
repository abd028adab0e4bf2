// The `--filter` language: the part of pcap-filter(7) that means something for a flow
// (host, net, port, portrange, protocols, src/dst, and/or/not, parentheses). This file
// turns the text into a tree; flow-filter.ts says what the tree matches. It is its own
// small language, apart from the rule grammar in src/rules/.
import { FilterSyntaxError } from '../errors.js';
import { portFromText, protoFromText } from '../../parsers/port-names.js';
import { parseAddress, type ParsedAddress } from './flow-filter-address.js';

export type Direction = 'src' | 'dst' | 'either' | 'both';

export type Test =
  | { type: 'host'; dir: Direction; address: ParsedAddress }
  | { type: 'net'; dir: Direction; family: 4 | 6; bytes: Uint8Array; prefix: number }
  | { type: 'port'; dir: Direction; lo: number; hi: number };

/** One primitive: every condition present must hold. */
export interface Primitive {
  kind: 'primitive';
  family?: 4 | 6;
  /** The flow's protocol must be one of these. */
  protos?: number[];
  test?: Test;
}

export type FilterNode =
  | Primitive
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

interface Token {
  kind: 'word' | 'op';
  text: string;
  /** 1-based column of the first character. */
  column: number;
}

// pcap: `port` without a protocol means tcp, udp or sctp (the protocols that have ports).
const PORT_PROTOS = [6, 17, 132];
const TRANSPORT: Record<string, number> = { tcp: 6, udp: 17, sctp: 132 };
const STANDALONE: Record<string, { family?: 4 | 6; protos?: number[] }> = {
  tcp: { protos: [6] },
  udp: { protos: [17] },
  sctp: { protos: [132] },
  icmp: { family: 4, protos: [1] },
  icmp6: { family: 6, protos: [58] },
  ip: { family: 4 },
  ip6: { family: 6 },
};
const TYPES = new Set(['host', 'net', 'port', 'portrange']);
const KEYWORDS = new Set(['and', 'or', 'not', 'src', 'dst', 'proto', 'mask', ...TYPES, ...Object.keys(STANDALONE)]);
// Words of pcap-filter that have no meaning for a flow record: named so the message can say so.
const PACKET_ONLY = new Set([
  'ether', 'gateway', 'broadcast', 'multicast', 'less', 'greater', 'len', 'vlan', 'mpls', 'arp', 'rarp', 'inbound', 'outbound',
  'ifname', 'on', 'fddi', 'tr', 'wlan', 'type', 'subtype', 'link', 'pppoed', 'pppoes', 'geneve', 'decnet', 'iso', 'atalk', 'stp', 'ipx',
]);
const EXPECTED_PRIMITIVE = 'host, net, port, portrange, proto, tcp, udp, icmp, icmp6, sctp, ip, ip6, src, dst, not or (';

function lex(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  // Bounded: every turn consumes at least one character or throws.
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = filter.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      tokens.push({ kind: 'op', text: two === '&&' ? 'and' : 'or', column: i + 1 });
      i += 2;
      continue;
    }
    if (c === '(' || c === ')' || c === '!') {
      tokens.push({ kind: 'op', text: c === '!' ? 'not' : c, column: i + 1 });
      i++;
      continue;
    }
    const m = /^[A-Za-z0-9_.:/\\%-]+/.exec(filter.slice(i));
    if (!m) {
      const what = c === '=' || c === '<' || c === '>' || c === '[' ? `'${c}': byte comparisons need the packets, which a flow does not keep` : `unexpected character '${c}'`;
      throw new FilterSyntaxError(filter, i + 1, 1, what);
    }
    const word = m[0];
    const lower = word.toLowerCase();
    const kind = lower === 'and' || lower === 'or' || lower === 'not' ? 'op' : 'word';
    tokens.push({ kind, text: kind === 'op' ? lower : word, column: i + 1 });
    i += word.length;
  }
  return tokens;
}

interface Qualifiers {
  family?: 4 | 6;
  transport?: number;
  dir?: Direction;
  type?: string;
}

/** Parses a filter into its tree; a mistake throws a FilterSyntaxError pointing at the word. */
export function parseFlowFilter(filter: string): FilterNode {
  const tokens = lex(filter);
  let at = 0;
  // pcap: "If an identifier is given without a keyword, the most recent keyword is assumed."
  let last: Qualifiers | undefined;

  const peek = (ahead = 0): Token | undefined => tokens[at + ahead];
  const fail = (token: Token | undefined, reason: string): never => {
    if (!token) throw new FilterSyntaxError(filter, filter.trimEnd().length + 1, 1, `${reason}, got the end of the filter`);
    throw new FilterSyntaxError(filter, token.column, token.text.length, reason);
  };
  const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === 'word' && t.text.toLowerCase() === w;

  function expression(): FilterNode {
    let left = unary();
    // pcap-filter(7): alternation and concatenation have equal precedence, left to right.
    for (let t = peek(); t && t.kind === 'op' && (t.text === 'and' || t.text === 'or'); t = peek()) {
      at++;
      const right = unary();
      left = { kind: t.text as 'and' | 'or', left, right };
    }
    return left;
  }

  function unary(): FilterNode {
    const t = peek();
    if (t && t.kind === 'op' && t.text === 'not') {
      at++;
      return { kind: 'not', operand: unary() };
    }
    if (t && t.kind === 'op' && t.text === '(') {
      at++;
      const inner = expression();
      const close = peek();
      if (!close || close.kind !== 'op' || close.text !== ')') {
        if (!close) throw new FilterSyntaxError(filter, t.column, 1, "'(' is never closed");
        fail(close, "expected 'and', 'or' or ')'");
      }
      at++;
      return inner;
    }
    return primitive();
  }

  function primitive(): Primitive {
    const first = peek();
    if (!first) return fail(first, `expected a primitive (${EXPECTED_PRIMITIVE})`);
    if (first.kind === 'op') return fail(first, first.text === ')' ? "')' without a matching '('" : `expected a primitive before '${first.text}'`);
    const q: Qualifiers = {};
    const lower = first.text.toLowerCase();

    if (PACKET_ONLY.has(lower)) fail(first, `'${first.text}' needs the packets; a flow filter knows host, net, port, portrange and protocols`);

    // [ip|ip6|tcp|udp|sctp] qualifier, or a protocol primitive on its own.
    if (lower in STANDALONE) {
      at++;
      const next = peek();
      const qualifies = next !== undefined && next.kind === 'word' && ['src', 'dst', 'host', 'net', 'port', 'portrange', 'proto'].includes(next.text.toLowerCase());
      if (!qualifies) return { kind: 'primitive', ...STANDALONE[lower] };
      if (lower === 'icmp' || lower === 'icmp6') fail(next, `'${first.text}' takes no qualifiers here; write '${first.text} and ...'`);
      if (lower === 'ip' || lower === 'ip6') q.family = lower === 'ip' ? 4 : 6;
      else q.transport = TRANSPORT[lower];
      if (isWord(next, 'proto')) return protoPrimitive(q);
    } else if (lower === 'proto') {
      return protoPrimitive(q);
    }

    // [src|dst|src or dst|src and dst]
    const d = peek();
    if (isWord(d, 'src') || isWord(d, 'dst')) {
      at++;
      q.dir = d!.text.toLowerCase() as Direction;
      const conj = peek();
      const other = peek(1);
      if (conj && conj.kind === 'op' && (conj.text === 'or' || conj.text === 'and') && other && isWord(other, q.dir === 'src' ? 'dst' : 'src')) {
        at += 2;
        q.dir = conj.text === 'or' ? 'either' : 'both';
      }
    }

    // [host|net|port|portrange]; after a direction alone, host is assumed (pcap-filter(7)).
    const ty = peek();
    if (ty && ty.kind === 'word' && TYPES.has(ty.text.toLowerCase())) {
      at++;
      q.type = ty.text.toLowerCase();
    } else if (q.transport !== undefined) {
      fail(ty, "expected 'port' or 'portrange' after the protocol");
    } else if (q.dir !== undefined || q.family !== undefined) {
      q.type = 'host';
    } else if (last && !KEYWORDS.has(lower)) {
      // A bare value: `host a or b` means `host a or host b`.
      Object.assign(q, last);
    } else if (!KEYWORDS.has(lower) && parseAddress(first.text)) {
      q.type = 'host';
    } else {
      fail(first, `unknown word '${first.text}'; expected ${EXPECTED_PRIMITIVE}`);
    }
    if (q.transport !== undefined && q.type !== 'port' && q.type !== 'portrange') fail(tokens[at - 1], `'${q.type}' cannot follow a transport protocol; only port and portrange can`);

    const value = peek();
    if (!value || value.kind !== 'word') return fail(value, `expected ${valueName(q.type!)} after '${tokens[at - 1].text}'`);
    if (KEYWORDS.has(value.text.toLowerCase())) fail(value, `expected ${valueName(q.type!)} after '${tokens[at - 1].text}', got the keyword '${value.text}'`);
    at++;
    last = { ...q };
    const dir = q.dir ?? 'either';
    const base = { kind: 'primitive' as const, family: q.family };

    if (q.type === 'host') {
      const address = parseAddress(value.text);
      if (!address) fail(value, `'${value.text}' is not an IPv4 or IPv6 address (flowlink does not look up host names)`);
      if (q.family !== undefined && address!.family !== q.family) fail(value, `'${value.text}' is not an IPv${q.family} address`);
      return { ...base, test: { type: 'host', dir, address: address! } };
    }
    if (q.type === 'net') return { ...base, test: netTest(value, dir, q.family) };
    const range = portRange(value, q.type === 'portrange');
    return { ...base, protos: q.transport !== undefined ? [q.transport] : PORT_PROTOS, test: { type: 'port', dir, ...range } };
  }

  function protoPrimitive(q: Qualifiers): Primitive {
    const kw = tokens[at];
    at++;
    if (q.transport !== undefined) fail(kw, "'proto' follows ip or ip6, not a transport protocol");
    const value = peek();
    if (!value || value.kind !== 'word') return fail(value, "expected a protocol number or name after 'proto'");
    const name = value.text.replace(/^\\/, '');
    const proto = protoFromText(name);
    if (proto === undefined || proto > 255) fail(value, `'${value.text}' is not a protocol number (0-255) or name (tcp, udp, icmp, icmp6, ...)`);
    at++;
    return { kind: 'primitive', family: q.family, protos: [proto!] };
  }

  function netTest(token: Token, dir: Direction, family: 4 | 6 | undefined): Test {
    let text = token.text;
    let prefix: number | undefined;
    const slash = text.indexOf('/');
    if (slash >= 0) {
      const len = text.slice(slash + 1);
      if (!/^\d{1,3}$/.test(len)) fail(token, `'${len}' is not a prefix length`);
      prefix = Number(len);
      text = text.slice(0, slash);
    }
    let address = parseAddress(text);
    // tcpdump's short forms: `net 10` is 10/8, `net 192.168` is 192.168/16.
    if (!address && /^\d{1,3}(\.\d{1,3}){0,2}$/.test(text)) {
      const octets = text.split('.');
      address = parseAddress([...octets, ...Array(4 - octets.length).fill('0')].join('.'));
      prefix ??= octets.length * 8;
    }
    if (!address) return fail(token, `'${token.text}' is not a network (e.g. 10.0.0.0/8, 192.168, 2001:db8::/32)`);
    if (family !== undefined && address.family !== family) fail(token, `'${token.text}' is not an IPv${family} network`);
    const bits = address.bytes.length * 8;
    if (isWord(peek(), 'mask')) {
      const maskWord = peek()!;
      at++;
      const m = peek();
      const mask = m && m.kind === 'word' ? parseAddress(m.text) : undefined;
      if (!mask || mask.family !== 4 || address.family !== 4) return fail(m ?? maskWord, "expected an IPv4 mask after 'mask', e.g. 255.255.0.0");
      if (prefix !== undefined) fail(maskWord, "a network takes a '/' length or a mask, not both");
      const ones = [...mask.bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
      if (!/^1*0*$/.test(ones)) fail(m, `'${m!.text}' is not a contiguous mask`);
      prefix = ones.indexOf('0') === -1 ? 32 : ones.indexOf('0');
      at++;
    }
    prefix ??= bits;
    if (prefix > bits) fail(token, `/${prefix} is longer than an IPv${address.family} address`);
    for (let bit = prefix; bit < bits; bit++) {
      if (address.bytes[bit >> 3] & (0x80 >> (bit & 7))) fail(token, `non-network bits set in '${token.text}'`);
    }
    return { type: 'net', dir, family: address.family, bytes: address.bytes, prefix };
  }

  function portRange(token: Token, range: boolean): { lo: number; hi: number } {
    const one = (text: string): number | undefined => {
      const p = portFromText(text);
      return p === null || p === undefined || p > 65535 ? undefined : p;
    };
    if (!range) {
      const p = one(token.text);
      if (p === undefined) fail(token, `'${token.text}' is not a port number (0-65535) or a known service name`);
      return { lo: p!, hi: p! };
    }
    // Service names can hold '-' themselves (ftp-data), so try every split.
    for (let i = token.text.indexOf('-'); i > 0; i = token.text.indexOf('-', i + 1)) {
      const lo = one(token.text.slice(0, i));
      const hi = one(token.text.slice(i + 1));
      if (lo !== undefined && hi !== undefined) return lo <= hi ? { lo, hi } : { lo: hi, hi: lo };
    }
    return fail(token, `'${token.text}' is not a port range (e.g. 20-21)`);
  }

  if (tokens.length === 0) throw new FilterSyntaxError(filter, 1, Math.max(1, filter.length), 'the filter is empty');
  const tree = expression();
  if (at < tokens.length) {
    const t = tokens[at];
    fail(t, t.text === ')' ? "')' without a matching '('" : `expected 'and' or 'or' before '${t.text}'`);
  }
  return tree;
}

function valueName(type: string): string {
  return type === 'host' ? 'an address' : type === 'net' ? 'a network' : type === 'port' ? 'a port' : 'a port range';
}
