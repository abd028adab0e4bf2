import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { FlowRecord, ParseItem } from '../../src/event.js';
import { openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { ArgusClientMissingError, argusBinary, argusBinaryVersion, createArgusBinaryParser, raArguments } from '../../parsers/argus-binary.js';
import { detectFormat } from '../../parsers/index.js';
import type { Parser } from '../../parsers/parser.js';
import { pcapParser } from '../../parsers/pcap/index.js';
import { fixture } from '../helpers.js';

const TIME = { zone: 'UTC' } as TimeContext;

function installed(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch (e) {
    return (e as { code?: string }).code !== 'ENOENT';
  }
}
const HAVE_ARGUS = installed('argus', ['-h']);
const HAVE_RA = installed('ra', ['-h']);
const NO_ARGUS = (!HAVE_ARGUS && 'argus (argus-server) not installed') || (!HAVE_RA && 'ra (argus-client) not installed') || false;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-argus-binary-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An argus binary file of a fixture capture, made by the installed argus. */
function argusFile(t: TestContext, pcap: string): string {
  const out = path.join(tempDir(t), `${pcap}.argus`);
  execFileSync('argus', ['-X', '-P', '0', '-A', '-r', fixture('pcap', pcap), '-w', out], { stdio: 'ignore' });
  return out;
}

async function parse(parser: Parser, file: string): Promise<ParseItem[]> {
  const out: ParseItem[] = [];
  for await (const item of parser.parse(await openInput(file), TIME)) out.push(item);
  return out;
}

const flowsOf = (items: ParseItem[]): FlowRecord[] => items.filter((i): i is FlowRecord => i.kind === 'flow');

/** Per directed 5-tuple: packets and bytes each way, summed over the flows of that 5-tuple. */
function perTuple(flows: FlowRecord[]): Record<string, number[]> {
  const out = new Map<string, number[]>();
  for (const f of flows) {
    // By design: argus packs an ICMP message's type and code into sport (code << 8 | type) and
    // prints dport 0; flowlink's pcap flows carry type and code as the two ports.
    const icmp = f.proto === 1 || f.proto === 58;
    const key = icmp ? `${f.proto} ${f.src} > ${f.dst}` : `${f.proto} ${f.src}.${f.sport} > ${f.dst}.${f.dport}`;
    const prev = out.get(key) ?? [0, 0, 0, 0];
    out.set(key, [prev[0] + f.srcPkts!, prev[1] + f.dstPkts!, prev[2] + f.srcBytes!, prev[3] + f.dstBytes!]);
  }
  return Object.fromEntries([...out].sort());
}

/** A stand-in for ra: a shell script with the given body. */
function fakeRa(t: TestContext, body: string): string {
  const file = path.join(tempDir(t), 'ra');
  writeFileSync(file, `#!/bin/sh\ncat > /dev/null\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The first 128 bytes of an argus 3 stream: the START management record with its cookie. */
function marHead(): Buffer {
  const b = Buffer.alloc(128);
  b[0] = 0x83;
  b[1] = 0x10;
  b.writeUInt16BE(32, 2);
  b.writeUInt32BE(0xe5712dcb, 8);
  return b;
}

describe('argus-binary: detection by the management record', () => {
  it('claims the START record with an argus 2, 3 or 5 cookie, nothing else', () => {
    assert.equal(argusBinaryVersion(marHead()), 'argus 3');
    assert.equal(argusBinary.detect(marHead(), []), 1);
    for (const [cookie, v] of [[0xe5617acb, 'argus 2'], [0xe57150cb, 'argus 5']] as const) {
      const b = marHead();
      b.writeUInt32BE(cookie, 8);
      assert.equal(argusBinaryVersion(b), v);
    }
    const wrongCookie = marHead();
    wrongCookie.writeUInt32BE(0xe5712dcc, 8);
    const flowRecordFirst = marHead();
    flowRecordFirst[0] = 0x13; // a FAR: not the start of a stream
    const statusCause = marHead();
    statusCause[1] = 0x20;
    for (const b of [wrongCookie, flowRecordFirst, statusCause, marHead().subarray(0, 11), Buffer.alloc(0)]) assert.equal(argusBinary.detect(b, []), 0);
    for (const name of ['zeek-ftp-bigtransfer.pcap', 'zeek-smtp-bdat-invalid.pcapng']) {
      const head = readFileSync(fixture('pcap', name)).subarray(0, 65536);
      assert.equal(argusBinary.detect(head, []), 0, name);
    }
    const text = Buffer.from('StartTime,Proto,SrcAddr,DstAddr\n');
    assert.equal(argusBinary.detect(text, ['StartTime,Proto,SrcAddr,DstAddr']), 0);
  });

  it('a real argus file is detected as argus-binary, with the version argus wrote', { skip: NO_ARGUS }, async (t) => {
    const file = argusFile(t, 'zeek-ftp-bigtransfer.pcap');
    const input = await openInput(file);
    assert.equal(argusBinaryVersion(input.head), 'argus 3');
    assert.equal(detectFormat(input.head, [])?.parser, argusBinary);
  });
});

describe('argus-binary: flows through ra against the pcap parser on the same capture', () => {
  for (const name of ['zeek-ftp-bigtransfer.pcap', 'zeek-ftp-ipv4-active-passive.pcap', 'zeek-smtp.pcap', 'zeek-ftp-ipv6-eprt-epsv.pcap']) {
    it(`${name}: same 5-tuples, packets and bytes per direction`, { skip: NO_ARGUS }, async (t) => {
      const items = await parse(argusBinary, argusFile(t, name));
      const ours = flowsOf(items);
      const pcap = flowsOf(await parse(pcapParser, fixture('pcap', name)));
      assert.ok(ours.length > 0);
      assert.deepEqual(perTuple(ours), perTuple(pcap));
      assert.deepEqual(items.filter((i) => i.kind === 'issue'), []);
      // argus ran with -A: app bytes are measured, and flowlink's TCP payload is the same count.
      const payload = (fs: FlowRecord[]) => fs.filter((f) => f.proto === 6).reduce((s, f) => s + (f.srcPayload ?? 0) + (f.dstPayload ?? 0), 0);
      assert.equal(payload(ours), payload(pcap));
      // Origins are flow record numbers in ra's output, management records not counted.
      assert.ok(ours.every((f) => f.origin.line >= 1 && f.byteBasis === 'link'));
      assert.ok(ours.some((f) => f.origin.line === 1));
    });
  }

  it('a gzipped argus file reads the same (the file reaches ra through its standard input)', { skip: NO_ARGUS }, async (t) => {
    const file = argusFile(t, 'zeek-ftp-bigtransfer.pcap');
    const gz = path.join(tempDir(t), 'x.argus.gz');
    writeFileSync(gz, gzipSync(readFileSync(file)));
    assert.equal(detectFormat((await openInput(gz)).head, [])?.parser, argusBinary);
    assert.deepEqual(perTuple(flowsOf(await parse(argusBinary, gz))), perTuple(flowsOf(await parse(argusBinary, file))));
  });

  it('without argus -A, payload is left unmeasured (not zero) and a note says so', { skip: NO_ARGUS }, async (t) => {
    const file = path.join(tempDir(t), 'noapp.argus');
    execFileSync('argus', ['-X', '-P', '0', '-r', fixture('pcap', 'zeek-ftp-bigtransfer.pcap'), '-w', file], { stdio: 'ignore' });
    const items = await parse(argusBinary, file);
    assert.ok(flowsOf(items).every((f) => f.srcPayload === undefined && f.dstPayload === undefined));
    assert.ok(items.some((i) => i.kind === 'note' && /without -A/.test(i.message)));
  });

  it('a file cut mid-record keeps the whole records and says where it ends', { skip: NO_ARGUS }, async (t) => {
    const whole = readFileSync(argusFile(t, 'zeek-ftp-bigtransfer.pcap'));
    const cut = path.join(tempDir(t), 'cut.argus');
    writeFileSync(cut, whole.subarray(0, 1000));
    const items = await parse(argusBinary, cut);
    assert.ok(flowsOf(items).length > 0);
    const issues = items.filter((i) => i.kind === 'issue');
    assert.equal(issues.length, 1);
    assert.match(issues[0].kind === 'issue' ? issues[0].reason : '', /file ends inside argus record \d+ \(\d+ bytes short\)/);
  });
});

describe('argus-binary: when ra is missing or fails', () => {
  it('no ra: one ArgusClientMissingError naming the file, how to install argus-client and how to convert', async (t) => {
    const file = path.join(tempDir(t), 'capture.argus');
    writeFileSync(file, marHead());
    const parser = createArgusBinaryParser({ ra: '/nonexistent/ra' });
    await assert.rejects(parse(parser, file), (e: unknown) => {
      assert.ok(e instanceof ArgusClientMissingError);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /capture\.argus: is an Argus binary file.*'\/nonexistent\/ra' was not found/);
      assert.match(e.hint!, /apt-get install argus-client/);
      assert.ok(e.hint!.includes(`ra ${raArguments(file).join(' ')}`));
      return true;
    });
  });

  it('FLOWLINK_RA names the ra binary', async (t) => {
    const file = path.join(tempDir(t), 'capture.argus');
    writeFileSync(file, marHead());
    const before = process.env.FLOWLINK_RA;
    process.env.FLOWLINK_RA = '/nonexistent/ra-from-env';
    t.after(() => {
      if (before === undefined) delete process.env.FLOWLINK_RA;
      else process.env.FLOWLINK_RA = before;
    });
    await assert.rejects(parse(createArgusBinaryParser(), file), /ra-from-env' was not found/);
  });

  it("ra's stderr becomes notes and a non-zero exit one issue; the rows it printed are kept", async (t) => {
    const file = path.join(tempDir(t), 'capture.argus');
    writeFileSync(file, marHead());
    const ra = fakeRa(
      t,
      [
        "echo 'StartTime,LastTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,SAppBytes,DAppBytes,State'",
        "echo '1395939399.984671,1395939399.984671,          ,man,0,0,,0,0,0,0,0,0,0,0,STA'",
        "echo '1395939399.984671,1395939402.090080, e        ,6,192.168.56.1,59762,   ->,192.168.56.101,21,11,7,765,1055,27,585,CON'",
        "echo 'ra: ArgusReadStreamSocket: record length 0 at 4096' >&2",
        'exit 3',
      ].join('\n'),
    );
    const items = await parse(createArgusBinaryParser({ ra }), file);
    const flows = flowsOf(items);
    assert.equal(flows.length, 1);
    assert.deepEqual([flows[0].src, flows[0].dport, flows[0].srcPkts, flows[0].dstBytes, flows[0].dstPayload, flows[0].origin.line], ['192.168.56.1', 21, 11, 1055, 585, 1]);
    assert.ok(items.some((i) => i.kind === 'note' && i.message === 'ra: ra: ArgusReadStreamSocket: record length 0 at 4096'));
    const issues = items.filter((i) => i.kind === 'issue');
    assert.equal(issues.length, 1);
    assert.match(issues[0].kind === 'issue' ? issues[0].reason : '', /^ra exited with status 3 after 1 flow record: ra: ArgusReadStreamSocket/);
  });

  it('a consumer that stops early does not leave ra running', async (t) => {
    const file = path.join(tempDir(t), 'capture.argus');
    writeFileSync(file, marHead());
    const ra = fakeRa(
      t,
      [
        "echo 'StartTime,LastTime,Flgs,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,SrcPkts,DstPkts,SrcBytes,DstBytes,SAppBytes,DAppBytes,State'",
        "echo '1395939399.984671,1395939402.090080, e        ,6,192.168.56.1,59762,   ->,192.168.56.101,21,11,7,765,1055,27,585,FIN'",
        'exec sleep 30',
      ].join('\n'),
    );
    const started = Date.now();
    for await (const item of createArgusBinaryParser({ ra }).parse(await openInput(file), TIME)) {
      assert.equal(item.kind, 'flow');
      break;
    }
    assert.ok(Date.now() - started < 10_000);
  });
});
