import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Spike } from '../../src/event.js';
import { logWindowsFor } from '../../src/store/log-windows.js';
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';
import { allEvents, datasetFromStore } from '../../src/store/queries.js';
import { findSpikes } from '../../src/analyses/analyse.js';
import { DEFAULT_SPIKE_OPTIONS } from '../../src/analyses/spikes.js';
import { ROOT } from '../helpers.js';

const S = 1_000_000;
const spike = (start: number, end: number, flows: [number, number][] = []): Spike =>
  ({ start: start * S, end: end * S, flows: flows.map(([a, b]) => ({ flow: { start: a * S, end: b * S }, bytes: 1 })) }) as unknown as Spike;

test('each spike widened to its flows and the margin; overlapping windows merged, in time order', () => {
  const windows = logWindowsFor([spike(5000, 5300, [[4000, 5100]]), spike(1000, 1300), spike(5400, 5500, [[5450, 7000]])], 100 * S);
  assert.deepEqual(windows, [
    { from: 900 * S, to: 1400 * S },
    { from: 3900 * S, to: 7100 * S },
  ]);
  assert.deepEqual(logWindowsFor([]), []);
});

test('the sample: the log events near its spikes are read, and the count of all is kept', async (t) => {
  const db = openStore();
  t.after(() => closeStore(db));
  await ingestInputs(db, [path.join(ROOT, 'samples', 'backup-spike')], { zone: 'UTC' });
  const all = allEvents(db);
  let windows: ReturnType<typeof logWindowsFor> = [];
  const data = datasetFromStore(db, {
    logWindows: (flows) => (windows = logWindowsFor(findSpikes(flows, { spikes: DEFAULT_SPIKE_OPTIONS, zone: 'UTC' }).spikes)),
  });
  assert.ok(windows.length > 0);
  assert.equal(data.logCount, all.length);
  const inside = all.filter((e) => windows.some((w) => e.ts >= w.from && e.ts <= w.to));
  assert.ok(inside.length > 0 && inside.length < all.length, `${inside.length} of ${all.length} near the spikes`);
  assert.deepEqual(data.logs, inside);
});
