// What `flowlink events` spends formatting, apart from parsing: a file's events are parsed
// into memory once, then formatted as text lines and as --json lines, 64 KiB of output at a
// time as the command collects it, RUNS times (fastest kept). Nothing is written, but each
// chunk is encoded as UTF-8 as the write would (so its rope is flattened as there); text
// chunks are made terminal-safe first, as the command does (src/views/terminal-safe.ts), and
// `text, unsafe` times the same without that.
//   npx tsc && node bench/events-format.mjs FILE [runs=4] [--year 2008]
import { openStreams } from '../dist/src/sources/read-streams.js';
import { mergeByTime } from '../dist/src/sources/merge.js';
import { ClockText, eventJson, eventLine, IsoClock } from '../dist/src/views/event-lines.js';
import { terminalSafe } from '../dist/src/views/terminal-safe.js';

const file = process.argv[2];
const runs = Number(process.argv[3] ?? 4);
const { streams } = await openStreams([file], { zone: 'UTC', year: 2008 }, 'logs');
const events = [];
for await (const batch of mergeByTime(streams.map((s) => s.items)).batches) for (const e of batch) if (e.kind === 'log') events.push(e);

const same = (text) => text;
const formats = {
  text: () => {
    const clock = new ClockText('UTC');
    return { line: (e) => eventLine(e, clock), chunk: terminalSafe };
  },
  'text, unsafe': () => {
    const clock = new ClockText('UTC');
    return { line: (e) => eventLine(e, clock), chunk: same };
  },
  json: () => {
    const clock = new IsoClock();
    return { line: (e) => eventJson(e, clock), chunk: same };
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
      text += format.line(e) + '\n';
      if (text.length >= 1 << 16) {
        bytes += Buffer.byteLength(format.chunk(text));
        text = '';
      }
    }
    bytes += Buffer.byteLength(format.chunk(text));
    best = Math.min(best, performance.now() - t0);
  }
  const perEvent = (best * 1000) / events.length;
  console.log(`${name}: ${events.length} events, ${bytes} bytes, ${(best / 1000).toFixed(3)} s, ${perEvent.toFixed(2)} µs an event`);
}
