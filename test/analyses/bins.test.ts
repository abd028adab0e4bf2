// Per-bin bytes against argus's own `rabins -M time 8s` on the same argus file: flowlink
// spreads each status record over the bins it spans in proportion to time, as rabins does.
// 8 s bins because argus aligns its 5 s status records to multiples of 5 s: at 1m no record
// would straddle a boundary, at 8 s most do.
// Fixtures: ra's status records and rabins's output of one capture (test/fixtures/flows/SOURCES.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { argusText } from '../../parsers/argus-text.js';
import type { FlowRecord } from '../../src/event.js';
import { alignedStart, binFlows } from '../../src/analyses/bins.js';
import { fixture, parseFile } from '../helpers.js';

const S = 1_000_000;
const WIDTH = 8 * S;

/** rabins prints one row per flow and bin; summed by bin start they are the link's series. */
function rabinsPerBin(file: string): Map<number, { pkts: number; bytes: number }> {
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const col = header.split(',');
  const at = (name: string) => col.indexOf(name);
  const out = new Map<number, { pkts: number; bytes: number }>();
  for (const row of rows) {
    const c = row.split(',');
    if (c[at('Proto')] === 'man') continue;
    const bin = alignedStart(Math.round(Number(c[at('StartTime')]) * S), WIDTH);
    const e = out.get(bin) ?? { pkts: 0, bytes: 0 };
    e.pkts += Number(c[at('TotPkts')]);
    e.bytes += Number(c[at('TotBytes')]);
    out.set(bin, e);
  }
  return out;
}

test('per-bin bytes and packets match rabins -M time 8s, status records split in proportion to time', async () => {
  const items = await parseFile(argusText, fixture('flows', 'ra-status-multiminute.csv'), { zone: 'UTC' });
  const flows = items.filter((i): i is FlowRecord => i.kind === 'flow');
  const bulk = flows.find((f) => f.dport === 21000)!;
  assert.ok(bulk.parts && bulk.parts.length > 40, 'the status records are kept as parts');
  const expected = rabinsPerBin(fixture('flows', 'rabins-8s-multiminute.csv'));
  const bins = [...expected.keys()].sort((a, b) => a - b);
  assert.ok(bins.length >= 28, `${bins.length} bins`);
  const series = binFlows(flows, bins[0], WIDTH, (bins[bins.length - 1] - bins[0]) / WIDTH + 1);
  let total = 0;
  let totalExpected = 0;
  bins.forEach((bin) => {
    const i = (bin - bins[0]) / WIDTH;
    const want = expected.get(bin)!;
    total += series.bytes[i];
    totalExpected += want.bytes;
    // rabins splits by the record's own times to the microsecond; a record's 5 s are ~385 KB,
    // so splitting at the wrong second would be off by ~77 KB, far above these 0.5%.
    assert.ok(Math.abs(series.bytes[i] - want.bytes) <= 0.005 * want.bytes + 1500, `bin ${i}: ${Math.round(series.bytes[i])} vs rabins ${want.bytes}`);
    assert.ok(Math.abs(series.pkts[i] - want.pkts) <= 0.01 * want.pkts + 3, `bin ${i}: ${Math.round(series.pkts[i])} pkts vs rabins ${want.pkts}`);
  });
  assert.ok(Math.abs(total - totalExpected) <= 0.001 * totalExpected, `total ${total} vs rabins ${totalExpected}`);
});

test('without status records the same flows would put every byte in the wrong minutes', async () => {
  const items = await parseFile(argusText, fixture('flows', 'ra-status-multiminute.csv'), { zone: 'UTC' });
  const flows = items.filter((i): i is FlowRecord => i.kind === 'flow').map((f) => ({ ...f, parts: undefined }));
  const expected = rabinsPerBin(fixture('flows', 'rabins-8s-multiminute.csv'));
  const bins = [...expected.keys()].sort((a, b) => a - b);
  const series = binFlows(flows, bins[0], WIDTH, (bins[bins.length - 1] - bins[0]) / WIDTH + 1);
  const worst = Math.max(...bins.map((bin) => Math.abs(series.bytes[(bin - bins[0]) / WIDTH] - expected.get(bin)!.bytes)));
  // The bulk transfer's rate changes (fast, slow, fast): spread evenly over its 3m40s it is far off.
  assert.ok(worst > 500_000, `worst bin off by ${worst}`);
});
