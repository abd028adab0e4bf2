// Addresses as bytes: the spellings tcpdump, argus and zeek print all compare equal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inPrefix, parseAddress } from '../../src/analyses/flow-filter-address.js';

const bytes = (t: string) => [...parseAddress(t)!.bytes];

describe('flow filter addresses', () => {
  it('IPv4', () => {
    assert.deepEqual(bytes('192.168.134.56'), [192, 168, 134, 56]);
    for (const bad of ['192.168.134', '192.168.134.256', '1.2.3.4.5', '1..2.3', 'a.b.c.d', '']) assert.equal(parseAddress(bad), undefined, bad);
  });

  it('IPv6: compressed, full, embedded IPv4, zone ids, one key per address', () => {
    const full = parseAddress('2001:0470:4867:0099:0000:0000:0000:0021')!;
    assert.equal(full.family, 6);
    assert.equal(parseAddress('2001:470:4867:99::21')!.key, full.key);
    assert.deepEqual(bytes('::1'), [...Array(15).fill(0), 1]);
    assert.deepEqual(bytes('::'), Array(16).fill(0));
    assert.deepEqual(bytes('::ffff:192.0.2.1').slice(10), [0xff, 0xff, 192, 0, 2, 1]);
    assert.equal(parseAddress('fe80::1%eth0')!.key, parseAddress('fe80::1')!.key);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::1', 'fe80::g', ':::', '1:2:3:4:5:6:7::8:9']) assert.equal(parseAddress(bad), undefined, bad);
  });

  it('prefixes: whole bytes, bits within a byte, families never mix', () => {
    const net = parseAddress('10.128.0.0')!.bytes;
    assert.ok(inPrefix(parseAddress('10.200.1.1')!.bytes, net, 9));
    assert.ok(!inPrefix(parseAddress('10.100.1.1')!.bytes, net, 9));
    assert.ok(inPrefix(parseAddress('99.1.2.3')!.bytes, net, 0));
    assert.ok(inPrefix(parseAddress('2001:db8::5')!.bytes, parseAddress('2001:db8::')!.bytes, 32));
    assert.ok(!inPrefix(parseAddress('2001:db9::5')!.bytes, parseAddress('2001:db8::')!.bytes, 32));
    assert.ok(!inPrefix(parseAddress('::ffff:10.0.0.1')!.bytes, parseAddress('10.0.0.0')!.bytes, 8), 'an IPv4-mapped IPv6 address is IPv6');
  });
});
