// Opening inputs: the reused-buffer read (InputFile.reusedStream) that the capture reader
// opts into gives the bytes stream() gives, on plain and gzip files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openInput } from '../../src/sources/input.js';
import { fixture } from '../helpers.js';
import { readFileSync } from 'node:fs';

async function collect(chunks: AsyncIterable<Buffer>): Promise<{ bytes: Buffer; buffers: ArrayBufferLike[] }> {
  const parts: Buffer[] = [];
  const buffers: ArrayBufferLike[] = [];
  // Copied as they come: a reused chunk is valid only until the next is asked for.
  for await (const c of chunks) {
    parts.push(Buffer.from(c));
    buffers.push(c.buffer);
  }
  return { bytes: Buffer.concat(parts), buffers };
}

describe('openInput: reused read buffers', () => {
  it('a capture of 4.5 MiB: the same bytes as stream(), read into two buffers taken in turn', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-input-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const one = readFileSync(fixture('pcap', 'loopback-ftp-passive-upload.pcap'));
    // A real capture's records repeated past four 1 MiB reads, with an odd tail.
    const parts = [one];
    let size = one.length;
    while (size < 4.5 * 2 ** 20) {
      parts.push(one.subarray(24));
      size += one.length - 24;
    }
    const file = path.join(dir, 'big.pcap');
    writeFileSync(file, Buffer.concat(parts));
    const input = await openInput(file);
    const plain = await collect(input.stream());
    const reused = await collect(input.reusedStream!());
    assert.ok(reused.bytes.equals(plain.bytes));
    assert.equal(reused.bytes.length, size);
    assert.ok(reused.buffers.length >= 5);
    assert.equal(new Set(reused.buffers).size, 2, 'two buffers, reused');
    assert.equal(new Set(plain.buffers).size, plain.buffers.length, 'stream() gives each chunk a buffer of its own');
  });

  it('a .gz file: the inflated bytes, as stream() gives them', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-input-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const raw = readFileSync(fixture('pcap', 'zeek-smtp.pcap'));
    const file = path.join(dir, 'smtp.pcap.gz');
    writeFileSync(file, gzipSync(raw));
    const input = await openInput(file);
    assert.ok((await collect(input.reusedStream!())).bytes.equals(raw));
  });

  it('stopping early closes the file without waiting for the end', async () => {
    const input = await openInput(fixture('pcap', 'zeek-ftp-bigtransfer.pcap'));
    let n = 0;
    for await (const chunk of input.reusedStream!()) {
      n += chunk.length;
      break;
    }
    assert.ok(n > 0);
  });
});
