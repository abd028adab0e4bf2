// The parse half of an ingest, alone: each file through its parser (openInput + detection +
// parse, every item consumed), nothing stored. Its own process, so the bench can set its time
// beside `flowlink ingest`'s. Prints one JSON line.
//   node bench/store-parse-only.mjs FILE...
import { headLines, openInput } from '../dist/src/sources/input.js';
import { detectFormat } from '../dist/parsers/index.js';

const t0 = process.hrtime.bigint();
let records = 0;
let issues = 0;
for (const file of process.argv.slice(2)) {
  const input = await openInput(file);
  const parser = detectFormat(input.head, headLines(input.head))?.parser;
  if (!parser) throw new Error(`${file}: no parser claims it`);
  for await (const item of parser.parse(input, { zone: 'UTC', year: 2008 })) {
    if (item.kind === 'issue') issues++;
    else if (item.kind !== 'note') records++;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ records, issues, seconds, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }));
