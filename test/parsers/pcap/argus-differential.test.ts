// flowlink's capture flows against argus 3.0.8 on the same captures: per-connection packets and
// bytes must be equal. The loopback-*.pcap fixtures are real exchanges written by tcpdump (see
// SOURCES.md); the zeek-*.pcap ones are Zeek's test traces. Skipped, saying so, without argus.
// Differences by design, each handled and checked below:
//  - ICMP echo: argus makes one record per request/reply exchange (it keys echoes by identifier
//    and sequence number); flowlink one flow per echo identifier. Compared per address pair.
//  - Same address both ways (IPv6 ::1 to ::1): argus keeps each direction as its own
//    unidirectional flow; flowlink tells the directions apart by port and keeps one
//    bidirectional flow. Compared per unordered 5-tuple; a UDP exchange is then INT (argus,
//    one-way halves) against CON (flowlink).
//  - Record boundaries: argus's status records and flowlink's parts both split long flows, so
//    records are summed per connection before comparing. Two boundary rules differ and do not
//    change the sums: argus calls a TCP connection closed from sequence numbers, flowlink from
//    FIN both ways plus an ACK, or an RST (both then keep it 10 s); and flowlink starts a new
//    flow at a SYN on a closed connection (port reuse, as argus 5 does), where argus 3.0.8 kept
//    it in the old record. Both are covered in flows.test.ts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../../src/event.js';
import { pcapFlows } from '../../../parsers/pcap/index.js';
import { fixture, fixturePath, memoryInput } from './helpers.js';

const missing = ['argus', 'ra'].filter((tool) => spawnSync(tool, ['-h'], { stdio: 'ignore' }).error !== undefined);
const skip = missing.length > 0 && `${missing.join(' and ')} not installed (Debian: apt-get install argus-server argus-client)`;

interface Row {
  stime: number;
  proto: number;
  src: string;
  sport: string;
  dst: string;
  dport: string;
  spkts: number;
  dpkts: number;
  sbytes: number;
  dbytes: number;
  state: string;
}

/** argus -r FILE, then its records as ra prints them (management records left out). */
function argusRows(file: string): Row[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-argus-'));
  try {
    const out = path.join(dir, 'x.argus');
    execFileSync('argus', ['-X', '-P', '0', '-r', file, '-w', out], { stdio: 'ignore' });
    const csv = execFileSync('ra', ['-X', '-nn', '-u', '-c', ',', '-r', out, '-s', 'stime', 'proto', 'saddr', 'sport', 'daddr', 'dport', 'spkts', 'dpkts', 'sbytes', 'dbytes', 'state', '-', 'not', 'man'], { encoding: 'utf8' });
    return csv.trim().split('\n').slice(1).map((line) => {
      const [stime, proto, src, sport, dst, dport, spkts, dpkts, sbytes, dbytes, state] = line.split(',').map((c) => c.trim());
      return { stime: Number(stime), proto: Number(proto), src, sport, dst, dport, spkts: Number(spkts), dpkts: Number(dpkts), sbytes: Number(sbytes), dbytes: Number(dbytes), state };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isIcmp = (proto: number) => proto === 1 || proto === 58;

/** A connection's key: ICMP by address pair (see the echo difference above), others by unordered 5-tuple. */
function key(proto: number, src: string, sport: string, dst: string, dport: string): string {
  const ends = isIcmp(proto) ? [src, dst] : [`${src}.${Number(sport)}`, `${dst}.${Number(dport)}`];
  return `${proto} ${ends.sort().join(' ')}`;
}

interface Sums {
  pkts: number;
  bytes: number;
  states: string[];
}

function add(map: Map<string, Sums>, k: string, pkts: number, bytes: number, state: string): void {
  const s = map.get(k) ?? { pkts: 0, bytes: 0, states: [] };
  s.pkts += pkts;
  s.bytes += bytes;
  if (!s.states.includes(state)) s.states.push(state);
  s.states.sort();
  map.set(k, s);
}

function argusSums(rows: Row[]): Map<string, Sums> {
  const m = new Map<string, Sums>();
  for (const r of rows) add(m, key(r.proto, r.src, r.sport, r.dst, r.dport), r.spkts + r.dpkts, r.sbytes + r.dbytes, r.state);
  return m;
}

function ourSums(flows: FlowRecord[]): Map<string, Sums> {
  const m = new Map<string, Sums>();
  for (const f of flows) add(m, key(f.proto, f.src, String(f.sport ?? 0), f.dst, String(f.dport ?? 0)), f.pkts, f.bytes, f.state!);
  return m;
}

/** The state of each TCP/UDP connection's last record (argus) or last flow (flowlink): how it ended. */
function finalStates(rows: Row[], flows: FlowRecord[]): { argus: Record<string, string>; ours: Record<string, string> } {
  const last = <T>(items: T[], k: (x: T) => string, t: (x: T) => number, st: (x: T) => string) => {
    const m = new Map<string, [number, string]>();
    for (const x of items) {
      const prev = m.get(k(x));
      if (!prev || t(x) >= prev[0]) m.set(k(x), [t(x), st(x)]);
    }
    return Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, [, state]]) => [key, state]));
  };
  return {
    argus: last(rows.filter((r) => !isIcmp(r.proto)), (r) => key(r.proto, r.src, r.sport, r.dst, r.dport), (r) => r.stime * 1e6, (r) => r.state),
    ours: last(flows.filter((f) => !isIcmp(f.proto)), (f) => key(f.proto, f.src, String(f.sport), f.dst, String(f.dport)), (f) => f.start, (f) => f.state!),
  };
}

const sorted = (m: Map<string, Sums>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

async function compare(name: string) {
  const rows = argusRows(fixturePath(name));
  const flows = await pcapFlows(memoryInput(fixture(name), name));
  assert.ok(rows.length > 0, 'argus wrote records');
  return { rows, flows, argus: argusSums(rows), ours: ourSums(flows) };
}

describe('pcap flows against argus 3.0.8: tcpdump captures of real exchanges', { skip }, () => {
  it('passive FTP upload: control and data connections, packets, bytes and states per direction equal argus', async () => {
    const { rows, flows, argus, ours } = await compare('loopback-ftp-passive-upload.pcap');
    assert.deepEqual(sorted(ours), sorted(argus));
    // Per direction too: both take the initiator from the SYN.
    const ourRows = flows.map((f) => [f.src, f.sport, f.dst, f.dport, f.srcPkts, f.dstPkts, f.srcBytes, f.dstBytes, f.state]);
    const theirRows = rows.map((r) => [r.src, Number(r.sport), r.dst, Number(r.dport), r.spkts, r.dpkts, r.sbytes, r.dbytes, r.state]);
    assert.deepEqual(ourRows.sort(), theirRows.sort());
    // The data connection carried exactly what the server's 226 reply counted.
    const counted = Number(/226 Transfer complete \((\d+) bytes\)/.exec(fixture('loopback-ftp-passive-upload.pcap').toString('latin1'))![1]);
    const data = flows.find((f) => f.dport !== 2121)!;
    assert.deepEqual([counted, data.srcPayload, data.dstPayload], [200_000, 200_000, 0]);
  });

  it('the final state of every TCP/UDP connection equals argus (IPv4 captures)', async () => {
    for (const name of ['loopback-ftp-passive-upload.pcap', 'loopback-smtp-send.pcap', 'loopback-dns-udp.pcap']) {
      const { rows, flows } = await compare(name);
      const states = finalStates(rows, flows);
      assert.ok(Object.keys(states.argus).length > 0, name);
      assert.deepEqual(states.ours, states.argus, name);
    }
  });

  it('SMTP send: one connection, equal to argus per direction', async () => {
    const { rows, flows, argus, ours } = await compare('loopback-smtp-send.pcap');
    assert.deepEqual(sorted(ours), sorted(argus));
    assert.equal(flows.length, 1);
    const [f] = flows;
    assert.deepEqual([f.src, f.sport, f.srcPkts, f.dstPkts, f.srcBytes, f.dstBytes, f.state], [rows[0].src, Number(rows[0].sport), rows[0].spkts, rows[0].dpkts, rows[0].sbytes, rows[0].dbytes, rows[0].state]);
  });

  it('UDP DNS and the ICMP port unreachable for a query to a closed port', async () => {
    const { argus, ours } = await compare('loopback-dns-udp.pcap');
    assert.deepEqual(sorted(ours), sorted(argus));
    assert.deepEqual([...ours.values()].map((s) => s.states.join()).sort(), ['CON', 'INT', 'URP']);
  });

  it('ICMP echo: argus has a record per exchange, flowlink a flow per identifier; the sums are equal', async () => {
    const { rows, flows, argus, ours } = await compare('loopback-icmp-echo.pcap');
    assert.deepEqual(sorted(ours), sorted(argus));
    assert.equal(rows.length, 3);
    assert.deepEqual(flows.map((f) => [f.pkts, f.dir, f.state]), [[6, '<->', 'ECO']]);
  });

  it('IPv6 on ::1: TCP, UDP, ICMPv6 unreachable and echo equal argus per connection; argus splits same-address flows by direction', async () => {
    const { rows, flows, argus, ours } = await compare('loopback-ipv6.pcap');
    const counts = (m: Map<string, Sums>) => new Map([...m].map(([k, s]) => [k, [s.pkts, s.bytes]]));
    assert.deepEqual(Object.fromEntries(counts(ours)), Object.fromEntries(counts(argus)));
    // The named difference: argus's halves are one-way records, flowlink's flows both ways.
    const tcpArgus = rows.filter((r) => r.proto === 6);
    assert.deepEqual(tcpArgus.map((r) => r.dpkts), [0, 0]);
    const tcp = flows.filter((f) => f.proto === 6);
    assert.equal(tcp.length, 1);
    assert.deepEqual([tcp[0].dport, tcp[0].srcPkts, tcp[0].dstPkts, tcp[0].state], [8080, 5, 5, 'FIN']);
    assert.equal(tcp[0].dstPayload, 5000 + 'HTTP/1.0 200 OK\r\nContent-Length: 5000\r\n\r\n'.length);
    const dns = flows.find((f) => f.proto === 17 && (f.dport === 5353 || f.sport === 5353))!;
    assert.deepEqual([dns.srcPkts, dns.dstPkts, dns.state], [3, 3, 'CON']);
    assert.deepEqual(argus.get(key(17, dns.src, String(dns.sport), dns.dst, String(dns.dport)))!.states, ['INT']);
    // ICMPv6: the port unreachable and the echoes, with argus's state names.
    assert.deepEqual(flows.filter((f) => f.proto === 58).map((f) => [f.state, f.pkts]).sort(), [['ECO', 6], ['URP', 1]]);
  });
});

describe('pcap flows against argus 3.0.8: Zeek test traces', { skip }, () => {
  for (const name of ['zeek-ftp-ipv4-active-passive.pcap', 'zeek-ftp-bigtransfer.pcap', 'zeek-smtp.pcap', 'zeek-ftp-ipv6-eprt-epsv.pcap']) {
    it(`${name}: packets and bytes per connection equal argus's records summed; the final TCP/UDP states equal`, async () => {
      const { rows, flows, argus, ours } = await compare(name);
      const counts = (m: Map<string, Sums>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, s]) => [k, [s.pkts, s.bytes]]));
      assert.deepEqual(counts(ours), counts(argus));
      const states = finalStates(rows, flows);
      assert.deepEqual(states.ours, states.argus);
    });
  }
});
