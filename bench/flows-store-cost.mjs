// What the in-memory store would cost `flowlink flows`: the same listing work (every flow into
// the connection table, merged, top 10 by bytes) with the records streamed from the parsers
// (what `flows` does without --db) or read through loadFor's :memory: store (what the analysis
// commands do). One way per process, so each peak RSS is its own; run both in one go:
//   node bench/flows-store-cost.mjs FILE stream; node bench/flows-store-cost.mjs FILE store
import { streamFlowInputs } from '../dist/src/commands/flows-input.js';
import { loadFor } from '../dist/src/commands/common.js';
import { closeStore } from '../dist/src/store/db.js';
import { ConnectionTable, rankConnections } from '../dist/src/analyses/connections.js';

const [file, way = 'stream'] = process.argv.slice(2);
const t0 = performance.now();
const table = new ConnectionTable();
if (way === 'stream') {
  await streamFlowInputs([file], { zone: 'UTC' }, (f) => {
    f.parts = undefined;
    table.add(f);
  });
} else {
  const loaded = await loadFor([file], { tz: ['UTC'] });
  closeStore(loaded.store);
  for (const f of loaded.data.flows) {
    f.parts = undefined;
    table.add(f);
  }
}
const top = rankConnections(table.connections(), 'bytes', 10);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ way, records: table.records, top: top.length, seconds: Number(seconds.toFixed(2)), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
