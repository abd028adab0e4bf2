import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argusText } from '../../parsers/argus-text.js';
import { nfdump } from '../../parsers/nfdump.js';
import type { Parser } from '../../parsers/parser.js';
import { zeekConn } from '../../parsers/zeek-conn.js';
import type { FlowRecord, ParseIssue, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { fixture, iso, parseFile } from '../helpers.js';

const UTC = { zone: 'UTC' };

async function read(file: string, parser: Parser = zeekConn, time: object = UTC) {
  const items = await parseFile(parser, file, time as never);
  return {
    flows: items.filter((i): i is FlowRecord => i.kind === 'flow'),
    issues: items.filter((i): i is ParseIssue => i.kind === 'issue'),
    notes: items.filter((i): i is ParseNote => i.kind === 'note'),
  };
}
const flows = (name: string, parser: Parser = zeekConn) => read(fixture('flows', name), parser);

async function detectFile(parser: Parser, file: string): Promise<number> {
  const input = await openInput(file);
  return parser.detect(input.head, headLines(input.head));
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowlink-zeek-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const withoutOrigin = (f: FlowRecord) => ({ ...f, origin: undefined });
const tuple = (f: { src: string; sport: number | null; dst: string; dport: number | null }) => `${f.src}:${f.sport}>${f.dst}:${f.dport}`;

test('TSV conn.log: exact fields, uid as flowId, rows kept in file order', async () => {
  const { flows: fl, issues, notes } = await flows('zeek-ftp-ipv4.conn.log');
  assert.equal(issues.length, 0);
  assert.equal(notes.length, 0);
  assert.equal(fl.length, 5);
  assert.deepEqual(fl.map((f) => f.origin.line), [9, 10, 11, 12, 13]);

  const control = fl[4];
  assert.equal(control.flowId, 'zeek:CHhAvVGS1DHFjwGM9');
  assert.equal(control.start, 1329843161_968492);
  assert.equal(control.end, 1329843161_968492 + 38_055625);
  assert.equal(iso(control.end), '2012-02-21T16:53:20.024Z');
  assert.equal(control.proto, 6);
  assert.equal(control.src, '141.142.220.235');
  assert.equal(control.sport, 50003);
  assert.equal(control.dst, '199.233.217.249');
  assert.equal(control.dport, 21);
  assert.equal(control.state, 'SF');
  assert.equal(control.pkts, 38 + 25);
  assert.equal(control.bytes, 2164 + 4458);
  assert.equal(control.byteBasis, 'ip');
  assert.deepEqual([control.srcPkts, control.dstPkts, control.srcBytes, control.dstBytes], [38, 25, 2164, 4458]);
  assert.deepEqual([control.srcPayload, control.dstPayload], [180, 3146]);
  assert.equal(control.records, 1);

  // Active mode: the server opens the data connection, so orig is the server.
  const active = fl.find((f) => f.flowId === 'zeek:CtPZjS20MLrsMUOJi2')!;
  assert.equal(tuple(active), '199.233.217.249:61920>141.142.220.235:33582');
  assert.equal(active.start, 1329843194_151526);
  assert.equal(active.end, 1329843194_207737);
  assert.deepEqual([active.pkts, active.bytes, active.srcPayload, active.dstPayload], [8, 778, 342, 0]);
});

test('IPv6 conn.log', async () => {
  const { flows: fl, issues } = await flows('zeek-ftp-ipv6.conn.log');
  assert.equal(issues.length, 0);
  assert.equal(fl.length, 6);
  const eprt = fl.find((f) => f.flowId === 'zeek:CUM0KZ3MLUfNB0cl11')!;
  assert.equal(eprt.src, '2001:470:4867:99::21');
  assert.equal(eprt.sport, 55785);
  assert.equal(eprt.dst, '2001:470:1f11:81f:c999:d94:aa7c:2e3e');
  assert.equal(eprt.dport, 49189);
  assert.equal(eprt.start, 1329327795_571921);
  assert.equal(eprt.end, 1329327795_571921 + 109813);
  assert.deepEqual([eprt.pkts, eprt.bytes, eprt.srcPayload, eprt.dstPayload, eprt.state], [9, 749, 77, 0, 'SF']);
});

test('JSON lines with epoch ts give the same flows as the TSV', async () => {
  const tsv = await flows('zeek-ftp-ipv4.conn.log');
  const json = await flows('zeek-ftp-ipv4.conn.json.log');
  assert.equal(json.issues.length, 0);
  assert.deepEqual(json.flows.map(withoutOrigin), tsv.flows.map(withoutOrigin));
  assert.ok(await detectFile(zeekConn, fixture('flows', 'zeek-ftp-ipv4.conn.json.log')) >= 0.95);
});

test('JSON cluster stream: ISO ts, ip_proto, other logs skipped with a note', async () => {
  const { flows: fl, issues, notes } = await flows('zeek-docs-ftp-session.ndjson');
  assert.equal(issues.length, 0);
  assert.equal(fl.length, 2);
  const data = fl[0];
  assert.equal(data.flowId, 'zeek:CzLMFA3Eh8KBlY4kS7');
  assert.equal(data.start, Date.UTC(2020, 7, 16, 6, 26, 3) * 1000 + 774520);
  assert.equal(data.end, data.start + 996500); // duration 0.9965000152587891
  assert.equal(data.proto, 6);
  assert.deepEqual([data.sport, data.dport, data.pkts, data.bytes, data.dstPayload], [60474, 31746, 8, 506, 74]);
  assert.deepEqual(notes.map((n) => n.message), ['skipped 2 records that are not conn records (ftp)']);
  // Its first object is an ftp record: claimed, but weakly, so an ftp parser would win.
  const score = await detectFile(zeekConn, fixture('flows', 'zeek-docs-ftp-session.ndjson'));
  assert.ok(score > 0 && score < 0.95);
});

test('old Bro 2.x conn.log: no ip_proto column, (empty) sets, unsorted rows', async () => {
  const { flows: fl, issues, notes } = await flows('bro-conn-http-2011.log');
  assert.equal(issues.length, 0);
  assert.equal(notes.length, 0);
  assert.equal(fl.length, 92);
  const s1 = fl.find((f) => f.flowId === 'zeek:CnGze54kQWWpKqrrZ4')!;
  assert.equal(s1.state, 'S1');
  assert.equal(s1.start, 1320279601_553361);
  assert.equal(s1.end, 1320279601_553361 + 71_658218);
  assert.deepEqual([s1.pkts, s1.bytes, s1.srcPayload, s1.dstPayload], [52, 4388 + 21491, 3168, 19975]);
  assert.ok(fl.every((f) => f.byteBasis === 'ip' && f.proto > 0));
});

test('declared separator and unset/empty markers are honoured', async (t) => {
  const dir = tempDir(t);
  const original = readFileSync(fixture('flows', 'zeek-ftp-ipv4.conn.log'), 'utf8');
  const changed = original
    .split('\n')
    .map((line) => {
      if (line.startsWith('#separator')) return '#separator \\x7c';
      if (line.startsWith('#unset_field')) return '#unset_field|NONE';
      if (line.startsWith('#empty_field')) return '#empty_field|EMPTY';
      if (line.startsWith('#')) return line.replaceAll('\t', '|');
      return line.split('\t').map((c) => (c === '-' ? 'NONE' : c)).join('|');
    })
    .join('\n');
  writeFileSync(join(dir, 'pipe.log'), changed);
  const a = await flows('zeek-ftp-ipv4.conn.log');
  const b = await read(join(dir, 'pipe.log'));
  assert.equal(b.issues.length, 0);
  assert.deepEqual(b.flows.map(withoutOrigin), a.flows.map(withoutOrigin));

  // `-` is now an ordinary value; NONE is unset: a NONE duration means end = start.
  const unsetDuration = changed.replace('|0.112432|', '|NONE|');
  writeFileSync(join(dir, 'nodur.log'), unsetDuration);
  const c = await read(join(dir, 'nodur.log'));
  const first = c.flows.find((f) => f.flowId === 'zeek:ClEkJM2Vm5giqnMf4h')!;
  assert.equal(first.end, first.start);
});

test('very old Bro without *_ip_bytes: payload bytes, one note for the file', async (t) => {
  const dir = tempDir(t);
  const lines = readFileSync(fixture('flows', 'zeek-ftp-ipv4.conn.log'), 'utf8').trimEnd().split('\n');
  const fields = lines.find((l) => l.startsWith('#fields'))!.split('\t');
  // Header lines start with their key (`#fields`), so their columns sit one to the right.
  const drop = new Set(['orig_ip_bytes', 'resp_ip_bytes'].map((f) => fields.indexOf(f) - 1));
  const cut = lines.map((l) => {
    if (!l.startsWith('#')) return l.split('\t').filter((_c, i) => !drop.has(i)).join('\t');
    if (l.startsWith('#fields') || l.startsWith('#types')) return l.split('\t').filter((_c, i) => !drop.has(i - 1)).join('\t');
    return l;
  });
  writeFileSync(join(dir, 'old.log'), cut.join('\n') + '\n');
  const { flows: fl, issues, notes } = await read(join(dir, 'old.log'));
  assert.equal(issues.length, 0);
  assert.equal(fl.length, 5);
  assert.ok(fl.every((f) => f.byteBasis === 'payload'));
  const control = fl[4];
  assert.equal(control.bytes, 180 + 3146);
  assert.equal(control.pkts, 63);
  assert.equal(notes.length, 1);
  assert.match(notes[0].message, /^5 conn records have no orig_ip_bytes/);
});

test('bad lines are reported with their line number and the rest kept', async (t) => {
  const dir = tempDir(t);
  const lines = readFileSync(fixture('flows', 'zeek-ftp-ipv4.conn.log'), 'utf8').trimEnd().split('\n');
  const row = lines[8].split('\t');
  lines.splice(9, 0, row.slice(0, 10).join('\t')); // line 10: cut short
  const badCount = [...row];
  badCount[16] = '4x';
  lines.splice(11, 0, badCount.join('\t')); // line 12: bad orig_pkts
  writeFileSync(join(dir, 'bad.log'), lines.join('\n') + '\n');
  const tsv = await read(join(dir, 'bad.log'));
  assert.deepEqual(tsv.issues.map((i) => [i.line, i.reason]), [
    [10, 'expected 21 fields, found 10'],
    [12, "bad number in orig_pkts '4x'"],
  ]);
  assert.equal(tsv.flows.length, 5);

  const json = readFileSync(fixture('flows', 'zeek-ftp-ipv4.conn.json.log'), 'utf8').trimEnd().split('\n');
  json.splice(1, 0, '{"ts":1329843175.7,"uid":"Cx","id.orig_h":"1.2.3.4"'); // line 2: cut JSON
  json.splice(3, 0, json[0].replace('"orig_pkts":4', '"orig_pkts":-4')); // line 4
  json.splice(4, 0, json[0].replace('"ts":1329843175.736107', '"ts":"yesterday"')); // line 5
  writeFileSync(join(dir, 'bad.json.log'), json.join('\n') + '\n');
  const j = await read(join(dir, 'bad.json.log'));
  assert.deepEqual(j.issues.map((i) => i.line), [2, 4, 5]);
  assert.match(j.issues[0].reason, /^bad JSON/);
  assert.equal(j.issues[1].reason, "bad number in orig_pkts '-4'");
  assert.equal(j.issues[2].reason, "bad ts 'yesterday'");
  assert.equal(j.flows.length, 5);
});

test('JSON ICMP without duration; nested id object', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'icmp.json.log');
  writeFileSync(
    file,
    [
      '{"ts":1600000000.5,"uid":"Cicmp1","id.orig_h":"192.0.2.1","id.orig_p":8,"id.resp_h":"192.0.2.2","id.resp_p":0,"proto":"icmp","conn_state":"OTH","orig_pkts":1,"orig_ip_bytes":84,"resp_pkts":0,"resp_ip_bytes":0}',
      '{"ts":1600000001,"uid":"Cnest","id":{"orig_h":"192.0.2.1","orig_p":5000,"resp_h":"192.0.2.2","resp_p":53},"proto":"udp","duration":0.25,"orig_bytes":30,"resp_bytes":60,"conn_state":"SF","orig_pkts":1,"orig_ip_bytes":58,"resp_pkts":1,"resp_ip_bytes":88}',
    ].join('\n') + '\n',
  );
  const { flows: fl, issues } = await read(file);
  assert.equal(issues.length, 0);
  assert.deepEqual(fl.map((f) => [f.proto, f.sport, f.dport, f.start, f.end, f.bytes]), [
    [1, 8, 0, 1600000000_500000, 1600000000_500000, 84],
    [17, 5000, 53, 1600000001_000000, 1600000001_250000, 146],
  ]);
  assert.equal(fl[0].srcPayload, undefined);
});

test('detection: conn logs yes; ftp.log, smtp.log, nfdump and argus no', async () => {
  assert.ok(zeekConn.detect(Buffer.from(''), zeekConn.samples) >= 0.95);
  assert.equal(nfdump.detect(Buffer.from(''), zeekConn.samples), 0);
  assert.equal(argusText.detect(Buffer.from(''), zeekConn.samples), 0);
  assert.equal(zeekConn.detect(Buffer.from(''), nfdump.samples), 0);
  assert.equal(zeekConn.detect(Buffer.from(''), argusText.samples), 0);
  for (const f of ['zeek-ftp-ipv4.conn.log', 'zeek-ftp-ipv6.conn.log', 'bro-conn-http-2011.log']) {
    assert.equal(await detectFile(zeekConn, fixture('flows', f)), 0.95, f);
  }
  for (const f of ['zeek-ftp-ipv4.ftp.log', 'zeek-smtp.smtp.log', 'nfdump-csv-ftp-ipv4.csv', 'argus-ra-csv-ftp-ipv4.csv']) {
    assert.equal(await detectFile(zeekConn, fixture('flows', f)), 0, f);
  }
  // Without a #path line, #fields must have conn-only fields, not just id.orig_h.
  const ftpFields = readFileSync(fixture('flows', 'zeek-ftp-ipv4.ftp.log'), 'utf8').split('\n').filter((l) => !l.startsWith('#path'));
  assert.equal(zeekConn.detect(Buffer.from(''), ftpFields.slice(0, 8)), 0);
  assert.equal(zeekConn.timeCompleteness([]), 'full');
});

test('cross-check: Zeek, nfdump and argus see the same FTP connections', async () => {
  const zeek = (await flows('zeek-ftp-ipv4.conn.log')).flows;
  const nf = await flows('nfdump-csv-ftp-ipv4.csv', nfdump);
  const argus = await flows('argus-ra-csv-ftp-ipv4.csv', argusText);
  assert.equal(nf.issues.length, 0);
  assert.equal(argus.issues.length, 0);
  // NetFlow is one record per direction; argus and Zeek one per connection.
  assert.equal(nf.flows.length, 2 * zeek.length);
  assert.equal(argus.flows.length, zeek.length);
  const nfBy = new Map(nf.flows.map((f) => [tuple(f), f]));
  const argusBy = new Map(argus.flows.map((f) => [tuple(f), f]));
  const lineBy = new Map((await flows('nfdump-line-ftp-ipv4.txt', nfdump)).flows.map((f) => [tuple(f), f]));
  const reverse = (f: FlowRecord) => ({ src: f.dst, sport: f.dport, dst: f.src, dport: f.sport });

  for (const z of zeek) {
    const fwd = nfBy.get(tuple(z));
    const rev = nfBy.get(tuple(reverse(z)));
    assert.ok(fwd && rev, `nfdump has both directions of ${tuple(z)}`);
    // nfpcapd counts IP bytes, as Zeek's *_ip_bytes do: equal, direction by direction.
    assert.deepEqual([fwd.pkts, fwd.bytes, rev.pkts, rev.bytes], [z.srcPkts, z.srcBytes, z.dstPkts, z.dstBytes], tuple(z));
    const a = argusBy.get(tuple(z));
    assert.ok(a, `argus has ${tuple(z)} with the same orientation`);
    assert.equal(a.start, z.start, 'both read the same pcap stamps');
    // Zeek's duration stops before the connection's last packet (the final ACK after the FINs);
    // argus and nfdump count it, so their flows end later, by one round trip here.
    assert.ok(a.end > z.end, tuple(z));

    // nfdump 1.7.1 csv prints whole seconds (cut, not rounded); -o line milliseconds.
    const sec = (us: number) => Math.floor(us / 1e6) * 1e6;
    const ms = (us: number) => Math.floor(us / 1e3) * 1e3;
    assert.equal(fwd.start, sec(z.start), tuple(z));
    assert.equal(Math.max(fwd.end, rev.end), sec(a.end), tuple(z));
    const lineFwd = lineBy.get(tuple(z))!;
    const lineRev = lineBy.get(tuple(reverse(z)))!;
    assert.equal(lineFwd.start, ms(z.start), tuple(z));
    assert.equal(Math.max(lineFwd.end, lineRev.end), ms(a.end), tuple(z));
    assert.deepEqual([lineFwd.bytes, lineRev.bytes], [fwd.bytes, rev.bytes]);
    assert.deepEqual([a.srcPkts, a.dstPkts], [z.srcPkts, z.dstPkts]);
    // argus counts frames: 14 bytes of Ethernet header more per packet than IP bytes.
    assert.equal(a.srcBytes, z.srcBytes! + 14 * z.srcPkts!);
    assert.equal(a.dstBytes, z.dstBytes! + 14 * z.dstPkts!);
    assert.equal(a.bytes, z.bytes + 14 * z.pkts);

    // Payload is what is left after at least 20 bytes of IPv4 and 20 of TCP header a packet.
    assert.ok(z.srcBytes! - z.srcPayload! >= 40 * z.srcPkts!);
    assert.ok(z.dstBytes! - z.dstPayload! >= 40 * z.dstPkts!);
  }
  const total = (fs: FlowRecord[]) => fs.reduce((s, f) => s + f.bytes, 0);
  assert.equal(total(nf.flows), total(zeek));
  assert.equal(total(zeek), 9204, 'the nfdump Summary total');
});

test('cross-check over IPv6: nfdump bytes equal Zeek *_ip_bytes', async () => {
  const zeek = (await flows('zeek-ftp-ipv6.conn.log')).flows;
  const nf = (await flows('nfdump-csv-ftp-ipv6.csv', nfdump)).flows;
  assert.equal(nf.length, 2 * zeek.length);
  const nfBy = new Map(nf.map((f) => [tuple(f), f]));
  for (const z of zeek) {
    const fwd = nfBy.get(tuple(z))!;
    const rev = nfBy.get(`${z.dst}:${z.dport}>${z.src}:${z.sport}`)!;
    assert.deepEqual([fwd.pkts, fwd.bytes, rev.pkts, rev.bytes], [z.srcPkts, z.srcBytes, z.dstPkts, z.dstBytes], tuple(z));
    // IPv6 header 40 + TCP 20 at least.
    assert.ok(z.srcBytes! - z.srcPayload! >= 60 * z.srcPkts!);
  }
});
