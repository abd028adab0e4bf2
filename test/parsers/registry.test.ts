// Every parser against its own samples and everyone else's (lnav's rule: each format matches
// its samples, and the most specific format wins on them).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { detectFormat, parsers } from '../../parsers/index.js';
import { parseFile } from '../helpers.js';

// A date too, for argus's time-only default stamps.
const TIME: TimeContext = { zone: 'UTC', year: 2020, date: { year: 2012, month: 2, day: 21 } };

async function withSample(text: string, run: (file: string) => Promise<void>): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowlink-registry-'));
  const file = path.join(dir, 'sample.log');
  await fs.writeFile(file, text + '\n');
  try {
    await run(file);
  } finally {
    await fs.rm(dir, { recursive: true });
  }
}

describe('parser registry', () => {
  it('has unique names', () => {
    assert.equal(new Set(parsers.map((p) => p.name)).size, parsers.length);
  });

  for (const parser of parsers) {
    // Binary formats (pcap) have no text samples; their readers are tested on real captures.
    if (parser.samples.length === 0) continue;
    // Log formats are line by line: each sample stands alone. Flow tables (argus, Zeek,
    // nfdump) need their header line, so their samples are one file, header first.
    const units = parser.produces === 'logs' ? parser.samples : [parser.samples.join('\n')];
    describe(parser.name, () => {
      it('accepts each of its samples, and parsing one alone gives an event and no issue', async () => {
        for (const sample of units) {
          await withSample(sample, async (file) => {
            const input = await openInput(file);
            const lines = headLines(input.head);
            assert.ok(parser.detect(input.head, lines) > 0, `${parser.name} does not claim: ${sample}`);
            const items = await parseFile(parser, file, TIME);
            assert.ok(items.some((i) => i.kind === 'log' || i.kind === 'flow'), `no event from: ${sample}`);
            assert.deepEqual(items.filter((i) => i.kind === 'issue'), [], sample);
          });
        }
      });

      it('is the highest-scoring parser on its samples', async () => {
        for (const sample of units) {
          await withSample(sample, async (file) => {
            const input = await openInput(file);
            const lines = headLines(input.head);
            const scores = parsers.map((p) => `${p.name}=${p.detect(input.head, lines)}`).join(' ');
            assert.equal(detectFormat(input.head, lines)?.parser.name, parser.name, `${sample}\n${scores}`);
          });
        }
      });
    });
  }
});
