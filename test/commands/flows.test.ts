// `flowlink flows` as a user runs it: a real process on real captures and flow files; what it
// prints is checked against the parsers' own records, and its filter against tcpdump's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DateTime } from 'luxon';
import type { FlowRecord } from '../../src/event.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { fixture, parseFile, ROOT } from '../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SMTP = fixture('pcap', 'zeek-smtp.pcap');
const FTP4 = fixture('pcap', 'zeek-ftp-ipv4-active-passive.pcap');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-flows-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const flowsOf = async (file: string) => (await parseFile(pcapParser, file, { zone: 'UTC' })).filter((i): i is FlowRecord => i.kind === 'flow');

interface JsonFlow {
  start: string; end: string; proto: string; src: string; sport: number | null; dst: string; dport: number | null;
  pkts: number; bytes: number; state: string | null; file: string; line: number; dir: string | null;
  srcPkts: number | null; dstPkts: number | null; srcBytes: number | null; dstBytes: number | null;
  srcPayload: number | null; dstPayload: number | null; duration: number; rate: number; records: number;
}
interface Listing { version: number; filter: string | null; sort: string; top: number | null; records: number; connections: number; matched: number; flows: JsonFlow[]; ignored: { file: string; reason: string }[]; inputs: { file: string; format: string; events: number; skipped: number; firstSkipped: { line: number; reason: string } | null; notes: string[] }[] }

const json = (...args: string[]): { code: number | null; listing: Listing; stderr: string } => {
  const r = run('flows', ...args, '--json');
  assert.ok(r.stdout.startsWith('{'), `flows ${args.join(' ')} --json: exit ${r.code}, stderr: ${r.stderr}`);
  return { code: r.code, listing: JSON.parse(r.stdout) as Listing, stderr: r.stderr };
};
const ends = (f: { src: string; sport: number | null; dst: string; dport: number | null; proto: string | number }) => `${f.proto} ${[`${f.src}:${f.sport}`, `${f.dst}:${f.dport}`].sort().join(' ')}`;

describe('flowlink flows', () => {
  it('--format overrides detection, as for the other commands: a wrong one skips every line and says where', () => {
    const argus = path.join('samples', 'backup-spike', 'argus.txt');
    const forced = json('--format', 'argus-text', argus, '--top', '1');
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.listing.inputs[0].format, 'argus-text');
    const wrong = run('flows', '--format', `argus.txt=nfdump`, argus);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /skipped \d+ lines in samples\/backup-spike\/argus\.txt, first at line 1: data before the nfdump header line/);
    const unknown = run('flows', '--format', 'bogus', argus);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^flowlink: --format 'bogus' is not a format\n/);
  });

  it('lists every connection of a capture, largest first, with the numbers the capture holds', async () => {
    const { code, listing } = json(SMTP);
    assert.equal(code, 0);
    const flows = await flowsOf(SMTP);
    assert.equal(listing.version, 1);
    assert.equal(listing.records, flows.length);
    assert.equal(listing.flows.length, flows.length);
    assert.deepEqual(listing.flows.map((f) => f.bytes), flows.map((f) => f.bytes).sort((a, b) => b - a));
    const byEnds = new Map(flows.map((f) => [ends({ ...f, proto: f.proto === 6 ? 'tcp' : f.proto === 17 ? 'udp' : 'icmp' }), f]));
    for (const j of listing.flows) {
      const f = byEnds.get(ends(j))!;
      assert.ok(f, ends(j));
      assert.deepEqual(
        [j.src, j.sport, j.dst, j.dport, j.pkts, j.bytes, j.srcPkts, j.dstPkts, j.srcPayload, j.dstPayload, j.state, j.dir],
        [f.src, f.sport, f.dst, f.dport, f.pkts, f.bytes, f.srcPkts, f.dstPkts, f.srcPayload, f.dstPayload, f.state, f.dir],
      );
      assert.equal(j.start, new Date(f.start / 1000).toISOString().replace('Z', String(f.start % 1000).padStart(3, '0') + 'Z'));
      assert.equal(j.file, SMTP, 'the path as given');
    }
  });

  it('--json flows carry the field names of explain --json, then the connection fields', () => {
    const { listing } = json(SMTP, '--top', '1');
    const explainFields = ['start', 'end', 'proto', 'src', 'sport', 'dst', 'dport', 'pkts', 'bytes', 'state', 'file', 'line'];
    assert.deepEqual(Object.keys(listing.flows[0]).slice(0, explainFields.length), explainFields);
    for (const k of ['dir', 'srcPkts', 'dstPkts', 'srcBytes', 'dstBytes', 'srcPayload', 'dstPayload', 'duration', 'rate', 'records']) assert.ok(k in listing.flows[0], k);
    const f = listing.flows[0];
    assert.equal(f.rate, Math.round(f.bytes / f.duration));
  });

  it('the text table: a headline, ra-like columns, times in UTC or --tz', async () => {
    const r = run('flows', FTP4);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^5 connections \(5 flow records\), by bytes, times in UTC$/);
    assert.match(lines[1], /^StartTime\s+Dur\s+Proto\s+SrcAddr:Sport\s+Dir\s+DstAddr:Dport\s+SrcPkts\s+DstPkts\s+TotPkts\s+TotBytes\s+State\s+SrcPayload\s+DstPayload$/);
    assert.equal(lines.length, 2 + 5);
    const flows = await flowsOf(FTP4);
    const control = flows.find((f) => f.dport === 21)!;
    const row = lines.find((l) => l.includes(':21 '))!;
    const stamp = (zone: string) => DateTime.fromMillis(Math.floor(control.start / 1000), { zone }).toFormat('yyyy-MM-dd HH:mm:ss') + '.' + String(control.start % 1e6).padStart(6, '0');
    assert.ok(row.startsWith(stamp('UTC')), row);
    assert.deepEqual(row.split(/\s+/).slice(2), [((control.end - control.start) / 1e6).toFixed(3), 'tcp', `${control.src}:${control.sport}`, '->', `${control.dst}:${control.dport}`, String(control.srcPkts), String(control.dstPkts), String(control.pkts), String(control.bytes), control.state!, String(control.srcPayload), String(control.dstPayload)]);
    // Columns line up: every row has its TotBytes ending where the header's does.
    const end = lines[1].indexOf('TotBytes') + 'TotBytes'.length;
    for (const l of lines.slice(2)) assert.match(l.slice(0, end), /\d$/);
    const berlin = run('flows', FTP4, '--tz', 'America/Chicago');
    assert.match(berlin.stdout, /times in America\/Chicago/);
    assert.ok(berlin.stdout.includes(stamp('America/Chicago')));
  });

  it('--filter, --sort and --top: the filtered connections ranked, the headline says how many of how many', async () => {
    const flows = await flowsOf(SMTP);
    const { code, listing } = json(SMTP, '--filter', 'not port 443 and not port 25', '--sort', 'pkts', '--top', '3');
    assert.equal(code, 0);
    const kept = flows.filter((f) => ![f.sport, f.dport].includes(443) && ![f.sport, f.dport].includes(25) || f.proto === 1);
    assert.equal(listing.matched, kept.length);
    assert.equal(listing.connections, flows.length);
    assert.deepEqual(listing.flows.map((f) => f.pkts), kept.map((f) => f.pkts).sort((a, b) => b - a).slice(0, 3));
    assert.equal(listing.filter, 'not port 443 and not port 25');
    assert.equal(listing.top, 3);
    const text = run('flows', SMTP, '--filter', 'not port 443 and not port 25', '--top', '3');
    assert.match(text.stdout.split('\n')[0], new RegExp(`^top 3 of ${kept.length} connections matching 'not port 443 and not port 25' \\(of ${flows.length} in ${flows.length} flow records\\), by bytes`));
    for (const sort of ['rate', 'duration']) {
      const { listing: l } = json(SMTP, '--sort', sort);
      const v = l.flows.map((f) => (sort === 'rate' ? f.rate : f.duration));
      assert.deepEqual(v, [...v].sort((a, b) => b - a), sort);
    }
  });

  it('--csv: a header line, one row per connection, ISO times', () => {
    const r = run('flows', FTP4, '--csv');
    assert.equal(r.code, 0);
    const rows = r.stdout.trimEnd().split('\r\n');
    assert.equal(rows[0], 'start,end,proto,src,sport,dir,dst,dport,pkts,bytes,state,srcPkts,dstPkts,srcBytes,dstBytes,srcPayload,dstPayload,duration,rate,records,file,line');
    assert.equal(rows.length, 6);
    const { listing } = json(FTP4);
    rows.slice(1).forEach((row, i) => {
      const c = row.split(',');
      const f = listing.flows[i];
      assert.deepEqual([c[0], c[3], c[4], c[8], c[9], c[15], c[16]], [f.start, f.src, String(f.sport), String(f.pkts), String(f.bytes), String(f.srcPayload), String(f.dstPayload)]);
    });
  });

  it('a folder: flow files listed, logs set aside as ignored (flows shows flows)', () => {
    const { code, listing } = json(path.join(ROOT, 'samples', 'ftp-capture'));
    assert.equal(code, 0);
    assert.deepEqual(listing.inputs.map((i) => [path.basename(i.file), i.format]), [['capture.pcap', 'pcap']]);
    assert.deepEqual(listing.ignored.map((i) => [path.basename(i.file), i.reason]), [['messages', 'pure-ftpd: a log, not flow records']]);
  });

  it('status records and NetFlow one-way records come back one row per connection', () => {
    const argus = json(fixture('flows', 'ra-bigtransfer-status.txt'), '--date', '2011-01-31');
    assert.equal(argus.code, 0, argus.stderr);
    const keys = new Set(argus.listing.flows.map(ends));
    assert.equal(keys.size, argus.listing.flows.length);
    const nf = json(fixture('flows', 'nfdump-csv-ftp-ipv4.csv'));
    assert.equal(nf.listing.records, 10);
    assert.equal(nf.listing.flows.length, 5);
  });

  it('a time-of-day-only argus file takes its date from --date, else from the logs, else stops with a hint', (t) => {
    const dir = scratch(t);
    copyFileSync(fixture('flows', 'story-rasort.txt'), path.join(dir, 'undated.txt'));
    const none = run('flows', path.join(dir, 'undated.txt'));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /undated\.txt: stamps have a time of day but no date[\s\S]*--date/);
    const dated = json(path.join(dir, 'undated.txt'), '--date', '2008-03-08');
    assert.match(dated.listing.flows[0].start, /^2008-03-08T03:/);
    writeFileSync(path.join(dir, 'messages'), 'Mar  8 03:33:42 server ftpd: (xxx@xxx.com@192.168.134.56) [NOTICE] /home/xxx/backup//x uploaded  (891289600 bytes, 2428.22KB/sec)\n');
    const fromLog = json(dir, '--year', '2008');
    assert.equal(fromLog.code, 0, fromLog.stderr);
    assert.deepEqual(fromLog.listing.flows.map((f) => f.start), dated.listing.flows.map((f) => f.start));
  });

  it('bad lines are counted and named on stderr, the rest listed', (t) => {
    const dir = scratch(t);
    const lines = readFileSync(fixture('flows', 'nfdump-csv-ftp-ipv4.csv'), 'utf8').split('\n');
    lines.splice(3, 0, '2012-02-21 16:53:14,garbage');
    writeFileSync(path.join(dir, 'nf.csv'), lines.join('\n'));
    const r = run('flows', path.join(dir, 'nf.csv'), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^flowlink: skipped 1 line in .*nf\.csv, first at line 4: /);
    const listing = JSON.parse(r.stdout) as Listing;
    assert.equal(listing.records, 10);
    assert.equal(listing.inputs[0].skipped, 1);
  });

  it('--db: ingested once, listed from the case file without inputs, the same connections', (t) => {
    const dir = scratch(t);
    const db = path.join(dir, 'case.db');
    const streamed = json(SMTP, '--filter', 'tcp');
    const first = json(SMTP, '--filter', 'tcp', '--db', db);
    assert.equal(first.code, 0, first.stderr);
    const again = json('--filter', 'tcp', '--db', db);
    assert.equal(again.code, 0, again.stderr);
    for (const l of [first.listing, again.listing]) assert.deepEqual(l.flows.map((f) => [ends(f), f.pkts, f.bytes, f.srcPayload, f.state]), streamed.listing.flows.map((f) => [ends(f), f.pkts, f.bytes, f.srcPayload, f.state]));
  });

  it('nothing matches: exit 1, a line on stderr, stdout clean', () => {
    const r = run('flows', SMTP, '--filter', 'port 9999');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^flowlink: no connection matches 'port 9999' \(of 9 connections read\)\n$/);
  });

  it('no flows at all (a log alone): exit 1 and says so', () => {
    const r = run('flows', fixture('logs', 'pure-ftpd-backup.log'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no flow records in .*pure-ftpd-backup\.log .*a log, not flow records/);
  });

  it('the flow assembly flags reach the capture: --idle-timeout, --status-interval, --max-flows', (t) => {
    // The sample's FTP control connection is silent for the 3.5 minutes of the upload: the
    // default 120 s idle timeout cuts it in two flows, 5 minutes keeps it one.
    const capture = path.join(ROOT, 'samples', 'ftp-capture', 'capture.pcap');
    const plain = json(capture).listing;
    const long = json(capture, '--idle-timeout', '5m').listing;
    assert.equal(long.records, plain.records - 1);
    assert.equal(long.connections, plain.connections);
    assert.deepEqual(long.flows.map((f) => [ends(f), f.pkts, f.bytes]), plain.flows.map((f) => [ends(f), f.pkts, f.bytes]), 'the same connections and counts');
    // A status record per second instead of per 5 s: the upload's records follow its duration.
    const upload = plain.flows[0];
    const fine = json(capture, '--status-interval', '1s').listing.flows[0];
    assert.equal(ends(fine), ends(upload));
    assert.ok(fine.records > 4 * upload.records, `${fine.records} records at 1 s, ${upload.records} at 5 s over ${upload.duration} s`);
    // A table of one flow: every new flow finishes the one before, with a note saying so.
    const capped = json(capture, '--max-flows', '1').listing;
    assert.ok(capped.records > plain.records);
    assert.ok(capped.inputs[0].notes.some((n) => /flow table reached 1 concurrent flows/.test(n)), capped.inputs[0].notes.join('; '));
    assert.equal(capped.flows.reduce((s, f) => s + f.pkts, 0), plain.flows.reduce((s, f) => s + f.pkts, 0), 'no packet lost');
    // With --db they go to the ingest.
    const db = path.join(scratch(t), 'case.db');
    assert.equal(json(capture, '--db', db, '--idle-timeout', '5m').listing.records, long.records);
    for (const [flag, value, message] of [['--idle-timeout', '0', /--idle-timeout '0' is not a duration above zero/], ['--status-interval', '5x', /--status-interval '5x' is not a duration/], ['--max-flows', 'many', /--max-flows 'many' is not a whole number/]] as const) {
      const r = run('flows', capture, flag, value);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  });

  it('user errors: the message and a caret under the offending word, exit 2, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [[SMTP, '--filter', 'not prot 80'], /^flowlink: --filter, column 5: unknown word 'prot'.*\n {2}not prot 80\n {6}\^{4}\n$/],
      [[SMTP, '--filter', 'host 10.0.0.1 and (port 21'], /column 19: '\(' is never closed\n {2}host 10\.0\.0\.1 and \(port 21\n {20}\^\n$/],
      [[SMTP, '--sort', 'size'], /--sort 'size' is not one of bytes, pkts, rate, duration/],
      [[SMTP, '--top', '0'], /--top '0' is not a positive whole number/],
      [[SMTP, '--json', '--csv'], /--json and --csv go one at a time/],
      [[], /no inputs given/],
      [[path.join(ROOT, 'no-such.pcap')], /no-such\.pcap: no such file or directory/],
    ];
    for (const [args, message] of cases) {
      const r = run('flows', ...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(r.stdout, '');
    }
  });
});

const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

describe('flowlink flows --filter against tcpdump', { skip: haveTcpdump ? false : 'tcpdump is not installed (apt-get install tcpdump)' }, () => {
  // tcpdump keeps the packets, flowlink lists the connections they make; with the filter on the
  // whole capture flowlink must list exactly those connections.
  for (const filter of ['tcp and not port 443 and not port 25', 'udp or icmp', 'net 192.168.133.0/24 and portrange 440-6000']) {
    it(`'${filter}'`, (t) => {
      const dir = scratch(t);
      const kept = path.join(dir, 'kept.pcap');
      const dump = spawnSync('tcpdump', ['-r', SMTP, '-w', kept, filter], { encoding: 'utf8' });
      assert.equal(dump.status, 0, dump.stderr);
      const theirs = json(kept).listing.flows.map(ends).sort();
      const ours = json(SMTP, '--filter', filter).listing.flows.map(ends).sort();
      assert.ok(ours.length > 0);
      assert.deepEqual(ours, theirs);
    });
  }
});
