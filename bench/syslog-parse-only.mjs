// The parse-only path of `flowlink events`: a file through detection, its parser and the
// time-order merge, items counted, nothing printed. Prints `lines events seconds`.
//   node bench/syslog-parse-only.mjs FILE [--year 2008]
import { openStreams } from '../dist/src/sources/read-streams.js';
import { mergeByTime } from '../dist/src/sources/merge.js';

const file = process.argv[2];
const started = performance.now();
const { streams } = await openStreams([file], { zone: 'UTC', year: 2008 }, 'logs');
let events = 0;
let other = 0;
const merged = mergeByTime(streams.map((s) => s.items), { onOther: () => other++ });
for await (const batch of merged.batches) events += batch.length;
process.stdout.write(`${events} ${other} ${((performance.now() - started) / 1000).toFixed(3)}\n`);
