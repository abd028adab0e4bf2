// `flowlink flows`: the flows merged per connection, filtered with a pcap-style expression,
// largest first, like `racluster | rasort -m bytes`. Without --db the records stream from the
// parsers (flows-input.ts says why); with --db they come from the case file.
import { Command, Option } from 'commander';
import type { FlowRecord } from '../event.js';
import { FlowlinkError } from '../errors.js';
import { plural } from '../units.js';
import { ConnectionTable, rankTable, SORT_KEYS, type SortKey } from '../analyses/connections.js';
import { flowFilter, type FlowPredicate } from '../analyses/flow-filter.js';
import { flowListCsv, flowListJson, renderFlowTable, type FlowListing } from '../views/flow-list.js';
// Light imports only: the store, the rules and SQLite (common.js) load for --db alone, so that a
// capture listing does not pay their start-up.
import { collect, readOptionsFrom, type ReadFlags } from './read-options.js';
import { flowAssemblyFromFlags } from '../../parsers/pcap/assembly-options.js';
import { streamFlowInputs } from './flows-input.js';

export interface FlowsFlags extends ReadFlags {
  filter?: string;
  sort: string;
  top?: string;
  json?: boolean;
  csv?: boolean;
  db?: string;
  /** Flow assembly from captures, as for the analysis commands. */
  idleTimeout?: string;
  statusInterval?: string;
  maxFlows?: string;
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
  const keep: FlowPredicate | undefined = flags.filter !== undefined ? flowFilter(flags.filter) : undefined;
  const assembly = flowAssemblyFromFlags(flags);
  const { options: read, zone } = readOptionsFrom(flags);
  // Running totals per connection, never the records: memory follows connections (connections.ts).
  const table = new ConnectionTable();
  let listing: Omit<FlowListing, 'flows' | 'matched' | 'connections' | 'records'>;
  const base = { filter: flags.filter, sort, top, zone: zone ?? 'UTC' };
  // The listing prints no status intervals, and the table keeps none (it keeps no record at all).
  const take = (f: FlowRecord) => table.add(f);
  if (flags.db) {
    const [{ loadFor }, { closeStore }] = await Promise.all([import('./common.js'), import('../store/db.js')]);
    const loaded = await loadFor(inputs, flags);
    if (!loaded) return 1;
    closeStore(loaded.store);
    for (const f of loaded.data.flows) take(f);
    listing = { ...base, inputs: loaded.data.inputs, ignored: loaded.data.ignored };
  } else {
    if (inputs.length === 0) throw new FlowlinkError('no inputs given', 'name capture or flow files or folders, or a case file with --db');
    const onInput = process.stderr.isTTY && !process.env.CI ? (file: string, format: string) => process.stderr.write(`reading ${file} (${format})\n`) : undefined;
    const streamed = await streamFlowInputs(inputs, { ...read, ...assembly, onInput }, take);
    listing = { ...base, ...streamed };
  }
  if (listing.inputs.some((i) => i.skipped > 0)) (await import('./common.js')).reportSkipped({ flows: [], logs: [], inputs: listing.inputs, ignored: listing.ignored });
  if (table.records === 0) {
    const why = listing.ignored.length ? ` (${listing.ignored.map((i) => `${i.file}: ${i.reason}`).join('; ')})` : '';
    process.stderr.write(`flowlink: no flow records in ${inputs.length ? inputs.join(', ') : flags.db}${why}: give a capture or flow file\n`);
    return 1;
  }
  // Filtering after the merge: the filter's src and dst are the connection's initiator and
  // responder, known only once its records are merged; it also gives the headline's count of all.
  const ranked = rankTable(table, sort, top, keep);
  const full: FlowListing = { ...listing, flows: ranked.flows, matched: ranked.matched, connections: ranked.connections, records: table.records };
  if (ranked.flows.length === 0) {
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
    .option('--format <name>', 'read every input as this format instead of detecting it; FILE=NAME for one input; repeatable (see `flowlink formats`)', collect, [])
    .option('--db <file>', 'case file (SQLite): list what is stored there, adding only what is new in the inputs')
    .option('--idle-timeout <dur>', 'captures: a flow silent this long is finished, e.g. 60s, 2m (default 120s)')
    .option('--status-interval <dur>', 'captures: a status record per flow this often, like argus -S (default 5s)')
    .option('--max-flows <n>', 'captures: most flows held at once; past it the oldest are finished early, with a note (default 1000000)')
    .addHelpText(
      'after',
      "\nExamples:\n  flowlink flows capture.pcap --top 10\n  flowlink flows capture.pcap --filter 'host 10.2.3.102 and not port 22' \\\n    --sort rate\n  flowlink flows argus.txt --filter 'dst port 21 or portrange 20000-60000' --csv\n" +
        '\nExit codes: 0 flows listed, 1 no flow matched (or no flows), 2 a bad flag,\nfilter or input.\n',
    )
    .action(async (inputs: string[], flags: FlowsFlags) => {
      process.exitCode = await flowsCommand(inputs, flags);
    });
}
