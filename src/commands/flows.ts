// `flowlink flows`: the flows merged per connection, filtered with a pcap-style expression,
// largest first, like `racluster | rasort -m bytes`. Without --db the records stream from the
// parsers (flows-input.ts says why); with --db they come from the case file.
import { Command, Option } from 'commander';
import type { FlowRecord } from '../event.js';
import { FlowlinkError } from '../errors.js';
import { closeStore } from '../store/db.js';
import type { ReadOptions } from '../sources/options.js';
import { parseDateOption, systemZone } from '../time.js';
import { plural } from '../units.js';
import { ConnectionTable, rankConnections, SORT_KEYS, type SortKey } from '../analyses/connections.js';
import { flowFilter, type FlowPredicate } from '../analyses/flow-filter.js';
import { flowListCsv, flowListJson, renderFlowTable, type FlowListing } from '../views/flow-list.js';
import { collect, loadFor, parseYear, reportSkipped, zones } from './common.js';
import { streamFlowInputs } from './flows-input.js';

export interface FlowsFlags {
  filter?: string;
  sort: string;
  top?: string;
  json?: boolean;
  csv?: boolean;
  tz: string[];
  year?: string;
  date?: string;
  db?: string;
}

function parseTop(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new FlowlinkError(`--top '${text}' is not a positive whole number`, 'e.g. --top 20');
  return Number(text);
}

function parseSort(text: string): SortKey {
  if (!(SORT_KEYS as string[]).includes(text)) throw new FlowlinkError(`--sort '${text}' is not one of ${SORT_KEYS.join(', ')}`);
  return text as SortKey;
}

/** Reads, filters, merges and ranks; returns the exit code (0 listed, 1 none matched). */
export async function flowsCommand(inputs: string[], flags: FlowsFlags): Promise<number> {
  if (flags.json && flags.csv) throw new FlowlinkError('--json and --csv go one at a time');
  const sort = parseSort(flags.sort);
  const top = parseTop(flags.top);
  // The filter is checked before anything is read: a typo should not wait for a 10 GB capture.
  const keep: FlowPredicate = flags.filter !== undefined ? flowFilter(flags.filter) : () => true;
  const { zone, zoneFor } = zones(flags.tz);
  const table = new ConnectionTable();
  let listing: Omit<FlowListing, 'flows' | 'matched' | 'connections' | 'records'>;
  const base = { filter: flags.filter, sort, top, zone: zone ?? 'UTC' };
  // The listing prints no status intervals: dropping them keeps one small record per flow.
  const take = (f: FlowRecord) => {
    f.parts = undefined;
    table.add(f);
  };
  if (flags.db) {
    const loaded = await loadFor(inputs, flags);
    if (!loaded) return 1;
    closeStore(loaded.store);
    for (const f of loaded.data.flows) take(f);
    listing = { ...base, inputs: loaded.data.inputs, ignored: loaded.data.ignored };
  } else {
    if (inputs.length === 0) throw new FlowlinkError('no inputs given', 'name capture or flow files or folders, or a case file with --db');
    const options: ReadOptions = {
      zone: zone ?? systemZone(),
      zoneFor,
      year: parseYear(flags.year),
      date: flags.date ? parseDateOption(flags.date) : undefined,
      onInput: process.stderr.isTTY && !process.env.CI ? (file, format) => process.stderr.write(`reading ${file} (${format})\n`) : undefined,
    };
    const read = await streamFlowInputs(inputs, options, take);
    listing = { ...base, ...read };
  }
  reportSkipped({ flows: [], logs: [], inputs: listing.inputs, ignored: listing.ignored });
  if (table.records === 0) {
    const why = listing.ignored.length ? ` (${listing.ignored.map((i) => `${i.file}: ${i.reason}`).join('; ')})` : '';
    process.stderr.write(`flowlink: no flow records in ${inputs.length ? inputs.join(', ') : flags.db}${why}: give a capture or flow file\n`);
    return 1;
  }
  // Filtering after the merge is the same as before it (a filter reads only the key fields)
  // and gives the count of all connections for the headline.
  const connections = table.connections();
  const matched = connections.filter(keep);
  const ranked = rankConnections(matched, sort, top);
  const full: FlowListing = { ...listing, flows: ranked, matched: matched.length, connections: connections.length, records: table.records };
  if (ranked.length === 0) {
    process.stderr.write(`flowlink: no connection matches '${flags.filter}' (of ${plural(full.connections, 'connection')} read)\n`);
    if (flags.json) process.stdout.write(JSON.stringify(flowListJson(full), null, 2) + '\n');
    return 1;
  }
  process.stdout.write(flags.json ? JSON.stringify(flowListJson(full), null, 2) + '\n' : flags.csv ? flowListCsv(full) : renderFlowTable(full));
  return 0;
}

export function registerFlows(program: Command): void {
  program
    .command('flows')
    .description('list the flows merged per connection, filtered and sorted (like racluster | rasort)')
    .argument('[inputs...]', 'capture and flow files, or folders of them (optional with --db)')
    .option('--filter <expr>', "pcap-style filter: host, net, port, portrange, src/dst, tcp/udp/icmp/icmp6/ip/ip6, proto N, and/or/not, ( ), e.g. 'not port 80 and not port 25'")
    .addOption(new Option('--sort <key>', 'largest first by bytes, pkts, rate (bytes/s) or duration').default('bytes'))
    .option('--top <n>', 'only the first N connections')
    .option('--json', 'print JSON: the flows with the field names of explain --json')
    .option('--csv', 'print CSV with a header line')
    .option('--tz <zone>', 'zone of stamps without one (IANA name), also the zone times are shown in; FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of stamps that have none')
    .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
    .option('--db <file>', 'case file (SQLite): list what is stored there, adding only what is new in the inputs')
    .addHelpText(
      'after',
      "\nExamples:\n  flowlink flows capture.pcap --top 10\n  flowlink flows capture.pcap --filter 'host 10.2.3.102 and not port 22' \\\n    --sort rate\n  flowlink flows argus.txt --filter 'dst port 21 or portrange 20000-60000' --csv\n" +
        '\nExit codes: 0 flows listed, 1 no flow matched (or no flows), 2 a bad flag,\nfilter or input.\n',
    )
    .action(async (inputs: string[], flags: FlowsFlags) => {
      process.exitCode = await flowsCommand(inputs, flags);
    });
}
