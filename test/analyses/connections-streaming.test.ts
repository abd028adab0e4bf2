// The streaming per-connection merge (ConnectionTable: running totals, no records held) against
// the merge that holds every record and merges them at the end (mergeConnections, the path
// `flowlink flows` took before), on records from real captures and real argus and nfdump output,
// in several orders of arrival; and that the table holds neither records nor their parts.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { FlowRecord } from '../../src/event.js';
import { ConnectionTable, mergeConnections, rankConnections, rankTable, SORT_KEYS } from '../../src/analyses/connections.js';
import { flowFilter } from '../../src/analyses/flow-filter.js';
import { flowListJson, type FlowListing } from '../../src/views/flow-list.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { argusText } from '../../parsers/argus-text.js';
import { nfdump } from '../../parsers/nfdump.js';
import type { Parser } from '../../parsers/parser.js';
import { fixture, parseFile, ROOT } from '../helpers.js';

const flowsIn = async (parser: Parser, file: string) =>
  (await parseFile(parser, file, { zone: 'UTC', date: { year: 2011, month: 1, day: 31 } })).filter((i): i is FlowRecord => i.kind === 'flow');

/** Every input a user could list: the capture fixtures, the sample capture, argus status records, NetFlow one-way records. */
async function realInputs(): Promise<{ name: string; flows: FlowRecord[] }[]> {
  const out: { name: string; flows: FlowRecord[] }[] = [];
  const dir = fixture('pcap');
  for (const f of readdirSync(dir).filter((n) => /\.pcap(ng)?$/.test(n)).sort()) out.push({ name: f, flows: await flowsIn(pcapParser, path.join(dir, f)) });
  out.push({ name: 'samples/ftp-capture/capture.pcap', flows: await flowsIn(pcapParser, path.join(ROOT, 'samples', 'ftp-capture', 'capture.pcap')) });
  out.push({ name: 'ra-bigtransfer-status.txt', flows: await flowsIn(argusText, fixture('flows', 'ra-bigtransfer-status.txt')) });
  out.push({ name: 'nfdump-csv-ftp-ipv4.csv', flows: await flowsIn(nfdump, fixture('flows', 'nfdump-csv-ftp-ipv4.csv')) });
  // Both halves of a connection from two inputs: the capture's records and the NetFlow ones of the same traffic.
  out.push({ name: 'pcap + nfdump of the same FTP session', flows: [...(await flowsIn(pcapParser, fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap'))), ...out[out.length - 1].flows] });
  return out;
}

/** A seeded shuffle (mulberry32), so an order that fails fails again. */
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Copies: the parts are dropped from what the table gets, as `flowlink flows` does. */
const copies = (flows: FlowRecord[]) => flows.map((f) => ({ ...f, parts: undefined }));

/** A merged record without what the table does not keep: parts and the first record's raw text. */
// Unset fields dropped: a record without `flags` and one with `flags: undefined` say the same.
const comparable = (f: FlowRecord): Record<string, unknown> =>
  Object.fromEntries(Object.entries({ ...f, origin: { file: f.origin.file, line: f.origin.line } }).filter(([k, v]) => v !== undefined && k !== 'parts'));
const endsOf = (f: Record<string, unknown>) => `${f.proto} ${f.src} ${f.sport} ${f.dst} ${f.dport} ${f.start}`;
const byEnds = (a: Record<string, unknown>, b: Record<string, unknown>) => (endsOf(a) < endsOf(b) ? -1 : endsOf(a) > endsOf(b) ? 1 : 0);

const listing = (flows: FlowRecord[], matched: number, connections: number, records: number): FlowListing => ({ flows, matched, connections, records, sort: 'bytes', zone: 'UTC', inputs: [], ignored: [] });

describe('connections: the streaming merge gives what the merge of held records gave', async () => {
  const inputs = await realInputs();

  it('on every real input, in file order, reversed and shuffled: the same connections, field by field', () => {
    let merged = 0;
    for (const { name, flows } of inputs) {
      assert.ok(flows.length > 0, name);
      for (const [order, arrival] of [['file order', flows], ['reversed', [...flows].reverse()], ['shuffled', shuffled(flows, 7)]] as const) {
        // Records with the same times (NetFlow's two one-way records) are taken in arrival order
        // by both, so each order is compared with the held merge of that order.
        const before = mergeConnections(arrival).map(comparable).sort(byEnds);
        const table = new ConnectionTable();
        for (const f of copies(arrival)) table.add(f);
        const after = table.connections().map(comparable).sort(byEnds);
        assert.deepEqual(after, before, `${name}, ${order}`);
        assert.equal(table.records, flows.length);
        if (order === 'file order') merged += flows.length - before.length;
      }
    }
    // The inputs do have connections of several records (status records, a cut control
    // connection, one-way NetFlow records), or the comparison would prove little.
    assert.ok(merged >= 10, `only ${merged} records were merged into others`);
  });

  it('the pcap flowId of a connection is its first record\'s', () => {
    const flows = inputs.find((i) => i.name === 'samples/ftp-capture/capture.pcap')!.flows;
    const table = new ConnectionTable();
    for (const f of copies(flows)) table.add(f);
    const first = new Map<string, string>();
    // Latest first, so that the earliest record's id is the one left.
    for (const f of [...flows].sort((a, b) => b.start - a.start)) first.set([f.proto, ...[`${f.src} ${f.sport}`, `${f.dst} ${f.dport}`].sort()].join(' '), f.flowId);
    for (const c of table.connections()) assert.equal(c.flowId, first.get([c.proto, ...[`${c.src} ${c.sport}`, `${c.dst} ${c.dport}`].sort()].join(' ')));
  });

  it('the listing (sorted, filtered, top N) prints the same JSON both ways', () => {
    for (const { name, flows } of inputs) {
      const held = mergeConnections(flows);
      const table = new ConnectionTable();
      for (const f of copies(flows)) table.add(f);
      for (const sort of SORT_KEYS) {
        for (const top of [undefined, 1, 3]) {
          for (const filter of [undefined, 'tcp and not port 21', 'udp or icmp']) {
            const keep = filter === undefined ? undefined : flowFilter(filter);
            const matched = keep ? held.filter(keep) : held;
            const old = rankConnections(matched, sort, top);
            const now = rankTable(table, sort, top, keep);
            const label = `${name} --sort ${sort} --top ${top} --filter ${filter}`;
            assert.equal(now.matched, matched.length, label);
            assert.equal(now.connections, held.length, label);
            assert.deepEqual(flowListJson(listing(now.flows, now.matched, now.connections, table.records)), flowListJson(listing(old, matched.length, held.length, table.records)), label);
          }
        }
      }
    }
  });
});

describe('connections: the table holds totals, not records', () => {
  const record = (i: number): FlowRecord => ({
    kind: 'flow', flowId: `6:10.0.0.1:40000-10.0.0.2:21@${i}`, start: i * 5e6, end: i * 5e6 + 4e6, proto: 6,
    src: i % 2 ? '10.0.0.2' : '10.0.0.1', sport: i % 2 ? 21 : 40000, dst: i % 2 ? '10.0.0.1' : '10.0.0.2', dport: i % 2 ? 40000 : 21,
    dir: '->', state: 'CON', pkts: 10, bytes: 1000, byteBasis: 'link', srcPkts: 4, dstPkts: 6, srcBytes: 400, dstBytes: 600, srcPayload: 100, dstPayload: 300,
    parts: [{ start: i * 5e6, end: i * 5e6 + 4e6, pkts: 10, bytes: 1000 }], origin: { file: 'capture.pcap', line: i + 1, raw: `pcap packet ${i + 1}` }, records: 1,
  });

  it('10,000 status records of one connection: one row, whose size does not grow with them', () => {
    const table = new ConnectionTable();
    table.add(record(0));
    table.add(record(1));
    // From the second record on, a connection has its second row (first, lead and last record).
    const bytes = table.rowBytes;
    for (let i = 2; i < 10_000; i++) table.add(record(i));
    assert.equal(table.size, 1);
    assert.equal(table.rowBytes, bytes);
    const [c] = table.connections();
    assert.deepEqual([c.pkts, c.records, c.srcPkts, c.dstPkts, c.srcPayload, c.dstPayload], [100_000, 10_000, 50_000, 50_000, 2_000_000, 2_000_000]);
    assert.equal(c.parts, undefined);
  });

  it('100,000 connections (the index grows), both directions of each found again, addresses printed back as given', () => {
    const table = new ConnectionTable();
    const n = 100_000;
    const at = (i: number) => ({ ...record(0), src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, sport: 1024 + (i % 50_000), dst: '172.16.0.1', dport: 80, parts: undefined });
    for (let i = 0; i < n; i++) table.add(at(i));
    for (let i = n - 1; i >= 0; i--) {
      const f = at(i);
      // The other way round: what its src sent is what the connection's dst sent.
      table.add({ ...f, src: f.dst, sport: f.dport, dst: f.src, dport: f.sport, dir: '<?>', srcPkts: 6, dstPkts: 4 });
    }
    // Forms a packed key could not print back, IPv6 and no ports keep their text.
    for (const [src, dst, sport] of [['010.0.0.1', '10.0.0.2', 5], ['2001:db8::1', '2001:db8::2', 6], ['10.0.0.1', '10.0.0.2', null]] as const) {
      table.add({ ...record(0), src, dst, sport, dport: sport, parts: undefined });
    }
    assert.equal(table.size, n + 3);
    const all = table.connections();
    for (let i = 0; i < n; i += 997) {
      const c = all[i];
      assert.deepEqual([c.src, c.sport, c.dst, c.dport, c.pkts, c.srcPkts, c.dstPkts, c.records], [at(i).src, at(i).sport, '172.16.0.1', 80, 20, 4 + 4, 6 + 6, 2]);
    }
    assert.deepEqual(all.slice(n).map((c) => [c.src, c.sport, c.dst, c.dport]), [['010.0.0.1', 5, '10.0.0.2', 5], ['2001:db8::1', 6, '2001:db8::2', 6], ['10.0.0.1', null, '10.0.0.2', null]]);
  });

  it('neither the records added nor their parts stay reachable', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const table = new ConnectionTable();
    const refs: WeakRef<object>[] = [];
    // In a function of its own, so that no local of this test keeps a record.
    const feed = () => {
      for (let i = 0; i < 100; i++) {
        const f = record(i);
        refs.push(new WeakRef(f), new WeakRef(f.parts!), new WeakRef(f.origin));
        table.add(f);
      }
    };
    feed();
    // WeakRefs hold their targets until the current job ends.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'records, parts or origins still held');
    assert.equal(table.connections()[0].records, 100);
  });
});
