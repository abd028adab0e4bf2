import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressText, decodedAddress, decodeFrame, decodePacket, linkByteBasis, newDecoded, TCP_ACK, TCP_SYN } from '../../../parsers/pcap/decode.js';
import { ether, ipv4, ipv6, tcp, udp } from './helpers.js';

function decode(linkType: number, frame: Buffer, origLen = frame.length) {
  const d = newDecoded();
  const ok = decodePacket(linkType, frame, origLen, d);
  return { ok, d: { ...d, src: d.family ? decodedAddress(d, 'src') : '', dst: d.family ? decodedAddress(d, 'dst') : '' } };
}

const SYN_80 = () => ipv4('10.0.0.1', '10.0.0.2', 6, tcp(40000, 80, TCP_SYN, 0, 3));

describe('decode: link layers', () => {
  it('Ethernet', () => {
    const { ok, d } = decode(1, ether(SYN_80()));
    assert.ok(ok);
    assert.equal(d.linkHeader, 14);
    assert.deepEqual([d.family, d.proto, d.src, d.sport, d.dst, d.dport, d.tcpFlags, d.payload], [4, 6, '10.0.0.1', 40000, '10.0.0.2', 80, TCP_SYN, 0]);
  });

  it('802.1Q, QinQ (0x88a8 + 0x8100) and 0x9100 tags', () => {
    for (const tags of [[0x8100], [0x88a8, 0x8100], [0x9100, 0x8100], [0x88a8, 0x8100, 0x8100]]) {
      const { ok, d } = decode(1, ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp(53, 5353, 10)), tags));
      assert.ok(ok, String(tags));
      assert.equal(d.linkHeader, 14 + 4 * tags.length);
      assert.deepEqual([d.proto, d.sport, d.dport, d.payload], [17, 53, 5353, 10]);
    }
  });

  it('Linux cooked SLL (113) and SLL2 (276)', () => {
    const ip = SYN_80();
    const sll = Buffer.alloc(16);
    sll.writeUInt16BE(0x0800, 14);
    const sll2 = Buffer.alloc(20);
    sll2.writeUInt16BE(0x0800, 0);
    for (const [link, hdr] of [[113, sll], [276, sll2]] as const) {
      const { ok, d } = decode(link, Buffer.concat([hdr, ip]));
      assert.ok(ok);
      assert.equal(d.linkHeader, hdr.length);
      assert.deepEqual([d.src, d.dport], ['10.0.0.1', 80]);
      assert.equal(linkByteBasis(link), 'link');
    }
  });

  it('raw IP (101, 12, 14), IPv4 and IPv6, counted from the IP header', () => {
    for (const link of [101, 12, 14]) {
      assert.equal(decode(link, SYN_80()).d.src, '10.0.0.1');
      assert.equal(decode(link, ipv6('2001:db8::1', '2001:db8::2', [], 17, udp(1, 2))).d.dst, '2001:db8::2');
      assert.equal(linkByteBasis(link), 'ip');
    }
  });

  it('BSD null/loopback (0, host order) and loop (108, network order)', () => {
    const le = Buffer.alloc(4);
    le.writeUInt32LE(2);
    const be = Buffer.alloc(4);
    be.writeUInt32BE(2);
    const v6 = Buffer.alloc(4);
    v6.writeUInt32LE(30); // macOS AF_INET6
    assert.equal(decode(0, Buffer.concat([le, SYN_80()])).d.family, 4);
    assert.equal(decode(0, Buffer.concat([be, SYN_80()])).d.family, 4);
    assert.equal(decode(108, Buffer.concat([be, SYN_80()])).d.family, 4);
    const r = decode(0, Buffer.concat([v6, ipv6('::1', '::1', [], 6, tcp(1, 2, TCP_ACK, 5))]));
    assert.deepEqual([r.d.family, r.d.src, r.d.payload, r.d.linkHeader], [6, '::1', 5, 4]);
  });

  it('non-IP frames decode as family 0; unknown link types fail', () => {
    const arp = ether(Buffer.alloc(28), [], 0x0806);
    const r = decode(1, arp);
    assert.ok(r.ok);
    assert.deepEqual([r.d.family, r.d.etherType], [0, 0x0806]);
    assert.equal(decode(147, arp).ok, false);
  });
});

describe('decode: IP and transport', () => {
  it('IPv4 options via IHL; TCP payload from the IP length, never the captured length', () => {
    const ip = ipv4('192.0.2.1', '192.0.2.2', 6, tcp(1234, 21, TCP_ACK | 0x08, 100, 3), { options: Buffer.alloc(8, 1) });
    const frame = ether(ip);
    const full = decode(1, frame).d;
    assert.equal(full.payload, 100);
    // snaplen 70: the payload bytes are gone, the count is not.
    const cut = decode(1, frame.subarray(0, 70), frame.length);
    assert.ok(cut.ok);
    assert.equal(cut.d.payload, 100);
    // Ethernet padding (a 60-byte minimum frame) adds no payload.
    const small = ether(ipv4('192.0.2.1', '192.0.2.2', 6, tcp(1, 2, TCP_ACK)));
    assert.equal(decode(1, Buffer.concat([small, Buffer.alloc(6)])).d.payload, 0);
  });

  it('IPv4 fragments: the first carries the ports, later ones are marked with their id', () => {
    const first = decode(1, ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp(5000, 53, 1472), { id: 77, frag: 0x2000 }))).d;
    assert.deepEqual([first.frag, first.sport, first.payload, first.fragId, first.fragLast], [1, 5000, 1472, 77, false]);
    const later = decode(1, ether(ipv4('10.0.0.1', '10.0.0.2', 17, Buffer.alloc(500), { id: 77, frag: 185 }))).d;
    assert.deepEqual([later.frag, later.sport, later.payload, later.fragId, later.fragLast], [2, -1, 500, 77, true]);
  });

  it('IPv6 extension headers: hop-by-hop, routing, destination options, AH, then TCP', () => {
    const chain = [
      { type: 0, bytes: Buffer.alloc(8) }, // hop-by-hop, length 0 -> 8 bytes
      { type: 43, bytes: Buffer.from([0, 1, 0, 0, ...Array(12).fill(0)]) }, // routing, (1+1)*8 = 16
      { type: 60, bytes: Buffer.alloc(8) }, // destination options
      { type: 51, bytes: Buffer.from([0, 4, ...Array(22).fill(0)]) }, // AH, (4+2)*4 = 24
    ];
    const { ok, d } = decode(1, ether(ipv6('2001:db8::a', '2001:db8:0:1::b', chain, 6, tcp(443, 50000, TCP_ACK, 33, 2))));
    assert.ok(ok);
    assert.deepEqual([d.family, d.proto, d.sport, d.dport, d.payload, d.src, d.dst], [6, 6, 443, 50000, 33, '2001:db8::a', '2001:db8:0:1::b']);
  });

  it('IPv6 fragment header: first fragment has ports, later fragments none', () => {
    const fragHdr = (offset: number, more: boolean) => {
      const b = Buffer.alloc(8);
      b.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
      b.writeUInt32BE(0xdeadbeef, 4);
      return b;
    };
    const first = decode(1, ether(ipv6('::1', '::2', [{ type: 44, bytes: fragHdr(0, true) }], 17, udp(9, 10, 100)))).d;
    assert.deepEqual([first.frag, first.proto, first.sport, first.payload, first.fragId], [1, 17, 9, 100, 0xdeadbeef]);
    const later = decode(1, ether(ipv6('::1', '::2', [{ type: 44, bytes: fragHdr(14, false) }], 17, Buffer.alloc(40)))).d;
    assert.deepEqual([later.frag, later.proto, later.sport, later.payload, later.fragLast], [2, 17, -1, 40, true]);
  });

  it('ICMP echo id and type/code; other protocols keyed by number', () => {
    const echo = Buffer.alloc(16);
    echo[0] = 8;
    echo.writeUInt16BE(0x1234, 4);
    const d = decode(1, ether(ipv4('10.0.0.1', '10.0.0.2', 1, echo))).d;
    assert.deepEqual([d.proto, d.icmpType, d.icmpCode, d.icmpId, d.payload], [1, 8, 0, 0x1234, 8]);
    const gre = decode(1, ether(ipv4('10.0.0.1', '10.0.0.2', 47, Buffer.alloc(30)))).d;
    assert.deepEqual([gre.proto, gre.sport, gre.payload], [47, -1, 30]);
  });

  it('bad packets fail with a reason instead of throwing', () => {
    const short = ether(SYN_80()).subarray(0, 30);
    const r = decode(1, short);
    assert.equal(r.ok, false);
    assert.match(r.d.error, /IPv4 header/);
    const badLen = ether(ipv4('10.0.0.1', '10.0.0.2', 6, tcp(1, 2, TCP_ACK)));
    badLen.writeUInt16BE(30, 16); // total length 30 < 20 + 20
    assert.match(decode(1, badLen).d.error, /TCP header/);
  });

  it('decodeFrame reads a frame in place inside a larger chunk and never past its end', () => {
    const frames = [ether(SYN_80()), ether(ipv6('2001:db8::1', '2001:db8::2', [], 17, udp(1, 2, 9)))];
    for (const frame of frames) {
      // The frame sits between other bytes, as in a capture chunk; the result is decodePacket's.
      const chunk = Buffer.concat([Buffer.alloc(37, 0xee), frame, Buffer.alloc(200, 0x45)]);
      const inPlace = newDecoded();
      assert.ok(decodeFrame(1, chunk, 37, 37 + frame.length, frame.length, inPlace));
      const alone = newDecoded();
      assert.ok(decodePacket(1, frame, frame.length, alone));
      assert.deepEqual(inPlace, alone);
      assert.equal(decodedAddress(inPlace, 'dst'), frame === frames[0] ? '10.0.0.2' : '2001:db8::2');
      // Cut inside the IP header: the bytes that follow belong to the next record, not to this one.
      const cut = newDecoded();
      assert.equal(decodeFrame(1, chunk, 37, 37 + 30, frame.length, cut), false);
      assert.match(cut.error, /end inside the IPv[46] header/);
    }
  });

  it('IPv4 addresses from 128.0.0.0 up keep their value (unsigned)', () => {
    const d = decode(1, ether(ipv4('255.255.255.254', '192.168.1.1', 17, udp(1, 2)))).d;
    assert.deepEqual([d.src, d.dst], ['255.255.255.254', '192.168.1.1']);
  });

  it('prints IPv6 addresses in RFC 5952 form', () => {
    const text = (hex: string) => addressText(Buffer.from(hex, 'hex').toString('latin1'));
    assert.equal(text('20010db8000000000000000000000001'), '2001:db8::1');
    assert.equal(text('20010db8000000010000000000000001'), '2001:db8:0:1::1');
    assert.equal(text('00000000000000000000ffffc0000201'), '::ffff:192.0.2.1');
    assert.equal(text('00000000000000000000000000000000'), '::');
    assert.equal(text('20010db8000100010001000100010001'), '2001:db8:1:1:1:1:1:1');
  });
});
