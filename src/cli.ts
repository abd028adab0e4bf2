#!/usr/bin/env node
// The command line: flags in, exit codes out. 0 = explained, 1 = nothing to explain or
// nothing explained, 2 = the user's input or flags are wrong. I/O lives here and in views.
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { FlowlinkError, isFlowlinkError, RuleSyntaxError } from './errors.js';
import type { ReadOptions } from './sources/options.js';
import { closeStore, MEMORY, openStore, storeErrorFrom, type Store } from './store/db.js';
import { ingestInputs } from './store/ingest.js';
import { datasetFromStore, saveExplainedSpikes } from './store/queries.js';
import { formatIngestReport, ingestCommand } from './commands/ingest.js';
import { queryCommand } from './commands/query.js';
import { createHash } from 'node:crypto';
import { checkZone, MICROS_PER_SECOND, parseDateOption, systemZone } from './time.js';
import { DEFAULT_SPIKE_OPTIONS, parseSensitivity, type SpikeOptions } from './analyses/spikes.js';
import { parseBinWidth } from './analyses/bins.js';
import { analyse, findSpikes } from './analyses/analyse.js';
import type { ExplainedSpike } from './event.js';
import type { Dataset } from './sources/options.js';
import { DateTime } from 'luxon';
import { builtinRuleFiles, loadRuleFiles } from './rules/load.js';
import type { RuleSet } from './rules/types.js';
import { readFileSync } from 'node:fs';
import { renderSpikes, renderText } from './views/text.js';
import { buildTimelineModel } from './views/timeline/model.js';
import { runTimeline, terminalProblem } from './views/timeline/run.js';
import { reportJson, type Report } from './views/json.js';
import { parsers } from '../parsers/index.js';
import { plural } from './units.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

interface CommonFlags {
  json?: boolean;
  tz: string[];
  year?: string;
  date?: string;
  bin?: string;
  sensitivity?: string;
  db?: string;
}

interface ExplainFlags extends CommonFlags {
  rules: string[];
  builtinRules: boolean;
  at?: string;
  from?: string;
  to?: string;
}

/** `--tz Europe/Berlin` for every input, `--tz maillog=America/New_York` for one. */
function zones(values: string[]): { zone?: string; zoneFor: Map<string, string> } {
  let zone: string | undefined;
  const zoneFor = new Map<string, string>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq > 0) zoneFor.set(v.slice(0, eq), checkZone(v.slice(eq + 1)));
    else zone = checkZone(v);
  }
  return { zone, zoneFor };
}

function parseYear(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}$/.test(text)) throw new FlowlinkError(`--year '${text}' is not a year`, 'use four digits, e.g. --year 2008');
  return Number(text);
}

/** `--at 2008-03-08T03:30` in the display zone (an explicit offset or Z wins). */
function parseInstant(flag: string, text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone, setZone: true });
  if (!dt.isValid) throw new FlowlinkError(`${flag} '${text}' is not a time`, 'use ISO 8601, e.g. 2008-03-08T03:30 (in --tz, default UTC) or 2008-03-08T03:30Z');
  return dt.toMillis() * 1000;
}

/** Half the window `--at` explains around the moment given. */
const AT_HALF_WINDOW = 15 * 60 * MICROS_PER_SECOND;

function pickedWindow(flags: ExplainFlags, zone: string): { from: number; to: number } | undefined {
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

function spikeOptions(flags: CommonFlags): SpikeOptions {
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

function reportSkipped(data: Dataset): void {
  for (const i of data.inputs) {
    if (i.skipped > 0) process.stderr.write(`flowlink: skipped ${plural(i.skipped, 'line')} in ${i.file}, first at line ${i.firstSkipped!.line}: ${i.firstSkipped!.reason}\n`);
  }
}

interface Loaded {
  data: Dataset;
  zone: string;
  store: Store;
}

/**
 * Flags to inputs on the timeline, always through the store: an in-memory one for a single
 * run, the case file with `--db` (inputs then only add what is new). Undefined, after saying
 * why, when there are no flows; the caller closes the store.
 */
async function loadFor(inputs: string[], flags: CommonFlags): Promise<Loaded | undefined> {
  const { zone, zoneFor } = zones(flags.tz);
  if (inputs.length === 0 && !flags.db) throw new FlowlinkError('no inputs given', 'name capture, flow and log files or folders, or a case file with --db');
  const options: ReadOptions = {
    zone: zone ?? systemZone(),
    zoneFor,
    year: parseYear(flags.year),
    date: flags.date ? parseDateOption(flags.date) : undefined,
    onInput: process.stderr.isTTY && !process.env.CI ? (file, format) => process.stderr.write(`reading ${file} (${format})\n`) : undefined,
  };
  const path = flags.db ?? MEMORY;
  const store = openStore(path);
  try {
    const ingested = inputs.length > 0 ? await ingestInputs(store, inputs, options) : undefined;
    const data = datasetFromStore(store);
    if (ingested) data.ignored = ingested.ignored;
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

/** Identifies the rules an explanation was made with, for explanations saved in a case file. */
function rulesVersion(rules: RuleSet): string {
  const hash = createHash('sha256');
  for (const file of rules.files) hash.update(file).update(readFileSync(file));
  return `${pkg.version}+${hash.digest('hex').slice(0, 12)}`;
}

function reportOf(data: Dataset, zone: string, binWidth: number, spikes: ExplainedSpike[]): Report {
  return { spikes, inputs: data.inputs, ignored: data.ignored, binWidth, flows: data.flows.length, logs: data.logs.length, zone };
}

async function explain(inputs: string[], flags: ExplainFlags): Promise<number> {
  const spikes = spikeOptions(flags);
  const { zone: displayZone } = zones(flags.tz);
  const window = pickedWindow(flags, displayZone ?? 'UTC');
  const rules = await loadRules(flags.rules, flags.builtinRules);
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  try {
    const analysis = analyse(data.flows, data.logs, rules, { spikes, window, zone });
    if (flags.db) saveExplainedSpikes(store, analysis.explained, rulesVersion(rules), { binWidth: analysis.series!.width });
    const report = reportOf(data, zone, analysis.series!.width, analysis.explained);
    process.stdout.write(flags.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : renderText(report));
    reportSkipped(data);
    return analysis.explained.some((x) => x.explanations.length > 0) ? 0 : 1;
  } finally {
    closeStore(store);
  }
}

async function spikesCommand(inputs: string[], flags: CommonFlags): Promise<number> {
  const options = spikeOptions(flags);
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  closeStore(store);
  const { series, spikes } = findSpikes(data.flows, { spikes: options, zone });
  const listed: ExplainedSpike[] = spikes.map((spike) => ({ spike, explanations: [], unexplainedBytes: spike.bytes, unexplained: spike.flows }));
  const report = reportOf(data, zone, series!.width, listed);
  process.stdout.write(flags.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : renderSpikes(report));
  reportSkipped(data);
  return spikes.length > 0 ? 0 : 1;
}

/** `flowlink timeline`: the same analysis as `explain`, browsed in the terminal. */
async function timeline(inputs: string[], flags: ExplainFlags): Promise<number> {
  // Before reading anything: without a terminal there is nothing to show it on.
  const problem = terminalProblem();
  if (problem) {
    process.stderr.write(problem);
    return 2;
  }
  const spikes = spikeOptions(flags);
  const window = pickedWindow(flags, zones(flags.tz).zone ?? 'UTC');
  const rules = await loadRules(flags.rules, flags.builtinRules);
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  let model;
  try {
    const analysis = analyse(data.flows, data.logs, rules, { spikes, window, zone });
    model = buildTimelineModel({ series: analysis.series!, spikes: analysis.explained, logs: data.logs, zone, flowCount: data.flows.length });
  } finally {
    closeStore(store);
  }
  const code = await runTimeline(model);
  // After the screen is restored: anything written while it is open garbles it.
  reportSkipped(data);
  return code;
}

async function ingest(inputs: string[], flags: CommonFlags & { db: string }): Promise<number> {
  const { zone, zoneFor } = zones(flags.tz);
  const report = await ingestCommand(flags.db, inputs, {
    zone: zone ?? systemZone(),
    zoneFor,
    year: parseYear(flags.year),
    date: flags.date ? parseDateOption(flags.date) : undefined,
  });
  process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatIngestReport(report));
  return 0;
}

/** The built-in rule files (every `*.rule` in the package's rules/), then the user's, in order. */
async function loadRules(extra: string[], builtin: boolean): Promise<RuleSet> {
  const files: string[] = [];
  if (builtin) files.push(...builtinRuleFiles());
  files.push(...extra);
  if (files.length === 0) throw new FlowlinkError('no rules to explain with', 'drop --no-builtin-rules or give --rules FILE');
  return loadRuleFiles(files);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function program(): Command {
  const cmd = new Command('flowlink')
    .description('Explain network traffic spikes by linking flow records to the service logs that caused them.')
    .version(pkg.version)
    .showSuggestionAfterError()
    .exitOverride();
  const common = (c: Command) =>
    c
      .option('--json', 'print the report as JSON (shape in the README)')
      .option('--tz <zone>', 'zone of stamps without one (IANA name), also the zone times are shown in; FILE=ZONE for one input; repeatable', collect, [])
      .option('--year <yyyy>', 'year of syslog stamps that have none')
      .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
      .addOption(new Option('--bin <width>', 'time bin width, e.g. 30s, 1m, 5m (default: from the span)'))
      .option('--sensitivity <level>', 'spike threshold: low, normal, high, or a robust z-score (default normal = 6)')
      .option('--db <file>', 'case file (SQLite): read what is stored there, adding only what is new in the inputs');
  common(
    cmd
      .command('explain')
      .description('find the spikes in flow records and explain them with log lines')
      .argument('[inputs...]', 'capture, flow and log files, or folders of them (optional with --db)'),
  )
    .option('--rules <file>', 'extra rule file (repeatable)', collect, [])
    .option('--no-builtin-rules', 'use only the rules given with --rules')
    .option('--at <time>', 'explain the 30 minutes around this time instead of the detected spikes')
    .option('--from <time>', 'explain this window (with --to) instead of the detected spikes')
    .option('--to <time>', 'end of the window given with --from')
    .addHelpText(
      'after',
      '\nExamples:\n  flowlink explain samples/backup-spike\n  flowlink explain argus.txt /var/log/messages --tz Europe/Berlin --json\n  flowlink explain capture.pcap messages --at 2008-03-08T03:30\n',
    )
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await explain(inputs, flags);
    });
  common(
    cmd
      .command('spikes')
      .description('list the spikes with the hosts, pairs and ports that make them up, and their recurrence')
      .argument('[inputs...]', 'capture and flow files, or folders of them (optional with --db)'),
  )
    .addHelpText('after', '\nExamples:\n  flowlink spikes samples/backup-spike\n  flowlink spikes capture.pcap --bin 1m --sensitivity high --json\n')
    .action(async (inputs: string[], flags: CommonFlags) => {
      process.exitCode = await spikesCommand(inputs, flags);
    });
  common(
    cmd
      .command('timeline')
      .description('browse the traffic, the spikes and the log events on one time axis in the terminal')
      .argument('[inputs...]', 'capture, flow and log files, or folders of them (optional with --db)'),
  )
    .option('--rules <file>', 'extra rule file (repeatable)', collect, [])
    .option('--no-builtin-rules', 'use only the rules given with --rules')
    .addHelpText('after', '\nKeys: left/right (h/l) move, +/- zoom, n/N next/previous spike, Enter details, Esc close, Tab focus, s sort, / filter, ? keys, q quit.\n\nExamples:\n  flowlink timeline samples/backup-spike\n  flowlink timeline --db case.db --tz Europe/Berlin\n')
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await timeline(inputs, flags);
    });
  cmd
    .command('ingest')
    .description('read inputs into a case file once; run it again to add only what is new (grown or rotated logs)')
    .argument('<inputs...>', 'capture, flow and log files, or folders of them')
    .requiredOption('--db <file>', 'the case file (SQLite), created if missing')
    .option('--json', 'print what was read as JSON')
    .option('--tz <zone>', 'zone of stamps without one (IANA name); FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of syslog stamps that have none')
    .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
    .addHelpText('after', '\nExamples:\n  flowlink ingest --db case.db capture.pcap /var/log/messages\n  flowlink explain --db case.db\n')
    .action(async (inputs: string[], flags: CommonFlags & { db: string }) => {
      process.exitCode = await ingest(inputs, flags);
    });
  cmd
    .command('query')
    .description('run SQL on a case file (read-only); views: flows, events, spikes, explanations (docs/store.md)')
    .argument('<sql>', 'the query')
    .requiredOption('--db <file>', 'the case file')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  flowlink query --db case.db "SELECT src, dst, sum(bytes) FROM flows GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10"\n')
    .action((sql: string, flags: { db: string; csv?: boolean; json?: boolean }) => {
      process.stdout.write(queryCommand(flags.db, sql, flags.json ? 'json' : flags.csv ? 'csv' : 'table'));
    });
  cmd
    .command('formats')
    .description('list the input formats flowlink reads')
    .action(() => {
      for (const p of parsers) process.stdout.write(`${p.name.padEnd(14)} ${p.produces.padEnd(6)} ${p.description}\n`);
    });
  return cmd;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message; help and version are not errors.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof RuleSyntaxError) {
      process.stderr.write(`flowlink: ${error.detailed}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    if (isFlowlinkError(error)) {
      process.stderr.write(`flowlink: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`flowlink: internal error (please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}

await main(process.argv);
