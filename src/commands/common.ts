// What the analysis commands share: flags to read options, inputs through the store, rules.
import { Command, Option } from 'commander';
import { FlowlinkError } from '../errors.js';
import type { Dataset, ReadOptions } from '../sources/options.js';
import { closeStore, MEMORY, openStore, storeErrorFrom, type Store } from '../store/db.js';
import { ingestInputs } from '../store/ingest.js';
import { datasetFromStore, skippedLines, type DatasetOptions } from '../store/queries.js';
import { MICROS_PER_SECOND } from '../time.js';
import { collect, parseInstant, readOptionsFrom } from './read-options.js';
import { DEFAULT_SPIKE_OPTIONS, parseSensitivity, type SpikeOptions } from '../analyses/spikes.js';
import { parseBinWidth } from '../analyses/bins.js';
import type { ExplainedSpike } from '../event.js';
import { builtinRuleFiles, loadRuleFiles, ruleFilesFrom } from '../rules/load.js';
import type { RuleSet } from '../rules/types.js';
import type { ClockSkew } from '../analyses/clock-skew.js';
import type { Report } from '../views/json.js';
import { plural } from '../units.js';
import { flowAssemblyFromFlags } from '../../parsers/pcap/assembly-options.js';
import { progressFor } from '../views/progress.js';

export interface CommonFlags {
  json?: boolean;
  tz: string[];
  year?: string;
  date?: string;
  bin?: string;
  sensitivity?: string;
  db?: string;
  /** `--format NAME` / `--format FILE=NAME`, repeatable. */
  format?: string[];
  verbose?: boolean;
  /** Flow assembly from captures: `--idle-timeout`, `--status-interval`, `--max-flows`. */
  idleTimeout?: string;
  statusInterval?: string;
  maxFlows?: string;
}

export interface ExplainFlags extends CommonFlags {
  rules: string[];
  builtinRules: boolean;
  at?: string;
  from?: string;
  to?: string;
  html?: string;
}

// The read flags live in read-options.ts (light, for `events`); re-exported for the other commands.
export { collect, formats, parseInstant, parseYear, zones } from './read-options.js';

/** `--verbose`: every skipped line, file:line: reason, on stderr (the count per file follows). */
export function reportSkippedLines(store: Store): void {
  for (const s of skippedLines(store)) process.stderr.write(`flowlink: ${s.file}:${s.line}: skipped: ${s.reason}\n`);
}

/** Half the window `--at` explains around the moment given. */
export const AT_HALF_WINDOW = 15 * 60 * MICROS_PER_SECOND;

export function pickedWindow(flags: ExplainFlags, zone: string): { from: number; to: number } | undefined {
  if (flags.at !== undefined) {
    if (flags.from !== undefined || flags.to !== undefined) throw new FlowlinkError('--at cannot be combined with --from/--to');
    const t = parseInstant('--at', flags.at, zone);
    return { from: t - AT_HALF_WINDOW, to: t + AT_HALF_WINDOW };
  }
  if (flags.from === undefined && flags.to === undefined) return undefined;
  if (flags.from === undefined || flags.to === undefined) throw new FlowlinkError('--from and --to go together');
  const from = parseInstant('--from', flags.from, zone);
  const to = parseInstant('--to', flags.to, zone);
  if (to <= from) throw new FlowlinkError(`--to ${flags.to} is not after --from ${flags.from}`);
  return { from, to };
}

export function spikeOptions(flags: CommonFlags): SpikeOptions {
  const options = { ...DEFAULT_SPIKE_OPTIONS };
  if (flags.bin !== undefined) {
    const width = parseBinWidth(flags.bin);
    if (width === undefined) throw new FlowlinkError(`--bin '${flags.bin}' is not a duration`, 'use e.g. 30s, 1m, 5m, 1h');
    options.binWidth = width;
  }
  if (flags.sensitivity !== undefined) {
    const z = parseSensitivity(flags.sensitivity);
    if (z === undefined) throw new FlowlinkError(`--sensitivity '${flags.sensitivity}' is not low, normal, high or a z threshold`);
    options.z = z;
  }
  return options;
}

export function reportSkipped(data: Dataset): void {
  for (const i of data.inputs) {
    if (i.skipped > 0) process.stderr.write(`flowlink: skipped ${plural(i.skipped, 'line')} in ${i.file}, first at line ${i.firstSkipped!.line}: ${i.firstSkipped!.reason}\n`);
  }
}

export interface Loaded {
  data: Dataset;
  zone: string;
  store: Store;
}

/**
 * Flags to inputs on the timeline, always through the store: an in-memory one for a single
 * run, the case file with `--db` (inputs then only add what is new). Undefined, after saying
 * why, when there are no flows; the caller closes the store.
 */
export async function loadFor(inputs: string[], flags: CommonFlags, load: DatasetOptions = {}): Promise<Loaded | undefined> {
  const { options: read, zone } = readOptionsFrom(flags);
  if (inputs.length === 0 && !flags.db) throw new FlowlinkError('no inputs given', 'name capture, flow and log files or folders, or a case file with --db');
  // A bar on stderr only for a person at a terminal (src/views/progress.ts); nothing otherwise.
  const progress = progressFor(process.stderr);
  const options: ReadOptions = {
    ...read,
    ...flowAssemblyFromFlags(flags),
    onInput: progress?.input,
    onProgress: progress?.update,
  };
  const path = flags.db ?? MEMORY;
  const store = openStore(path);
  try {
    const ingested = inputs.length > 0 ? await ingestInputs(store, inputs, options).finally(() => progress?.stop()) : undefined;
    const data = datasetFromStore(store, load);
    if (ingested) data.ignored = ingested.ignored;
    if (flags.verbose) reportSkippedLines(store);
    if (data.flows.length === 0) {
      const why = data.ignored.length ? ` (${data.ignored.map((i) => `${i.file}: ${i.reason}`).join('; ')})` : '';
      process.stderr.write(`flowlink: no flow records in ${inputs.length ? inputs.join(', ') : path}${why}: nothing to find spikes in (give a capture or flow file)\n`);
      reportSkipped(data);
      closeStore(store);
      return undefined;
    }
    return { data, zone: zone ?? 'UTC', store };
  } catch (error) {
    closeStore(store);
    throw storeErrorFrom(error, path);
  }
}

export function reportOf(data: Dataset, zone: string, binWidth: number, spikes: ExplainedSpike[], clockSkew: ClockSkew[] = []): Report {
  return { spikes, inputs: data.inputs, ignored: data.ignored, binWidth, flows: data.flows.length, logs: data.logCount ?? data.logs.length, zone, clockSkew };
}

/** The built-in rule files (every `*.rule` in the package's rules/), then the user's, in order. */
export async function loadRules(extra: string[], builtin: boolean): Promise<RuleSet> {
  const files: string[] = [];
  if (builtin) files.push(...builtinRuleFiles());
  // A folder is its *.rule files in name order; a built-in named again loads once.
  files.push(...ruleFilesFrom(extra, files));
  if (files.length === 0) throw new FlowlinkError('no rules to explain with', 'drop --only-rules or give --rules FILE|DIR');
  return loadRuleFiles(files);
}


/** The flags every analysis command takes. */
export function withCommonOptions(c: Command): Command {
  return c
    .option('--json', 'print the report as JSON (shape in the README)')
    .option('--tz <zone>', 'zone of stamps without one (IANA name), also the zone times are shown in; FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of syslog stamps that have none')
    .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
    .addOption(new Option('--bin <width>', 'time bin width, e.g. 30s, 1m, 5m (default: from the span)'))
    .option('--sensitivity <level>', 'spike threshold: low, normal, high, or a robust z-score (default normal = 6)')
    .option('--db <file>', 'case file (SQLite): read what is stored there, adding only what is new in the inputs')
    .option('--format <name>', 'read every input as this format instead of detecting it; FILE=NAME for one input; repeatable (see `flowlink formats`)', collect, [])
    .option('--verbose', 'list every line no parser understood (file:line: reason) on stderr')
    .option('--idle-timeout <dur>', 'captures: a flow silent this long is finished, e.g. 60s, 2m (default 120s)')
    .option('--status-interval <dur>', 'captures: a status record per flow this often, like argus -S (default 5s)')
    .option('--max-flows <n>', 'captures: most flows held at once; past it the oldest are finished early, with a note (default 1000000)');
}

/** The flags that choose the rules (explain, timeline). */
export function withRuleOptions(c: Command): Command {
  return c
    .option('--rules <file|dir>', 'rule file, or folder of *.rule files, added to the built-in rules (repeatable)', collect, [])
    .addOption(new Option('--only-rules', 'use only the rules given with --rules, not the built-in ones').implies({ builtinRules: false }))
    .option('--no-builtin-rules', 'the same as --only-rules');
}
