#!/usr/bin/env node
// The command line: flags in, exit codes out. 0 = explained, 1 = nothing to explain or
// nothing explained, 2 = the user's input or flags are wrong. I/O lives here and in views.
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { FlowlinkError, isFlowlinkError, RuleSyntaxError } from './errors.js';
import { readInputs } from './sources/read-inputs.js';
import { checkZone, parseDateOption, systemZone } from './time.js';
import { detectSpikes, DEFAULT_SPIKE_OPTIONS } from './analyses/spikes.js';
import { parseBinWidth } from './analyses/bins.js';
import { explainSpikes } from './analyses/correlate.js';
import { builtinRulesDir, loadRuleFiles } from './rules/load.js';
import type { RuleSet } from './rules/types.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { renderText } from './views/text.js';
import { reportJson, type Report } from './views/json.js';
import { parsers } from '../parsers/index.js';
import { plural } from './units.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

interface ExplainFlags {
  json?: boolean;
  tz: string[];
  year?: string;
  date?: string;
  rules: string[];
  builtinRules: boolean;
  bin?: string;
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

async function explain(inputs: string[], flags: ExplainFlags): Promise<number> {
  const { zone, zoneFor } = zones(flags.tz);
  const year = parseYear(flags.year);
  const date = flags.date ? parseDateOption(flags.date) : undefined;
  let binWidth: number | undefined;
  if (flags.bin !== undefined) {
    binWidth = parseBinWidth(flags.bin);
    if (binWidth === undefined) throw new FlowlinkError(`--bin '${flags.bin}' is not a duration`, 'use e.g. 30s, 1m, 5m, 1h');
  }
  const rules = await loadRules(flags.rules, flags.builtinRules);
  const progress = process.stderr.isTTY && !process.env.CI;
  const data = await readInputs(inputs, {
    zone: zone ?? systemZone(),
    zoneFor,
    year,
    date,
    onInput: progress ? (file, format) => process.stderr.write(`reading ${file} (${format})\n`) : undefined,
  });
  if (data.flows.length === 0) {
    process.stderr.write(`flowlink: no flow records in ${inputs.join(', ')}: nothing to find spikes in (give a capture or flow file)\n`);
    for (const i of data.inputs) if (i.skipped) process.stderr.write(`flowlink: skipped ${plural(i.skipped, 'line')} in ${i.file}, first at line ${i.firstSkipped!.line}: ${i.firstSkipped!.reason}\n`);
    return 1;
  }
  const { series, spikes } = detectSpikes(data.flows, { ...DEFAULT_SPIKE_OPTIONS, binWidth });
  const explained = explainSpikes(spikes, rules, data.logs);
  const report: Report = {
    spikes: explained,
    inputs: data.inputs,
    ignored: data.ignored,
    binWidth: series!.width,
    flows: data.flows.length,
    logs: data.logs.length,
    zone: zone ?? 'UTC',
  };
  if (flags.json) process.stdout.write(JSON.stringify(reportJson(report), null, 2) + '\n');
  else process.stdout.write(renderText(report));
  for (const i of data.inputs) {
    if (i.skipped > 0) process.stderr.write(`flowlink: skipped ${plural(i.skipped, 'line')} in ${i.file}, first at line ${i.firstSkipped!.line}: ${i.firstSkipped!.reason}\n`);
  }
  return explained.some((x) => x.explanations.length > 0) ? 0 : 1;
}

/** The built-in rule files (every `*.rule` in the package's rules/), then the user's, in order. */
async function loadRules(extra: string[], builtin: boolean): Promise<RuleSet> {
  const files: string[] = [];
  if (builtin) {
    const dir = builtinRulesDir();
    files.push(...readdirSync(dir).filter((f) => f.endsWith('.rule')).sort().map((f) => join(dir, f)));
  }
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
  cmd
    .command('explain')
    .description('find the spikes in flow records and explain them with log lines')
    .argument('<inputs...>', 'capture, flow and log files, or folders of them')
    .option('--json', 'print the report as JSON (shape in the README)')
    .option('--tz <zone>', 'zone of stamps without one (IANA name); FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of syslog stamps that have none')
    .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
    .option('--rules <file>', 'extra rule file (repeatable)', collect, [])
    .option('--no-builtin-rules', 'use only the rules given with --rules')
    .addOption(new Option('--bin <width>', 'time bin width, e.g. 30s, 1m, 5m (default: from the span)'))
    .addHelpText('after', '\nExamples:\n  flowlink explain samples/backup-spike\n  flowlink explain argus.txt /var/log/messages --tz Europe/Berlin --json\n')
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await explain(inputs, flags);
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
