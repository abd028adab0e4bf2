// `.gz` captures: src/input.ts undoes gzip, so a gzipped capture must give exactly the flows,
// issues and notes of the plain file (detection included: the head is the inflated one).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ParseItem } from '../../../src/event.js';
import { headLines, openInput } from '../../../src/sources/input.js';
import type { TimeContext } from '../../../src/time.js';
import { detectFormat } from '../../../parsers/index.js';
import { pcapParser } from '../../../parsers/pcap/index.js';
import { fixturePath } from './helpers.js';

const TIME = { zone: 'UTC' } as TimeContext;

async function parse(file: string): Promise<ParseItem[]> {
  const input = await openInput(file);
  assert.equal(detectFormat(input.head, headLines(input.head))?.parser, pcapParser, `${file} detected as pcap`);
  const out: ParseItem[] = [];
  for await (const item of pcapParser.parse(input, TIME)) out.push(item);
  return out;
}

/** Everything but the file name, which differs by the `.gz`. */
function comparable(items: ParseItem[]): unknown[] {
  return items.map((i) => {
    if (i.kind === 'flow') return { ...i, origin: { ...i.origin, file: '' } };
    return { ...i, file: '' };
  });
}

describe('pcap: gzipped captures', () => {
  for (const name of ['zeek-ftp-bigtransfer.pcap', 'zeek-smtp-bdat-invalid.pcapng', 'zeek-ftp-ipv6-eprt-epsv.pcap']) {
    it(`${name}.gz gives the same flows as ${name}`, async (t) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-gzip-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const plain = fixturePath(name);
      const gz = path.join(dir, `${name}.gz`);
      writeFileSync(gz, gzipSync(readFileSync(plain)));
      const want = await parse(plain);
      assert.ok(want.some((i) => i.kind === 'flow'));
      assert.deepEqual(comparable(await parse(gz)), comparable(want));
    });
  }
});
