// What `flowlink events` spends formatting, apart from parsing: a file's events are parsed
// into memory once, then formatted as text lines and as --json lines, 64 KiB of output at a
// time as the command collects it, RUNS times (fastest kept). Nothing is written.
//   npx tsc && node bench/events-format.mjs FILE [runs=4] [--year 2008]
import { openStreams } from '../dist/src/sources/read-streams.js';
import { mergeByTime } from '../dist/src/sources/merge.js';
import { ClockText, eventJson, eventLine, IsoClock } from '../dist/src/views/event-lines.js';

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 4);
const { streams } = await openStreams([file], { zone: 'UTC', year: 2008 }, 'logs');
const events = [];
for await (const batch of mergeByTime(streams.map((s) => s.items)).batches) for (const e of batch) if (e.kind === 'log') events.push(e);

const formats = {
  text: () => {
    const clock = new ClockText('UTC');
    return (e) => eventLine(e, clock);
  },
  json: () => {
    const clock = new IsoClock();
    return (e) => eventJson(e, clock);
  },
};
for (const [name, make] of Object.entries(formats)) {
  let best = Infinity;
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const format = make();
    const t0 = performance.now();
    let text = '';
    bytes = 0;
    for (const e of events) {
      text += format(e) + '\n';
      if (text.length >= 1 << 16) {
        bytes += text.length;
        text = '';
      }
    }
    bytes += text.length;
    best = Math.min(best, performance.now() - t0);
  }
  const perEvent = (best * 1000) / events.length;
  console.log(`${name}: ${events.length} events, ${bytes} bytes, ${(best / 1000).toFixed(3)} s, ${perEvent.toFixed(2)} µs an event`);
}
