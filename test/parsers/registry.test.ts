// Every parser against its own samples and everyone else's (lnav's rule: each format matches
// its samples, and the most specific format wins on them).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { headLines, openInput } from '../../src/sources/input.js';
import type { TimeContext } from '../../src/time.js';
import { chooseParser, closestName, detectFormat, parserNamed, parsers } from '../../parsers/index.js';
import { FlowlinkError } from '../../src/errors.js';
import { fixture, parseFile } from '../helpers.js';

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

describe('--format names', () => {
  it('finds each parser by its name and suggests the closest for a slip', () => {
    for (const p of parsers) assert.equal(parserNamed(p.name), p);
    assert.equal(closestName('pureftpd', parsers.map((p) => p.name)), 'pure-ftpd');
    assert.equal(closestName('zeek', parsers.map((p) => p.name)), 'zeek-conn');
    assert.equal(closestName('Syslog', parsers.map((p) => p.name)), 'syslog');
    assert.equal(closestName('wireshark', parsers.map((p) => p.name)), undefined);
    assert.throws(
      () => parserNamed('postfx'),
      (e: unknown) => e instanceof FlowlinkError && e.message === "--format 'postfx' is not a format (did you mean postfix?)" && /argus-text, zeek-conn/.test(e.hint ?? ''),
    );
    assert.throws(() => parserNamed('wireshark'), (e: unknown) => e instanceof FlowlinkError && !/did you mean/.test(e.message));
  });

  it('an override for one file (by name or path) beats the one for all, which beats detection', async () => {
    const file = fixture('logs', 'pure-ftpd-backup.log');
    const input = await openInput(file);
    const lines = headLines(input.head);
    assert.equal(chooseParser(file, input.head, lines)?.parser.name, 'pure-ftpd');
    assert.equal(chooseParser(file, input.head, lines, { format: 'syslog' })?.parser.name, 'syslog');
    const forOne = new Map([['pure-ftpd-backup.log', 'xferlog']]);
    assert.equal(chooseParser(file, input.head, lines, { format: 'syslog', formatFor: forOne })?.parser.name, 'xferlog');
    assert.equal(chooseParser(file, input.head, lines, { formatFor: new Map([[file, 'postfix']]) })?.parser.name, 'postfix');
    assert.equal(chooseParser(file, input.head, lines, { formatFor: new Map([['other.log', 'postfix']]) })?.parser.name, 'pure-ftpd');
    // Taken as given even when the head does not look like it: score 0.
    assert.equal(chooseParser(file, input.head, lines, { format: 'xferlog' })?.score, 0);
  });
});
