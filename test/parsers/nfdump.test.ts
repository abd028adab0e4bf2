import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argusText } from '../../parsers/argus-text.js';
import { nfdump } from '../../parsers/nfdump.js';
import { zeekConn } from '../../parsers/zeek-conn.js';
import type { FlowRecord, ParseIssue, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { fixture, iso, parseFile } from '../helpers.js';

const UTC = { zone: 'UTC' };

async function read(file: string, time: object = UTC) {
  const items = await parseFile(nfdump, file, time as never);
  return {
    flows: items.filter((i): i is FlowRecord => i.kind === 'flow'),
    issues: items.filter((i): i is ParseIssue => i.kind === 'issue'),
    notes: items.filter((i): i is ParseNote => i.kind === 'note'),
  };
}
const flows = (name: string, time: object = UTC) => read(fixture('flows', name), time);

async function detectFile(file: string) {
  const input = await openInput(file);
  const lines = headLines(input.head);
  return { nfdump: nfdump.detect(input.head, lines), zeek: zeekConn.detect(input.head, lines) };
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowlink-nfdump-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const tuple = (f: FlowRecord) => `${f.src}:${f.sport}>${f.dst}:${f.dport}`;
const withoutOrigin = (f: FlowRecord) => ({ ...f, origin: undefined });

test('csv: exact fields, one record per direction, Summary trailer not an issue', async () => {
  const { flows: fl, issues, notes } = await flows('nfdump-csv-ftp-ipv4.csv');
  assert.equal(issues.length, 0);
  assert.equal(notes.length, 0);
  assert.equal(fl.length, 10);

  const control = fl[1];
  assert.equal(tuple(control), '141.142.220.235:50003>199.233.217.249:21');
  assert.equal(control.origin.line, 3);
  assert.equal(control.start, Date.UTC(2012, 1, 21, 16, 52, 41) * 1000);
  assert.equal(control.end, Date.UTC(2012, 1, 21, 16, 53, 20) * 1000);
  assert.equal(control.proto, 6);
  assert.equal(control.flags, '...AP.SF');
  assert.deepEqual([control.pkts, control.bytes, control.byteBasis], [38, 2164, 'ip']);
  // Unidirectional: no per-direction split, no payload, no state.
  assert.deepEqual([control.srcPkts, control.dstBytes, control.srcPayload, control.state], [undefined, undefined, undefined, undefined]);
  assert.equal(control.flowId, `6:141.142.220.235:50003-199.233.217.249:21@${control.start}`);

  const reply = fl[5];
  assert.equal(tuple(reply), '199.233.217.249:21>141.142.220.235:50003');
  assert.equal(iso(reply.start), '2012-02-21T16:52:42.000Z');
  assert.deepEqual([reply.pkts, reply.bytes], [25, 4458]);
  assert.equal(fl.reduce((s, f) => s + f.bytes, 0), 9204, 'the Summary row total');
});

test('csv times are local in the context zone', async () => {
  const utc = await flows('nfdump-csv-ftp-ipv4.csv');
  const chicago = await flows('nfdump-csv-ftp-ipv4.csv', { zone: 'America/Chicago' });
  assert.equal(chicago.flows[1].start - utc.flows[1].start, 6 * 3600 * 1_000_000); // CST in February
  assert.equal(nfdump.timeCompleteness([]), 'full');
});

test('csv IPv6, UDP and ICMP (type/code packed into dp), duplicate rows keep distinct ids', async () => {
  const v6 = await flows('nfdump-csv-ftp-ipv6.csv');
  assert.equal(v6.issues.length, 0);
  assert.equal(v6.flows.length, 12);
  const c = v6.flows[0];
  assert.deepEqual([c.src, c.sport, c.dst, c.dport, c.pkts, c.bytes], ['2001:470:1f11:81f:c999:d94:aa7c:2e3e', 49185, '2001:470:4867:99::21', 21, 57, 4426]);
  assert.equal(c.end - c.start, 27_000_000); // 17:42:57 to 17:43:24 (td 26.658: whole seconds)

  const smtp = await flows('nfdump-csv-smtp.csv');
  assert.equal(smtp.issues.length, 0);
  assert.equal(smtp.flows.length, 19);
  const icmp = smtp.flows.filter((f) => f.proto === 1);
  assert.equal(icmp.length, 4);
  assert.deepEqual([icmp[0].sport, icmp[0].dport, icmp[0].bytes], [0, 772, 576]); // 3/4 = 3*256+4
  assert.equal(new Set(smtp.flows.map((f) => f.flowId)).size, 19);
  assert.equal(icmp[1].flowId, `${icmp[0].flowId}#2`);
  const dns = smtp.flows.find((f) => f.proto === 17 && f.dport === 53)!;
  assert.equal(iso(dns.start), '2009-10-05T06:06:07.000Z');
  const later = smtp.flows.filter((f) => f.start >= Date.UTC(2015, 0, 1) * 1000);
  assert.equal(later.length, 10, 'the second capture, six years on');
});

test('bad rows are reported with their line number and the rest kept', async (t) => {
  const dir = tempDir(t);
  const lines = readFileSync(fixture('flows', 'nfdump-csv-ftp-ipv4.csv'), 'utf8').trimEnd().split('\n');
  lines.splice(2, 0, lines[1].split(',').slice(0, 20).join(',')); // line 3: too few columns
  lines.splice(4, 0, lines[1].replace(',TCP,...A..SF,0,0,3,164,', ',TCP,...A..SF,0,0,3,1k4,')); // line 5
  lines.splice(5, 0, lines[1].replace('2012-02-21 16:53:14,2012', '2012-02-30 16:53:14,2012')); // line 6
  writeFileSync(join(dir, 'bad.csv'), lines.join('\n') + '\n');
  const { flows: fl, issues } = await read(join(dir, 'bad.csv'));
  assert.deepEqual(issues.map((i) => [i.line, i.reason]), [
    [3, 'expected 48 fields, found 20'],
    [5, "bad number in bytes '1k4'"],
    [6, "bad first-seen time '2012-02-30 16:53:14'"],
  ]);
  assert.equal(fl.length, 10);
});

test('biflow rows (opkt/obyt set) keep per-direction counts in one record', async (t) => {
  const dir = tempDir(t);
  const lines = readFileSync(fixture('flows', 'nfdump-csv-ftp-ipv4.csv'), 'utf8').split('\n');
  lines[2] = lines[2].replace(',38,2164,0,0,', ',38,2164,25,4458,');
  writeFileSync(join(dir, 'bi.csv'), lines.join('\n'));
  const { flows: fl } = await read(join(dir, 'bi.csv'));
  const c = fl[1];
  assert.deepEqual([c.pkts, c.bytes, c.srcPkts, c.dstPkts, c.srcBytes, c.dstBytes], [63, 6622, 38, 25, 2164, 4458]);
  assert.equal(fl[0].srcPkts, undefined);
});

test('newer csv headers (firstSeen..., csv-fast with epoch ms) give the same flows', async (t) => {
  const dir = tempDir(t);
  const old = await flows('nfdump-csv-ftp-ipv4.csv');
  const rows = old.flows.map((f) => f.origin.raw.split(','));
  // nfdump >= 1.7.5 `-o csv`: named columns, numeric proto, milliseconds.
  const named = ['firstSeen,lastSeen,duration,proto,srcAddr,srcPort,dstAddr,dstPort,packets,bytes,flags'];
  for (const r of rows) named.push([`${r[0]}.000`, `${r[1]}.000`, r[2], r[7] === 'TCP' ? '6' : r[7], r[3], r[5], r[4], r[6], r[11], r[12], r[8]].join(','));
  writeFileSync(join(dir, 'named.csv'), named.join('\n') + '\n');
  // `-o csv-fast`: epoch milliseconds, no duration.
  const fast = ['cnt,af,firstSeen,lastSeen,proto,srcAddr,srcPort,dstAddr,dstPort,srcAS,dstAS,input,output,flags,srcTos,packets,bytes'];
  old.flows.forEach((f, i) => {
    const r = rows[i];
    fast.push([i + 1, 2, f.start / 1000, f.end / 1000, 6, r[3], r[5], r[4], r[6], 0, 0, 0, 0, r[8], 0, r[11], r[12]].join(','));
  });
  writeFileSync(join(dir, 'fast.csv'), fast.join('\n') + '\n');
  for (const name of ['named.csv', 'fast.csv']) {
    assert.equal((await detectFile(join(dir, name))).nfdump, 0.9, name);
    const got = await read(join(dir, name));
    assert.equal(got.issues.length, 0, name);
    assert.deepEqual(got.flows.map(withoutOrigin), old.flows.map(withoutOrigin), name);
  }
});

test('-o line and -o extended tables: same flows as csv, with milliseconds', async () => {
  const csv = await flows('nfdump-csv-ftp-ipv4.csv');
  const line = await flows('nfdump-line-ftp-ipv4.txt');
  assert.equal(line.issues.length, 0, 'Summary/Time window/Total/Sys lines are not issues');
  assert.equal(line.flows.length, 10);
  const byTuple = new Map(csv.flows.map((f) => [tuple(f), f]));
  for (const f of line.flows) {
    const c = byTuple.get(tuple(f))!;
    assert.ok(c, tuple(f));
    assert.deepEqual([f.pkts, f.bytes, f.proto], [c.pkts, c.bytes, c.proto]);
    assert.equal(Math.floor(f.start / 1e6) * 1e6, c.start, 'csv truncates to the second');
  }
  const control = line.flows.find((f) => f.dport === 21)!;
  assert.equal(control.start, Date.UTC(2012, 1, 21, 16, 52, 41, 968) * 1000);
  assert.equal(control.end, control.start + 38_056_000);

  const ext = await flows('nfdump-extended-ftp-bruteforce.txt');
  assert.equal(ext.issues.length, 0);
  assert.equal(ext.flows.length, 60);
  const first = ext.flows[0];
  assert.deepEqual([first.src, first.sport, first.dst, first.dport, first.flags, first.pkts, first.bytes], ['192.168.56.1', 54017, '192.168.56.101', 21, '...AP.SF', 11, 608]);
  assert.equal(first.end - first.start, 2_373_000);
});

test('-o long with shortened IPv6, and the NSEL default layout, are refused line by line', async () => {
  const long = await flows('nfdump-long-ftp-ipv6.txt');
  assert.equal(long.flows.length, 0);
  assert.equal(long.issues.length, 12);
  assert.match(long.issues[0].reason, /shortened.*-6/);
  assert.equal(long.issues[0].line, 2);

  const nsel = await flows('nfdump-default-ftp-ipv4.txt');
  assert.equal(nsel.flows.length, 0);
  assert.deepEqual(nsel.issues.map((i) => i.line), [1]);
  assert.equal((await detectFile(fixture('flows', 'nfdump-default-ftp-ipv4.txt'))).nfdump, 0);
});

test('scaled counts in tables are read, rounded, and noted', async (t) => {
  const dir = tempDir(t);
  const lines = readFileSync(fixture('flows', 'nfdump-line-ftp-ipv4.txt'), 'utf8').split('\n');
  lines[2] = lines[2].replace('      38     2164     1', '   1.2 M    2.5 G     1');
  writeFileSync(join(dir, 'scaled.txt'), lines.join('\n'));
  const { flows: fl, issues, notes } = await read(join(dir, 'scaled.txt'));
  assert.equal(issues.length, 0);
  assert.deepEqual([fl[1].pkts, fl[1].bytes], [1_200_000, 2_500_000_000]);
  assert.equal(notes.length, 1);
});

test('detection: its own samples and files, not Zeek or argus', async () => {
  assert.equal(nfdump.detect(Buffer.from(''), nfdump.samples), 0.95);
  assert.equal(zeekConn.detect(Buffer.from(''), nfdump.samples), 0);
  assert.equal(argusText.detect(Buffer.from(''), nfdump.samples), 0);
  assert.equal(nfdump.detect(Buffer.from(''), zeekConn.samples), 0);
  assert.equal(nfdump.detect(Buffer.from(''), argusText.samples), 0);
  for (const f of ['nfdump-csv-ftp-ipv4.csv', 'nfdump-csv-ftp-ipv6.csv', 'nfdump-csv-smtp.csv']) {
    assert.deepEqual(await detectFile(fixture('flows', f)), { nfdump: 0.95, zeek: 0 }, f);
  }
  for (const f of ['nfdump-line-ftp-ipv4.txt', 'nfdump-long-ftp-ipv6.txt', 'nfdump-extended-ftp-bruteforce.txt']) {
    assert.equal((await detectFile(fixture('flows', f))).nfdump, 0.9, f);
  }
  for (const f of ['zeek-ftp-ipv4.conn.log', 'argus-ra-csv-ftp-ipv4.csv', 'zeek-docs-ftp-session.ndjson']) {
    assert.equal((await detectFile(fixture('flows', f))).nfdump, 0, f);
  }
});
