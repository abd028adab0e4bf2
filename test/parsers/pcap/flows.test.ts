import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord, ParseItem } from '../../../src/event.js';
import { detectFormat } from '../../../parsers/index.js';
import { decodePacket, newDecoded, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../../parsers/pcap/decode.js';
import { FlowAssembler } from '../../../parsers/pcap/flows.js';
import { parsePcapFlows, pcapFlows, pcapParser, type PcapFlowOptions } from '../../../parsers/pcap/index.js';
import { ether, fixture, ipv4, memoryInput, pcapFile, pcapRecords, tcp, udp, type FrameSpec } from './helpers.js';

const S = 1_000_000;

async function items(buf: Buffer, options: PcapFlowOptions = {}, name = 'mem.pcap'): Promise<ParseItem[]> {
  const out: ParseItem[] = [];
  for await (const item of parsePcapFlows(memoryInput(buf, name), options)) out.push(item);
  return out;
}

function flowsOf(list: ParseItem[]): FlowRecord[] {
  return list.filter((i): i is FlowRecord => i.kind === 'flow');
}

async function fixtureFlows(name: string, options: PcapFlowOptions = {}): Promise<FlowRecord[]> {
  return pcapFlows(memoryInput(fixture(name), name), options);
}

/** All captured bytes as text, to read the FTP replies out of the capture itself. */
function captureText(name: string): string {
  return fixture(name).toString('latin1');
}

function sumParts(f: FlowRecord): { pkts: number; bytes: number } {
  return (f.parts ?? []).reduce((a, p) => ({ pkts: a.pkts + p.pkts, bytes: a.bytes + p.bytes }), { pkts: 0, bytes: 0 });
}

describe('pcap flows: FTP captures', () => {
  it('retr-epsv: the RETR data connection carries exactly the SIZE reply, initiator from the SYN', async () => {
    const text = captureText('zeek-ftp-retr-epsv.pcap');
    const size = Number(/SIZE \/README\r\n[\s\S]*?213 (\d+)\r\n/.exec(text)![1]);
    const port = Number(/229 [^\r]*\(\|\|\|(\d+)\|\)/.exec(text)![1]);
    assert.equal(size, 16557);
    const flows = await fixtureFlows('zeek-ftp-retr-epsv.pcap');
    const data = flows.find((f) => f.dport === port)!;
    assert.ok(data, `data flow to port ${port}`);
    assert.equal(data.dstPayload, size);
    assert.equal(data.srcPayload, 0);
    assert.equal(data.src, '141.142.228.5'); // the client sent the SYN
    assert.equal(data.state, 'FIN');
    assert.equal(data.dir, '->');
    const control = flows.find((f) => f.dport === 21)!;
    assert.equal(control.src, '141.142.228.5');
    assert.equal(control.byteBasis, 'link');
  });

  it('ipv4 active and passive: PASV data flows start at the client, PORT data flows at the server', async () => {
    const name = 'zeek-ftp-ipv4-active-passive.pcap';
    const text = captureText(name);
    const sizes = [...text.matchAll(/150 [^\r]*robots\.txt' \((\d+) bytes\)/g)].map((m) => Number(m[1]));
    assert.deepEqual(sizes, [77, 77]);
    const pasv = [...text.matchAll(/227 Entering Passive Mode \(\d+,\d+,\d+,\d+,(\d+),(\d+)\)/g)].map((m) => Number(m[1]) * 256 + Number(m[2]));
    const port = [...text.matchAll(/PORT \d+,\d+,\d+,\d+,(\d+),(\d+)\r\n/g)].map((m) => Number(m[1]) * 256 + Number(m[2]));
    const flows = await fixtureFlows(name);
    assert.equal(flows.length, 5);
    // The second PASV and the second PORT were for RETR robots.txt.
    const passive = flows.find((f) => f.dport === pasv[1])!;
    assert.equal(passive.src, '141.142.220.235');
    assert.equal(passive.dstPayload, 77);
    const active = flows.find((f) => f.dport === port[1])!;
    assert.equal(active.src, '199.233.217.249');
    assert.equal(active.srcPayload, 77);
    for (const f of flows) assert.equal(f.state, 'FIN');
    // The control connection, against argus 3.0.8 on the same capture (4 status records).
    const control = flows.find((f) => f.dport === 21)!;
    assert.deepEqual([control.srcPkts, control.dstPkts, control.srcBytes, control.dstBytes, control.records], [38, 25, 2696, 4808, 4]);
    assert.deepEqual([control.origin.line, control.origin.raw], [1, 'pcap packet 1']);
    assert.equal(control.flowId, `6:141.142.220.235:50003-199.233.217.249:21@${control.start}`);
  });

  it('ipv6 EPSV/EPRT: RETR robots.txt over IPv6 is 77 payload bytes', async () => {
    const flows = await fixtureFlows('zeek-ftp-ipv6-eprt-epsv.pcap');
    const retr = flows.filter((f) => f.dport !== 21 && (f.srcPayload === 77 || f.dstPayload === 77));
    assert.equal(retr.length, 2);
    assert.ok(flows.every((f) => f.src.includes(':')));
  });

  it('bigtransfer: only a sample of the data packets is in the capture; payload counts what is there', async () => {
    const text = captureText('zeek-ftp-bigtransfer.pcap');
    const size = Number(/SIZE rand\.txt\r\n[\s\S]*?213 (\d+)\r\n/.exec(text)![1]);
    assert.equal(size, 5416666670);
    const flows = await fixtureFlows('zeek-ftp-bigtransfer.pcap');
    const data = flows.find((f) => f.dport === 37150)!;
    // 14480 + 7 x 752 + 2896 + 1182 bytes of segments were kept (tcpdump shows the same).
    assert.equal(data.dstPayload, 23822);
    assert.ok(data.dstPayload! < size);
    // argus 3.0.8: 6 status records, 13/12 packets, 870/24622 bytes, FIN.
    assert.deepEqual([data.srcPkts, data.dstPkts, data.srcBytes, data.dstBytes, data.records, data.state], [13, 12, 870, 24622, 6, 'FIN']);
  });
});

describe('pcap flows: status intervals', () => {
  it('a long flow gets a part per interval, and the parts add up to the totals', async () => {
    const flows = await fixtureFlows('zeek-ftp-bigtransfer.pcap');
    const data = flows.find((f) => f.dport === 37150)!;
    assert.equal(data.parts!.length, 6);
    assert.equal(data.records, 6);
    assert.deepEqual(sumParts(data), { pkts: data.pkts, bytes: data.bytes });
    const starts = data.parts!.map((p) => p.start);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i] - starts[i - 1] >= 5 * S);
    assert.equal(data.parts![0].start, data.start);
    assert.equal(data.parts!.at(-1)!.end, data.end);
    // A 1 s interval splits it further, a 1000 s one not at all; totals never change.
    for (const interval of [1 * S, 1000 * S]) {
      const again = (await fixtureFlows('zeek-ftp-bigtransfer.pcap', { statusInterval: interval })).find((f) => f.dport === 37150)!;
      assert.deepEqual(sumParts(again), { pkts: data.pkts, bytes: data.bytes });
      if (interval === S) assert.ok(again.records > 6);
      else assert.equal(again.records, 1);
    }
  });

  it('synthetic: 30 s of one packet a second at a 5 s interval gives 6 parts of 5 packets', async () => {
    const frames: FrameSpec[] = [];
    for (let i = 0; i < 30; i++) frames.push({ ts: 1_700_000_000 * S + i * S, data: ether(ipv4('10.0.0.1', '10.0.0.2', 17, udp(1000, 2000, 100))) });
    const [flow] = flowsOf(await items(pcapFile(frames)));
    assert.deepEqual(flow.parts!.map((p) => p.pkts), [5, 5, 5, 5, 5, 5]);
    assert.deepEqual(flow.parts!.map((p) => p.bytes), Array(6).fill(5 * 142));
    assert.equal(flow.state, 'INT');
    assert.equal(flow.byteBasis, 'link');
  });
});

describe('pcap flows: idle timeout, TCP states, limits', () => {
  const t0 = 1_700_000_000 * S;
  const A = '10.1.1.1';
  const B = '10.2.2.2';
  const c2s = (flags: number, payload = 0, port = 43210) => ether(ipv4(A, B, 6, tcp(port, 80, flags, payload)));
  const s2c = (flags: number, payload = 0, port = 43210) => ether(ipv4(B, A, 6, tcp(80, port, flags, payload)));
  const connection = (start: number, body = 1000, port = 43210): FrameSpec[] => [
    { ts: start, data: c2s(TCP_SYN, 0, port) },
    { ts: start + 1000, data: s2c(TCP_SYN | TCP_ACK, 0, port) },
    { ts: start + 2000, data: c2s(TCP_ACK, 0, port) },
    { ts: start + 3000, data: s2c(TCP_ACK | TCP_PSH, body, port) },
    { ts: start + 4000, data: c2s(TCP_ACK | TCP_FIN, 0, port) },
    { ts: start + 5000, data: s2c(TCP_ACK | TCP_FIN, 0, port) },
    { ts: start + 6000, data: c2s(TCP_ACK, 0, port) },
  ];

  it('two connections on the same 5-tuple, 130 s apart, are two flows', async () => {
    const cap = pcapFile([...connection(t0, 1000), ...connection(t0 + 130 * S, 2000)]);
    const two = flowsOf(await items(cap));
    assert.equal(two.length, 2);
    assert.deepEqual(two.map((f) => f.dstPayload), [1000, 2000]);
    assert.deepEqual(two.map((f) => f.origin.line), [1, 8]);
    assert.notEqual(two[0].flowId, two[1].flowId);
    assert.ok(two.every((f) => f.state === 'FIN' && f.src === A && f.sport === 43210 && f.pkts === 7));
  });

  it('an open connection silent for 130 s is split by the 120 s idle timeout, not by a 200 s one', async () => {
    const open = (start: number, body: number): FrameSpec[] => connection(start, body).slice(0, 4);
    const cap = pcapFile([...open(t0, 1000), { ts: t0 + 130 * S, data: s2c(TCP_ACK | TCP_PSH, 2000) }]);
    const two = flowsOf(await items(cap));
    // The late packet alone: its sender (the server) is the new flow's source.
    assert.deepEqual(two.map((f) => [f.pkts, f.src, f.srcPayload! + f.dstPayload!, f.state]), [[4, A, 1000, 'CON'], [1, B, 2000, 'CON']]);
    const one = flowsOf(await items(cap, { idleTimeout: 200 * S }));
    assert.deepEqual(one.map((f) => [f.pkts, f.src, f.dstPayload]), [[5, A, 3000]]);
  });

  it('a closed connection (FIN both ways and the last ACK) is finished 10 s after its last packet', async () => {
    // A retransmitted last ACK 4 s after the close still belongs to the flow; one 15 s after it is a new flow.
    const late = (gap: number) => ({ ts: t0 + 6000 + gap * S, data: c2s(TCP_ACK) });
    const kept = flowsOf(await items(pcapFile([...connection(t0), late(4)])));
    assert.deepEqual(kept.map((f) => [f.pkts, f.state]), [[8, 'FIN']]);
    const split = flowsOf(await items(pcapFile([...connection(t0), late(15)])));
    assert.deepEqual(split.map((f) => [f.pkts, f.state]), [[7, 'FIN'], [1, 'CON']]);
    // The linger is a knob like the idle timeout.
    const longer = flowsOf(await items(pcapFile([...connection(t0), late(15)]), { closedLinger: 20 * S }));
    assert.deepEqual(longer.map((f) => f.pkts), [8]);
  });

  it('a FIN in one direction only does not close the flow: the idle timeout still applies', async () => {
    const frames = connection(t0).slice(0, 5); // SYN, SYN-ACK, ACK, data, client FIN
    frames.push({ ts: t0 + 5000, data: s2c(TCP_ACK) }, { ts: t0 + 60 * S, data: s2c(TCP_ACK | TCP_PSH, 100) });
    const flows = flowsOf(await items(pcapFile(frames)));
    assert.deepEqual(flows.map((f) => [f.pkts, f.dstPayload]), [[7, 1100]]);
  });

  it('an RST closes the flow at once: traffic 15 s later is a new flow', async () => {
    const frames = connection(t0).slice(0, 4);
    frames.push({ ts: t0 + 4000, data: c2s(TCP_RST | TCP_ACK) }, { ts: t0 + 15 * S, data: s2c(TCP_ACK, 10) });
    const flows = flowsOf(await items(pcapFile(frames)));
    assert.deepEqual(flows.map((f) => [f.pkts, f.state]), [[5, 'RST'], [1, 'CON']]);
  });

  it('a new SYN on a closed connection within the linger is the port reused: a new flow (argus ARGUS_PORT_REUSE)', async () => {
    const flows = flowsOf(await items(pcapFile([...connection(t0, 1000), ...connection(t0 + 2 * S, 2000)])));
    assert.deepEqual(flows.map((f) => [f.pkts, f.dstPayload, f.state, f.src]), [[7, 1000, 'FIN', A], [7, 2000, 'FIN', A]]);
  });

  it('closed flows leave the table while reading: it holds the concurrent flows, not every connection', async () => {
    // 3000 connections on distinct ports, one every 100 ms, over 300 s of capture time.
    const flows = new FlowAssembler({ file: 'mem' });
    const d = newDecoded();
    let most = 0;
    let finished = 0;
    let index = 0;
    for (let i = 0; i < 3000; i++) {
      const start = t0 + i * 100_000;
      for (const { ts, data } of connection(start, 100, 10000 + i)) {
        assert.ok(decodePacket(1, data, data.length, d));
        flows.add({ index: ++index, ts, origLen: data.length, byteBasis: 'link' }, d);
      }
      most = Math.max(most, flows.activeFlows);
      finished += flows.drain().filter((x) => x.kind === 'flow').length;
    }
    // 10 s linger at 10 connections a second: about 100 held, never the 3000.
    assert.ok(most <= 115, `table peaked at ${most}`);
    assert.ok(finished >= 2880, `${finished} finished while reading`);
    finished += flows.finish().filter((x) => x.kind === 'flow').length;
    assert.equal(finished, 3000);
  });

  it('idle flows are flushed while reading, not only at the end', async () => {
    const frames: FrameSpec[] = [{ ts: t0, data: c2s(TCP_SYN) }];
    for (let i = 1; i <= 300; i++) frames.push({ ts: t0 + i * S, data: ether(ipv4('10.9.9.9', B, 17, udp(i, 53))) });
    const list = await items(pcapFile(frames), {}, 'mem.pcap');
    const firstFlow = flowsOf(list)[0];
    // The SYN-only flow went quiet at t0 and is finished (REQ) before the UDP flows after it.
    assert.deepEqual([firstFlow.state, firstFlow.src, firstFlow.pkts], ['REQ', A, 1]);
  });

  it('TCP states: REQ, ACC, CON, FIN, RST, CLO; SYN-ACK first still finds the initiator', async () => {
    const state = async (frames: Buffer[], options: PcapFlowOptions = {}) => {
      const [f] = flowsOf(await items(pcapFile(frames.map((data, i) => ({ ts: t0 + i * 1000, data }))), options));
      return f;
    };
    assert.equal((await state([c2s(TCP_SYN)])).state, 'REQ');
    assert.equal((await state([c2s(TCP_SYN), s2c(TCP_SYN | TCP_ACK)])).state, 'ACC');
    assert.equal((await state([c2s(TCP_SYN), s2c(TCP_SYN | TCP_ACK), c2s(TCP_ACK), c2s(TCP_ACK, 10)])).state, 'CON');
    assert.equal((await state([c2s(TCP_SYN), s2c(TCP_RST | TCP_ACK)])).state, 'RST');
    const synAckFirst = await state([s2c(TCP_SYN | TCP_ACK), c2s(TCP_ACK), s2c(TCP_ACK, 5)]);
    assert.deepEqual([synAckFirst.src, synAckFirst.sport, synAckFirst.dstPayload, synAckFirst.dir], [A, 43210, 5, '->']);
    const midstream = await state([s2c(TCP_ACK, 5), c2s(TCP_ACK)]);
    assert.deepEqual([midstream.src, midstream.state, midstream.dir], [B, 'CON', '<?>']);
    // The close finished in an earlier status record; the last record holds only the final ACK.
    const frames = connection(t0);
    frames[6] = { ts: t0 + 10 * S, data: c2s(TCP_ACK) };
    const [clo] = flowsOf(await items(pcapFile(frames)));
    assert.deepEqual([clo.state, clo.records], ['CLO', 2]);
  });

  it('a full flow table finishes the oldest flow and says so once', async () => {
    const frames: FrameSpec[] = [1, 2, 3, 4].map((i) => ({ ts: t0 + i * 1000, data: ether(ipv4(A, B, 17, udp(i, 53))) }));
    frames.push({ ts: t0 + 9000, data: ether(ipv4(A, B, 17, udp(1, 53))) });
    const list = await items(pcapFile(frames), { maxFlows: 2 });
    const notes = list.filter((i) => i.kind === 'note');
    assert.equal(notes.length, 1);
    assert.match(notes[0].kind === 'note' ? notes[0].message : '', /flow table reached 2/);
    const flows = flowsOf(list);
    assert.equal(flows.length, 5); // port 1 was evicted, then came back as a new flow
    assert.equal(flows.reduce((n, f) => n + f.pkts, 0), 5);
  });

  it('undecodable packets: one issue each up to the cap, then one summary', async () => {
    const bad = ether(ipv4(A, B, 6, tcp(1, 2, TCP_ACK))).subarray(0, 20);
    const frames: FrameSpec[] = Array.from({ length: 7 }, (_, i) => ({ ts: t0 + i, data: bad }));
    frames.splice(3, 0, { ts: t0 + 3, data: c2s(TCP_SYN) });
    const list = await items(pcapFile(frames), { maxIssues: 3 });
    const issues = list.filter((i) => i.kind === 'issue');
    assert.equal(issues.length, 4);
    assert.deepEqual(issues.slice(0, 3).map((i) => i.kind === 'issue' && i.line), [1, 2, 3]);
    assert.match(issues[3].kind === 'issue' ? issues[3].reason : '', /4 more undecodable packets .*7 in all.*packet 5\)/);
    assert.equal(flowsOf(list).length, 1);
  });

  it('a capture cut inside a record keeps its flows and yields an issue with the record number', async () => {
    const buf = fixture('zeek-ftp-retr-epsv.pcap');
    const list = await items(buf.subarray(0, buf.length - 5));
    const issue = list.find((i) => i.kind === 'issue');
    assert.ok(issue && issue.kind === 'issue');
    assert.equal(issue.line, pcapRecords(buf).length);
    assert.ok(flowsOf(list).length >= 2);
  });
});

describe('pcap flows: chunking', () => {
  for (const name of ['zeek-ftp-ipv4-active-passive.pcap', 'zeek-smtp-bdat-invalid.pcapng']) {
    it(`${name}: 7-byte chunks (every record split) give the same items as one chunk`, async () => {
      const whole: ParseItem[] = [];
      const tiny: ParseItem[] = [];
      for await (const item of parsePcapFlows(memoryInput(fixture(name), name, 1 << 24))) whole.push(item);
      for await (const item of parsePcapFlows(memoryInput(fixture(name), name, 7))) tiny.push(item);
      assert.ok(whole.length > 0);
      assert.deepEqual(tiny, whole);
      // The parser's batches (what the store reads) hold the same items in the same order.
      const stream = pcapParser.parse(memoryInput(fixture(name), name, 7), { zone: 'UTC' });
      const batched: ParseItem[] = [];
      for await (const batch of stream.batches!()) batched.push(...batch);
      assert.deepEqual(batched, whole);
    });
  }
});

describe('pcap flows: snaplen', () => {
  /** The same capture as if taken with `tcpdump -s snap`: caplen cut, origLen kept. */
  function withSnaplen(buf: Buffer, snap: number): Buffer {
    const parts: Buffer[] = [Buffer.from(buf.subarray(0, 24))];
    parts[0].writeUInt32LE(snap, 16);
    for (const { at, caplen } of pcapRecords(buf)) {
      const keep = Math.min(caplen, snap);
      const h = Buffer.from(buf.subarray(at, at + 16));
      h.writeUInt32LE(keep, 8);
      parts.push(h, buf.subarray(at + 16, at + 16 + keep));
    }
    return Buffer.concat(parts);
  }

  for (const name of ['zeek-ftp-bigtransfer.pcap', 'zeek-ftp-ipv6-eprt-epsv.pcap', 'zeek-smtp.pcap']) {
    it(`${name}: snaplen 96 gives the same flows, bytes and payload as the full capture`, async () => {
      const full = fixture(name);
      const cut = withSnaplen(full, 96);
      assert.ok(cut.length < full.length);
      const a = flowsOf(await items(full));
      const b = flowsOf(await items(cut));
      assert.deepEqual(b, a);
    });
  }
});

describe('pcap parser registration', () => {
  it('is registered and detected by magic with score 1', () => {
    const pcap = detectFormat(fixture('zeek-smtp.pcap'), []);
    assert.equal(pcap?.parser, pcapParser);
    assert.equal(pcap?.score, 1);
    assert.equal(detectFormat(fixture('zeek-smtp-bdat-invalid.pcapng'), [])?.parser, pcapParser);
    assert.equal(pcapParser.detect(Buffer.from('StartTime Proto SrcAddr'), ['StartTime Proto SrcAddr']), 0);
    assert.equal(pcapParser.produces, 'flows');
    assert.equal(pcapParser.timeCompleteness([]), 'full');
  });
});
