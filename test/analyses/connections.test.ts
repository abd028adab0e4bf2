// Merging flow records per connection and ranking them, on records from real captures and
// real argus/nfdump output.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../src/event.js';
import { ConnectionTable, mergeConnections, rankConnections, rateOf } from '../../src/analyses/connections.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { argusText } from '../../parsers/argus-text.js';
import { nfdump } from '../../parsers/nfdump.js';
import { fixture, parseFile, ROOT } from '../helpers.js';

const flowsIn = async (parser: typeof pcapParser, file: string) =>
  (await parseFile(parser, file, { zone: 'UTC', date: { year: 2012, month: 2, day: 21 } })).filter((i): i is FlowRecord => i.kind === 'flow');

/** A classic pcap cut in two after `n` packets, each half a valid capture (global header repeated). */
function splitPcap(file: string, n: number, dir: string): [string, string] {
  const b = readFileSync(file);
  let at = 24;
  for (let i = 0; i < n; i++) at += 16 + b.readUInt32LE(at + 8);
  const a = path.join(dir, 'part1.pcap');
  const c = path.join(dir, 'part2.pcap');
  writeFileSync(a, b.subarray(0, at));
  writeFileSync(c, Buffer.concat([b.subarray(0, 24), b.subarray(at)]));
  return [a, c];
}

const key = (f: FlowRecord) => `${f.proto} ${f.src}:${f.sport} ${f.dst}:${f.dport}`;

describe('connections: merging', () => {
  it('a capture cut in two files gives back the connections of the whole capture', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-conn-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap');
    const whole = await flowsIn(pcapParser, file);
    // Cut mid-way through the control connection, so it appears in both halves.
    const [a, b] = splitPcap(file, 40, dir);
    const halves = [...(await flowsIn(pcapParser, a)), ...(await flowsIn(pcapParser, b))];
    const control = halves.filter((f) => f.dport === 21);
    assert.equal(control.length, 2, 'the control connection is in both files');

    const merged = mergeConnections(halves);
    assert.equal(merged.length, whole.length);
    const byKey = new Map(whole.map((f) => [key(f), f]));
    for (const m of merged) {
      const w = byKey.get(key(m));
      assert.ok(w, `no such connection in the whole capture: ${key(m)}`);
      assert.deepEqual(
        [m.start, m.end, m.pkts, m.bytes, m.srcPkts, m.dstPkts, m.srcBytes, m.dstBytes, m.srcPayload, m.dstPayload, m.state],
        [w.start, w.end, w.pkts, w.bytes, w.srcPkts, w.dstPkts, w.srcBytes, w.dstBytes, w.srcPayload, w.dstPayload, w.state],
        key(m),
      );
    }
    const ctl = merged.find((f) => f.dport === 21)!;
    assert.equal(ctl.records, control[0].records + control[1].records);
    assert.equal(ctl.parts!.reduce((s, p) => s + p.pkts, 0), ctl.pkts, 'the parts still add up to the connection');
    assert.ok(ctl.parts!.every((p, i, all) => i === 0 || all[i - 1].start <= p.start), 'parts in time order');
    assert.equal(ctl.origin.file, a, 'the first record is where it came from');
  });

  it('argus output: one row per connection, as racluster merges it', async () => {
    const flows = await flowsIn(argusText, fixture('flows', 'ra-bigtransfer-status.txt'));
    const merged = mergeConnections([...flows].reverse());
    const keys = new Set(flows.map(key));
    assert.equal(merged.length, keys.size);
    assert.equal(merged.reduce((s, f) => s + f.pkts, 0), flows.reduce((s, f) => s + f.pkts, 0));
    assert.equal(merged.reduce((s, f) => s + f.bytes, 0), flows.reduce((s, f) => s + f.bytes, 0));
  });

  it('a control connection the idle timeout cut in two, back reversed, is one connection the right way round', async () => {
    // The sample's FTP control connection is silent for the 3.5 minutes of the upload, longer
    // than the capture's idle timeout: the assembler starts it again from the server's 226 reply.
    const flows = await flowsIn(pcapParser, path.join(ROOT, 'samples', 'ftp-capture', 'capture.pcap'));
    const pieces = flows.filter((f) => f.sport === 21 || f.dport === 21).filter((f) => [f.src, f.dst].includes('192.168.10.57'));
    assert.equal(pieces.length, 2);
    const [before, after] = pieces.sort((a, b) => a.start - b.start);
    assert.equal(before.dir, '->');
    assert.equal(after.dir, '<?>');
    assert.equal(after.src, before.dst, 'the second piece starts from the server');
    const [one] = mergeConnections([after, before]);
    assert.deepEqual([one.src, one.sport, one.dst, one.dport, one.dir], [before.src, before.sport, before.dst, before.dport, '->']);
    assert.equal(one.start, before.start);
    assert.equal(one.end, after.end);
    assert.equal(one.pkts, before.pkts + after.pkts);
    assert.equal(one.srcPkts, before.srcPkts! + after.dstPkts!);
    assert.equal(one.dstPkts, before.dstPkts! + after.srcPkts!);
    assert.equal(one.srcPayload, before.srcPayload! + after.dstPayload!, 'what the client sent, in both pieces');
    assert.equal(one.dstPayload, before.dstPayload! + after.srcPayload!);
    assert.equal(one.state, after.state, 'the last piece decides the state');
  });

  it("NetFlow's two one-way records per connection: merged, the packets are those of the capture they came from", async () => {
    // nfdump-csv-ftp-ipv4.csv is nfpcapd + nfdump on Zeek's ftp/ipv4.pcap, the pcap fixture here.
    const uni = (await parseFile(nfdump, fixture('flows', 'nfdump-csv-ftp-ipv4.csv'), { zone: 'UTC' })).filter((i): i is FlowRecord => i.kind === 'flow');
    assert.equal(uni.length, 10);
    const merged = mergeConnections(uni);
    const fromPcap = await flowsIn(pcapParser, fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap'));
    assert.equal(merged.length, fromPcap.length);
    const ends = (f: FlowRecord) => [`${f.src}:${f.sport}`, `${f.dst}:${f.dport}`].sort().join(' ');
    const pcapPkts = new Map(fromPcap.map((f) => [ends(f), f.pkts]));
    for (const m of merged) assert.equal(m.pkts, pcapPkts.get(ends(m)), ends(m));
    const control = merged.find((f) => f.dport === 21 || f.sport === 21)!;
    assert.equal(control.src, '141.142.220.235', 'the earlier record (the client) leads');
    assert.equal(control.records, 2);
  });

  it('a counter one record lacks is unknown for the connection, not undercounted', async () => {
    const [f] = await flowsIn(pcapParser, fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap'));
    const [m] = mergeConnections([f, { ...f, start: f.end, end: f.end + 1, srcPayload: undefined, parts: undefined }]);
    assert.equal(m.srcPayload, undefined);
    assert.equal(m.dstPayload, 2 * f.dstPayload!);
  });

  it('counts the records it was given', () => {
    const t = new ConnectionTable();
    const f = { kind: 'flow', flowId: 'a', start: 0, end: 10, proto: 17, src: '10.0.0.1', sport: 5353, dst: '10.0.0.2', dport: 53, pkts: 2, bytes: 180, byteBasis: 'ip', origin: { file: 'x', line: 1, raw: '' }, records: 1 } as const;
    t.add(f);
    t.add({ ...f, start: 20, end: 30 });
    assert.equal(t.records, 2);
    assert.equal(t.connections().length, 1);
  });
});

describe('connections: ranking', async () => {
  const flows = mergeConnections(await flowsIn(pcapParser, fixture('pcap', 'zeek-smtp.pcap')));

  it('by bytes, pkts, rate and duration, largest first, top N', () => {
    for (const [sort, v] of [['bytes', (f: FlowRecord) => f.bytes], ['pkts', (f: FlowRecord) => f.pkts], ['rate', rateOf], ['duration', (f: FlowRecord) => f.end - f.start]] as const) {
      const ranked = rankConnections(flows, sort);
      assert.equal(ranked.length, flows.length);
      for (let i = 1; i < ranked.length; i++) assert.ok(v(ranked[i - 1]) >= v(ranked[i]), `${sort} at ${i}`);
    }
    const top = rankConnections(flows, 'bytes', 2);
    assert.deepEqual(top.map((f) => f.dport), [25, 443]);
    assert.equal(top[0].bytes, 24045);
    assert.deepEqual(rankConnections(flows, 'bytes', 0), []);
  });

  it('rate is bytes per second; a single instant has rate 0, as in argus', () => {
    const smtp = flows.find((f) => f.dport === 25)!;
    assert.equal(rateOf(smtp), smtp.bytes / ((smtp.end - smtp.start) / 1e6));
    const single = flows.find((f) => f.pkts === 1)!;
    assert.equal(single.start, single.end);
    assert.equal(rateOf(single), 0);
  });

  it('ties keep one order every run: by start, then endpoints', () => {
    const twins = flows.map((f) => ({ ...f, bytes: 100 }));
    const a = rankConnections(twins, 'bytes').map(key);
    const b = rankConnections([...twins].reverse(), 'bytes').map(key);
    assert.deepEqual(a, b);
  });
});
