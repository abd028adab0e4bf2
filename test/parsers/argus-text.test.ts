import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argusText } from '../../parsers/argus-text.js';
import type { FlowRecord, ParseIssue, ParseNote } from '../../src/event.js';
import { headLines, openInput } from '../../src/sources/input.js';
import { fixture, iso, parseFile } from '../helpers.js';

const UTC = { zone: 'UTC' };
const MAR8 = { zone: 'UTC', date: { year: 2008, month: 3, day: 8 } };

async function flows(name: string, time: object = UTC) {
  const items = await parseFile(argusText, fixture('flows', name), time as never);
  return {
    flows: items.filter((i): i is FlowRecord => i.kind === 'flow'),
    issues: items.filter((i): i is ParseIssue => i.kind === 'issue'),
    notes: items.filter((i): i is ParseNote => i.kind === 'note'),
  };
}

const key = (f: FlowRecord) => `${f.src}:${f.sport}>${f.dst}:${f.dport}`;

test('rasort layout: columns by position, odd Flgs spacing, repeated TotBytes, cut Load', async () => {
  const { flows: fl, issues } = await flows('story-rasort.txt', MAR8);
  assert.equal(issues.length, 0);
  assert.equal(fl.length, 4);
  const big = fl.find((f) => f.dport === 46743)!;
  assert.equal(big.src, '192.168.134.56');
  assert.equal(big.sport, 39448);
  assert.equal(big.dst, '10.2.3.102');
  assert.equal(big.proto, 6);
  assert.equal(big.pkts, 2501219);
  assert.equal(big.bytes, 1031277512);
  assert.equal(big.flags, 'e sD');
  assert.equal(big.state, 'FIN');
  assert.equal(iso(big.start), '2008-03-08T03:27:47.764Z');
  assert.equal(big.start % 1_000_000, 764771);
  assert.equal(iso(big.end), '2008-03-08T03:33:46.183Z');
  const stray = fl.find((f) => f.src === '192.168.200.77')!;
  assert.equal(stray.dir, '<?>');
  assert.equal(stray.state, 'CON');
  assert.equal(stray.bytes, 56532894);
});

test('squashed rows (alignment lost) still parse: Flgs takes the tokens left over', async () => {
  const a = await flows('story-rasort.txt', MAR8);
  const b = await flows('story-squashed.txt', MAR8);
  assert.equal(b.issues.length, 0);
  const strip = (f: FlowRecord) => ({ ...f, origin: undefined });
  assert.deepEqual(b.flows.map(strip), a.flows.map(strip));
});

test('status records are merged the way racluster merges them', async () => {
  const status = await flows('ra-bigtransfer-dated.txt');
  const clustered = await flows('rasort-bigtransfer.txt', { zone: 'UTC', date: { year: 2014, month: 3, day: 27 } });
  assert.equal(status.issues.length, 0);
  assert.deepEqual(status.notes.map((n) => n.message), ['ignored 2 argus management records']);
  const byKey = new Map(clustered.flows.map((f) => [key(f), f]));
  assert.equal(status.flows.length, byKey.size);
  for (const f of status.flows) {
    const c = byKey.get(key(f))!;
    assert.ok(c, `no racluster row for ${key(f)}`);
    assert.equal(f.pkts, c.pkts, key(f));
    assert.equal(f.bytes, c.bytes, key(f));
    assert.equal(f.start, c.start, key(f));
    assert.equal(f.end, c.end, key(f));
    assert.equal(f.state, c.state, key(f));
  }
  const control = status.flows.find((f) => f.dport === 21)!;
  assert.equal(control.records, 5);
  assert.equal(control.parts!.length, 5);
  assert.equal(control.parts!.reduce((s, p) => s + p.bytes, 0), 4399);
  assert.equal(control.flags, 'e i', 'flags merged position by position');
});

test('dated -s selection with per-direction and application bytes', async () => {
  const { flows: fl, issues } = await flows('ra-bigtransfer-dated.txt');
  assert.equal(issues.length, 0);
  const data = fl.find((f) => f.dport === 37150)!;
  assert.equal(iso(data.start), '2014-03-27T16:56:51.361Z');
  assert.equal(data.pkts, 25);
  assert.equal(data.bytes, 25492);
  assert.equal(data.srcBytes! + data.dstBytes!, 25492);
  assert.equal(typeof data.srcPayload, 'number');
  assert.equal(argusText.timeCompleteness(headLines((await openInput(fixture('flows', 'ra-bigtransfer-dated.txt'))).head)), 'full');
});

test('CSV with epoch stamps agrees with the aligned text', async () => {
  const csv = await flows('ra-bigtransfer-epoch.csv');
  const text = await flows('ra-bigtransfer-status.txt', { zone: 'UTC', date: { year: 2014, month: 3, day: 27 } });
  assert.equal(csv.issues.length, 0);
  // The default text columns have no LastTime, so compare what both carry.
  assert.deepEqual(csv.flows.map((f) => [key(f), f.pkts, f.bytes, f.start, f.state]), text.flows.map((f) => [key(f), f.pkts, f.bytes, f.start, f.state]));
});

test('CSV keeps fixed-width padding inside fields; it is trimmed', async () => {
  const { flows: fl, issues } = await flows('argus-ra-csv-ftp-ipv4.csv');
  assert.equal(issues.length, 0);
  assert.ok(fl.every((f) => f.dir === '->'));
  assert.equal(fl[0].flags, 'e');
});

test('service names as ports, IPv6 addresses, and cut addresses noted', async () => {
  const v4 = await flows('argus-ra-default-ftp-ipv4.txt', { zone: 'UTC', date: { year: 2012, month: 2, day: 21 } });
  assert.ok(v4.flows.some((f) => f.dport === 21));
  const wide = await flows('argus-ra-wide-dated-ftp-ipv6.txt');
  assert.equal(wide.issues.length, 0);
  assert.ok(wide.flows.some((f) => f.src === '2001:470:1f11:81f:c999:d94:aa7c:2e3e' && f.sport === 49186 && f.dst === '2001:470:4867:99::21'));
  const cut = await flows('argus-ra-default-ftp-ipv6.txt', { zone: 'UTC', date: { year: 2012, month: 2, day: 21 } });
  assert.ok(cut.notes.some((n) => /cut short/.test(n.message)));
  const smtp = await flows('argus-ra-default-smtp.txt', { zone: 'UTC', date: { year: 2009, month: 10, day: 5 } });
  const dns = smtp.flows.find((f) => f.proto === 17 && f.dport === 53)!;
  assert.equal(dns.dir, '<->');
  assert.ok(smtp.flows.some((f) => f.dir === '<?>'));
});

test('time-only stamps need a date, and roll over at midnight', async (t) => {
  await assert.rejects(flows('story-rasort.txt', UTC), /no date/);
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'flowlink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'midnight.txt');
  const lines = (await import('node:fs')).readFileSync(fixture('flows', 'story-rasort.txt'), 'utf8').split('\n');
  writeFileSync(file, [lines[0], lines[1], lines[1].replace('03:27:47.764771', '23:59:59.000001').replace('03:33:46.183595', '23:59:59.900000').replace('39448', '39449'), lines[1].replace('03:27:47.764771', '00:00:01.000000').replace('03:33:46.183595', '00:00:02.000000').replace('39448', '39450')].join('\n') + '\n');
  const items = await parseFile(argusText, file, MAR8 as never);
  const starts = items.filter((i): i is FlowRecord => i.kind === 'flow').map((f) => iso(f.start)).sort();
  assert.deepEqual(starts, ['2008-03-08T03:27:47.764Z', '2008-03-08T23:59:59.000Z', '2008-03-09T00:00:01.000Z']);
});

test('bad rows are reported with their line, good rows kept', async (t) => {
  const { writeFileSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'flowlink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.txt');
  const lines = readFileSync(fixture('flows', 'story-rasort.txt'), 'utf8').trimEnd().split('\n');
  lines.splice(2, 0, 'garbage in the middle');
  lines.push(lines[1].replace(' 2501219 ', '  250121* '));
  writeFileSync(file, lines.join('\n') + '\n');
  const items = await parseFile(argusText, file, MAR8 as never);
  const issues = items.filter((i): i is ParseIssue => i.kind === 'issue');
  assert.deepEqual(issues.map((i) => i.reason), ['columns do not match the header', "TotPkts '250121*' is cut short (widen the column with -s)"]);
  assert.deepEqual(issues.map((i) => i.line), [3, 7]);
  assert.equal(items.filter((i) => i.kind === 'flow').length, 4);
});

test('an empty Flgs column (flows argus saw without an encapsulation) parses by position', async (t) => {
  const { writeFileSync, mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'flowlink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines = readFileSync(fixture('flows', 'story-rasort.txt'), 'utf8').trimEnd().split('\n');
  const file = join(dir, 'noflags.txt');
  writeFileSync(file, [lines[0], lines[1].replace('e sD', '    ')].join('\n') + '\n');
  const items = await parseFile(argusText, file, MAR8 as never);
  assert.equal(items.length, 1);
  const f = items[0] as FlowRecord;
  assert.equal(f.flags, '');
  assert.equal(f.proto, 6);
  assert.equal(f.bytes, 1031277512);
});

test('detects its own samples and not syslog', () => {
  assert.ok(argusText.detect(Buffer.from(''), argusText.samples.slice(0, 2)) > 0);
  assert.ok(argusText.detect(Buffer.from(''), argusText.samples.slice(2)) > 0);
  assert.equal(argusText.detect(Buffer.from(''), ['Mar  8 03:33:10 server ftpd: (x@1.2.3.4) [INFO] Logout.']), 0);
});
