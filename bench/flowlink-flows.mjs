// One run of flowlink's capture parser through the parser API (openInput + detection +
// pcapParser.parse, every flow consumed), as its own process so /usr/bin/time can measure it.
// Prints one JSON line: packets, flows, records and the process's peak RSS.
//   node bench/flowlink-flows.mjs FILE
import { headLines, openInput } from '../dist/src/sources/input.js';
import { detectFormat } from '../dist/parsers/index.js';

const file = process.argv[2];
const input = await openInput(file);
const parser = detectFormat(input.head, headLines(input.head))?.parser;
if (!parser) throw new Error(`${file}: no parser claims it`);
let flows = 0, pkts = 0, bytes = 0, records = 0, issues = 0;
const t0 = process.hrtime.bigint();
for await (const item of parser.parse(input, { zone: 'UTC' })) {
  if (item.kind === 'flow') {
    flows++;
    pkts += item.pkts;
    bytes += item.bytes;
    records += item.records;
  } else if (item.kind === 'issue') issues++;
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ format: parser.name, flows, pkts, bytes, records, issues, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
