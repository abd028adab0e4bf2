// The --filter language: every construct against flows from real captures and hand-made
// flows, every error with its column, and tcpdump's own filter as the oracle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../src/event.js';
import { FilterSyntaxError } from '../../src/errors.js';
import { flowFilter } from '../../src/analyses/flow-filter.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { fixture, parseFile } from '../helpers.js';

async function flowsOf(file: string): Promise<FlowRecord[]> {
  return (await parseFile(pcapParser, file, { zone: 'UTC' })).filter((i): i is FlowRecord => i.kind === 'flow');
}

const SMTP = fixture('pcap', 'zeek-smtp.pcap');
const FTP4 = fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap');
const FTP6 = fixture('pcap', 'zeek-ftp-ipv6-eprt-epsv.pcap');
const key = (f: FlowRecord) => `${f.proto} ${f.src}:${f.sport ?? ''} ${f.dst}:${f.dport ?? ''}`;
const keep = (flows: FlowRecord[], filter: string) => flows.filter(flowFilter(filter)).map(key).sort();

function flow(over: Partial<FlowRecord>): FlowRecord {
  return {
    kind: 'flow', flowId: 'x', start: 0, end: 1, proto: 6, src: '10.0.0.1', sport: 40000, dst: '10.0.0.2', dport: 80,
    pkts: 1, bytes: 60, byteBasis: 'link', origin: { file: 'f', line: 1, raw: '' }, records: 1, ...over,
  };
}

describe('flow filter: primitives on flows from real captures', async () => {
  const smtp = await flowsOf(SMTP);
  const ftp4 = await flowsOf(FTP4);
  const ftp6 = await flowsOf(FTP6);

  it('host matches either end; src host the initiator, dst host the other end', () => {
    assert.deepEqual(keep(smtp, 'host 10.10.1.4'), ['1 192.168.1.1:3 10.10.1.4:4', '17 10.10.1.4:56166 10.10.1.1:53', '6 10.10.1.4:1470 74.53.140.153:25']);
    assert.deepEqual(keep(smtp, 'src host 10.10.1.4'), ['17 10.10.1.4:56166 10.10.1.1:53', '6 10.10.1.4:1470 74.53.140.153:25']);
    assert.deepEqual(keep(smtp, 'dst host 10.10.1.4'), ['1 192.168.1.1:3 10.10.1.4:4']);
    assert.deepEqual(keep(smtp, 'src 10.10.1.4'), keep(smtp, 'src host 10.10.1.4'), 'a direction alone means host');
    assert.deepEqual(keep(smtp, '10.10.1.4'), keep(smtp, 'host 10.10.1.4'), 'a bare address means host');
    assert.deepEqual(keep(smtp, 'src or dst host 10.10.1.4'), keep(smtp, 'host 10.10.1.4'));
    assert.deepEqual(keep(smtp, 'ip src 10.10.1.4'), keep(smtp, 'src host 10.10.1.4'), 'ip qualifies, host assumed');
    assert.deepEqual(keep(smtp, 'ip6 host 2001:db8::1'), []);
    assert.deepEqual(keep(smtp, 'src and dst net 10.10.1.0/24'), ['17 10.10.1.20:138 10.10.1.255:138', '17 10.10.1.4:56166 10.10.1.1:53']);
  });

  it('IPv6 hosts compare as addresses, not spellings', () => {
    const server = keep(ftp6, 'host 2001:470:4867:99::21');
    assert.equal(server.length, 6);
    assert.deepEqual(keep(ftp6, 'host 2001:0470:4867:0099:0000:0000:0000:0021'), server);
    assert.deepEqual(keep(ftp6, 'src host 2001:470:4867:99:0::21'), ['6 2001:470:4867:99::21:55647 2001:470:1f11:81f:c999:d94:aa7c:2e3e:49190', '6 2001:470:4867:99::21:55785 2001:470:1f11:81f:c999:d94:aa7c:2e3e:49189']);
    assert.deepEqual(keep(ftp6, 'host 10.0.0.1'), []);
  });

  it('net: CIDR for IPv4 and IPv6, tcpdump short forms, mask', () => {
    assert.deepEqual(keep(smtp, 'net 192.168.0.0/16'), keep(smtp, 'net 192.168'));
    assert.equal(keep(smtp, 'net 192.168.0.0/16').length, 6);
    assert.deepEqual(keep(smtp, 'net 10.0.0.0 mask 255.0.0.0'), keep(smtp, 'net 10/8'));
    assert.deepEqual(keep(smtp, 'dst net 74.53.140.0/24'), ['6 10.10.1.4:1470 74.53.140.153:25']);
    assert.equal(keep(ftp6, 'net 2001:470:4867::/48').length, 6);
    assert.equal(keep(ftp6, 'src net 2001:470:1f11::/48').length, 4);
    assert.deepEqual(keep(ftp6, 'net 10/8'), [], 'an IPv4 net never holds an IPv6 address');
    assert.deepEqual(keep(smtp, 'net 2001:470:4867::/48'), []);
  });

  it('port, portrange and service names; ports only for tcp, udp, sctp (not ICMP type/code)', () => {
    assert.deepEqual(keep(ftp4, 'port 21'), ['6 141.142.220.235:50003 199.233.217.249:21']);
    assert.deepEqual(keep(ftp4, 'port ftp'), keep(ftp4, 'port 21'));
    assert.deepEqual(keep(ftp4, 'dst port 56666'), ['6 141.142.220.235:37604 199.233.217.249:56666']);
    assert.deepEqual(keep(ftp4, 'src port 56666'), []);
    assert.deepEqual(keep(ftp4, 'portrange 56666-56667'), ['6 141.142.220.235:37604 199.233.217.249:56666', '6 141.142.220.235:59378 199.233.217.249:56667']);
    assert.deepEqual(keep(ftp4, 'portrange 56667-56666'), keep(ftp4, 'portrange 56666-56667'));
    assert.deepEqual(keep(smtp, 'port 3 or port 4'), [], 'the ICMP flow carries type/code in its ports');
    assert.deepEqual(keep(smtp, 'udp port 53'), ['17 10.10.1.4:56166 10.10.1.1:53']);
    assert.deepEqual(keep(smtp, 'tcp port 53'), []);
    assert.deepEqual(keep(smtp, 'udp dst port 138'), ['17 10.10.1.20:138 10.10.1.255:138']);
    assert.deepEqual(keep(smtp, 'port domain'), keep(smtp, 'port 53'));
  });

  it('protocols: names, proto N, ip and ip6', () => {
    assert.deepEqual(keep(smtp, 'icmp'), ['1 192.168.1.1:3 10.10.1.4:4']);
    assert.deepEqual(keep(smtp, 'udp').length, 2);
    assert.deepEqual(keep(smtp, 'proto 17'), keep(smtp, 'udp'));
    assert.deepEqual(keep(smtp, 'ip proto \\udp'), keep(smtp, 'udp'));
    assert.deepEqual(keep(smtp, 'proto udp'), keep(smtp, 'udp'));
    assert.equal(keep(smtp, 'tcp').length, 6);
    assert.equal(keep(smtp, 'ip').length, smtp.length);
    assert.deepEqual(keep(smtp, 'ip6'), []);
    assert.equal(keep(ftp6, 'ip6').length, 6);
    assert.deepEqual(keep(ftp6, 'ip'), []);
    assert.deepEqual(keep(ftp6, 'ip6 proto 6'), keep(ftp6, 'tcp'));
    assert.deepEqual(keep(ftp6, 'ip proto 6'), []);
    assert.deepEqual(keep([flow({ proto: 58, src: 'fe80::1', dst: 'ff02::1', sport: 135, dport: 0 })], 'icmp6').length, 1);
    assert.deepEqual(keep([flow({ proto: 58, src: 'fe80::1', dst: 'ff02::1' })], 'icmp'), []);
    assert.deepEqual(keep([flow({ proto: 132, sport: 2905, dport: 2905 })], 'sctp and port 2905').length, 1);
  });

  it('and, or, not, && || !, parentheses', () => {
    assert.deepEqual(keep(smtp, 'not port 443 and not port 25 and tcp'), ['6 192.168.133.100:49153 17.172.238.21:5223', '6 192.168.133.100:49285 66.196.121.26:5050']);
    assert.deepEqual(keep(smtp, '!port 443 && !port 25 && tcp'), keep(smtp, 'not port 443 and not port 25 and tcp'));
    assert.deepEqual(keep(smtp, 'udp || icmp'), keep(smtp, 'not tcp'));
    assert.deepEqual(keep(smtp, 'not (tcp or udp)'), keep(smtp, 'icmp'));
    assert.deepEqual(keep(smtp, 'NOT TCP AND NOT UDP'), keep(smtp, 'icmp'), 'keywords in any case');
  });

  it('and and or have equal precedence, left to right, as in pcap-filter(7)', () => {
    // (icmp or udp) and port 53: only the DNS flow; with and binding tighter it would also keep ICMP.
    assert.deepEqual(keep(smtp, 'icmp or udp and port 53'), ['17 10.10.1.4:56166 10.10.1.1:53']);
    assert.deepEqual(keep(smtp, 'icmp or (udp and port 53)'), ['1 192.168.1.1:3 10.10.1.4:4', '17 10.10.1.4:56166 10.10.1.1:53']);
  });

  it('a value without a keyword takes the last keyword: host a or b, port 21 or 56666', () => {
    assert.deepEqual(keep(smtp, 'host 10.10.1.20 or 74.53.140.153'), keep(smtp, 'host 10.10.1.20 or host 74.53.140.153'));
    assert.deepEqual(keep(ftp4, 'tcp dst port 21 or 56666'), keep(ftp4, 'tcp dst port 21 or tcp dst port 56666'));
    assert.equal(keep(ftp4, 'tcp dst port 21 or 56666').length, 2);
    // pcap's own example: `not host vs and ace` is `not host vs and host ace`.
    assert.deepEqual(keep(smtp, 'not host 10.10.1.4 and 10.10.1.1'), []);
    assert.deepEqual(keep(smtp, 'not host 10.10.1.1 and 10.10.1.4'), keep(smtp, 'host 10.10.1.4 and not host 10.10.1.1'));
  });
});

describe('flow filter: mistakes point at the word', () => {
  const cases: [string, number, number, RegExp][] = [
    ['not prot 80', 5, 4, /unknown word 'prot'/],
    ['port', 5, 1, /expected a port after 'port', got the end/],
    ['port http-ish', 6, 8, /'http-ish' is not a port number/],
    ['port 70000', 6, 5, /not a port number/],
    ['portrange 21', 11, 2, /not a port range/],
    ['host foo.example', 6, 11, /not an IPv4 or IPv6 address \(flowlink does not look up host names\)/],
    ['host 10.0.0.300', 6, 10, /not an IPv4 or IPv6 address/],
    ['ip host 2001:db8::1', 9, 11, /not an IPv4 address/],
    ['net 10.0.0.1/8', 5, 10, /non-network bits set in '10.0.0.1\/8'/],
    ['net 10.0.0.0/33', 5, 11, /\/33 is longer than an IPv4 address/],
    ['net 10.0.0.0/x', 5, 10, /'x' is not a prefix length/],
    ['net 10.0.0.0 mask 255.0.255.0', 19, 11, /not a contiguous mask/],
    ['net 10.0.0.0/8 mask 255.0.0.0', 16, 4, /length or a mask, not both/],
    ['(host 10.0.0.1', 1, 1, /'\(' is never closed/],
    ['host 10.0.0.1)', 14, 1, /'\)' without a matching '\('/],
    ['(host 10.0.0.1 port 80)', 16, 4, /expected 'and', 'or' or '\)'/],
    ['host 10.0.0.1 port 80', 15, 4, /expected 'and' or 'or' before 'port'/],
    ['tcp and', 8, 1, /expected a primitive .* got the end of the filter/],
    ['and tcp', 1, 3, /expected a primitive before 'and'/],
    ['ether host 00:11:22:33:44:55', 1, 5, /'ether' needs the packets/],
    ['greater 100', 1, 7, /needs the packets/],
    ['tcp[13] & 2 != 0', 4, 1, /byte comparisons need the packets/],
    ['port 21 $ port 20', 9, 1, /unexpected character '\$'/],
    ['icmp host 10.0.0.1', 6, 4, /'icmp' takes no qualifiers/],
    ['udp net 10/8', 5, 3, /'net' cannot follow a transport protocol/],
    ['tcp proto 6', 5, 5, /'proto' follows ip or ip6/],
    ['tcp src 21', 9, 2, /expected 'port' or 'portrange' after the protocol/],
    ['proto bogus', 7, 5, /not a protocol number .* or name/],
    ['proto 300', 7, 3, /not a protocol number \(0-255\)/],
    ['host and', 6, 3, /expected an address after 'host'/],
    ['src port host', 10, 4, /got the keyword 'host'/],
    ['', 1, 1, /the filter is empty/],
  ];
  for (const [filter, column, length, reason] of cases) {
    it(`'${filter}'`, () => {
      assert.throws(
        () => flowFilter(filter),
        (e: unknown) => {
          assert.ok(e instanceof FilterSyntaxError, String(e));
          assert.match(e.reason, reason);
          assert.equal(e.column, column, e.detailed);
          assert.equal(e.length, length, e.detailed);
          assert.equal(e.exitCode, 2);
          // The caret line sits under the word: as many spaces as the column, then the carets.
          const lines = e.detailed.split('\n');
          assert.equal(lines.length, 3);
          assert.equal(lines[1], `  ${filter}`);
          assert.equal(lines[2], `  ${' '.repeat(column - 1)}${'^'.repeat(length)}`);
          assert.ok(!lines[0].includes('\n'));
          return true;
        },
      );
    });
  }
});

// tcpdump as the oracle: it filters the packets, flowlink assembles what is left; for filters
// that do not depend on direction the connections must be the same ones flowlink's filter keeps.
const tcpdump = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
const haveTcpdump = tcpdump.status === 0;

describe('flow filter against tcpdump', { skip: haveTcpdump ? false : 'tcpdump is not installed (apt-get install tcpdump)' }, () => {
  const unordered = (f: FlowRecord) => `${f.proto} ${[`${f.src}:${f.sport}`, `${f.dst}:${f.dport}`].sort().join(' ')}`;
  async function tcpdumpKept(file: string, filter: string, dir: string): Promise<string[]> {
    const out = path.join(dir, 'kept.pcap');
    const r = spawnSync('tcpdump', ['-r', file, '-w', out, filter], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tcpdump '${filter}': ${r.stderr}`);
    return [...new Set((await flowsOf(out)).map(unordered))].sort();
  }
  const symmetric: [string, string[]][] = [
    [SMTP, ['host 10.10.1.4', 'net 192.168.133.0/24', 'net 10', 'port 25', 'port 53 or port 138', 'portrange 400-500', 'udp', 'icmp', 'tcp and not port 443 and not port 25', 'not host 192.168.133.100', 'icmp or udp and port 53', 'ip', 'proto 17', 'tcp port 5050 or 5223']],
    [FTP4, ['port 21', 'portrange 56666-56667', 'not port 21', 'host 199.233.217.249 and not port 21', 'tcp']],
    [FTP6, ['ip6', 'host 2001:470:4867:99::21', 'net 2001:470:1f11::/48', 'ip6 and port 21', 'ip', 'portrange 49185-49187']],
  ];
  for (const [file, filters] of symmetric) {
    for (const filter of filters) {
      it(`${path.basename(file)}: '${filter}'`, async (t) => {
        const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-filter-'));
        t.after(() => rmSync(dir, { recursive: true, force: true }));
        const ours = [...new Set((await flowsOf(file)).filter(flowFilter(filter)).map(unordered))].sort();
        assert.deepEqual(ours, await tcpdumpKept(file, filter, dir));
      });
    }
  }

  it('by design, src/dst differ: tcpdump keeps packets X sent, flowlink keeps connections X started', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-filter-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const flows = await flowsOf(FTP4);
    const client = '141.142.220.235';
    const ours = flows.filter(flowFilter(`src host ${client}`)).map(unordered).sort();
    const theirs = await tcpdumpKept(FTP4, `src host ${client}`, dir);
    // tcpdump also keeps the client's replies on the active-mode data connections the server opened.
    const serverOpened = flows.filter((f) => f.dst === client).map(unordered);
    assert.equal(serverOpened.length, 2);
    assert.deepEqual([...ours, ...serverOpened].sort(), theirs);
  });
});
