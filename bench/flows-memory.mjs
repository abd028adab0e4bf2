// Memory while a capture is read into flows (the parser API, every flow consumed): RSS and V8
// heap in use after every EVERY MiB of capture, to show that memory follows the concurrent
// flows and not the packets read. `npx tsc` first; capture from bench/gen-capture.mjs.
//   node bench/flows-memory.mjs FILE [EVERY=1024]
import { openInput } from '../dist/src/sources/input.js';
import { parsePcapFlows } from '../dist/parsers/pcap/index.js';

const [file, everyArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/flows-memory.mjs FILE [EVERY_MIB=1024]');
  process.exit(2);
}
const every = Number(everyArg ?? 1024) * 2 ** 20;
const input = await openInput(file);
let read = 0;
let next = every;
const rows = [];
// Count the bytes as the parser pulls them (reused buffers when the input has them, as the
// parser reads them), and sample memory at each step.
const stream = input.reusedStream ?? input.stream;
input.reusedStream = undefined;
input.stream = async function* () {
  for await (const chunk of stream()) {
    read += chunk.length;
    if (read >= next) {
      next += every;
      const m = process.memoryUsage();
      rows.push([read, flows, m.rss, m.heapUsed]);
    }
    yield chunk;
  }
};
let flows = 0;
let pkts = 0;
for await (const item of parsePcapFlows(input)) {
  if (item.kind === 'flow') {
    flows++;
    pkts += item.pkts;
  }
}
const mb = (n) => (n / 2 ** 20).toFixed(0);
console.log(`${file}: ${pkts.toLocaleString('en-US')} packets, ${flows.toLocaleString('en-US')} flows; peak RSS ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
console.log('| capture read MiB | flows finished so far | RSS MiB | V8 heap used MiB |');
console.log('|---:|---:|---:|---:|');
for (const [r, f, rss, heap] of rows) console.log(`| ${mb(r)} | ${f.toLocaleString('en-US')} | ${mb(rss)} | ${mb(heap)} |`);
