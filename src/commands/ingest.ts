// `flowlink ingest --db case.db INPUT...`: read inputs into a case file, only what is new.
import type { Command } from 'commander';
import { closeStore, openStore, storeErrorFrom } from '../store/db.js';
import { ingestInputs, type IngestOptions, type IngestReport } from '../store/ingest.js';
import { plural } from '../units.js';
import { type CommonFlags, collect, formats, parseYear, zones } from './common.js';
import { parseDateOption, systemZone } from '../time.js';
import { progressFor } from '../views/progress.js';
import { flowAssemblyFromFlags } from '../../parsers/pcap/assembly-options.js';

export type { IngestOptions, IngestReport } from '../store/ingest.js';

export interface IngestCommandOptions extends IngestOptions {
  /** How long to wait for another writer, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/** Opens (or creates) the store at `dbPath`, ingests `inputs` into it and closes it. */
export async function ingestCommand(dbPath: string, inputs: string[], options: IngestCommandOptions): Promise<IngestReport> {
  const db = openStore(dbPath, { busyTimeoutMs: options.busyTimeoutMs });
  try {
    return await ingestInputs(db, inputs, options);
  } catch (error) {
    throw storeErrorFrom(error, dbPath);
  } finally {
    closeStore(db);
  }
}

const OUTCOME_WORDS: Record<string, string> = {
  new: 'new',
  grown: 'grown, read on',
  resumed: 'interrupted ingest finished',
  rotated: 'renamed',
  unchanged: 'unchanged, skipped',
  replaced: 'changed, read again',
  duplicate: 'same file as another input, skipped',
};

/** One line per input, then the totals: what the CLI prints after `ingest`. */
export function formatIngestReport(report: IngestReport): string {
  const lines: string[] = [];
  for (const f of report.files) {
    const was = f.previousPath ? ` (was ${f.previousPath})` : '';
    lines.push(`${f.path}${was}: ${f.format}, ${OUTCOME_WORDS[f.outcome]}: ${plural(f.stored, 'new record')}, ${plural(f.skipped, 'skipped line')}`);
    for (const w of f.warnings ?? []) lines.push(`  note: ${w}`);
  }
  for (const i of report.ignored) lines.push(`${i.file}: ignored (${i.reason})`);
  lines.push(`stored ${plural(report.stored, 'record')} and ${plural(report.skipped, 'skipped line')} in ${report.seconds.toFixed(2)} s`);
  return lines.join('\n') + '\n';
}

async function ingest(inputs: string[], flags: CommonFlags & { db: string }): Promise<number> {
  const { zone, zoneFor } = zones(flags.tz);
  const progress = progressFor(process.stderr);
  const report = await ingestCommand(flags.db, inputs, {
    zone: zone ?? systemZone(),
    zoneFor,
    year: parseYear(flags.year),
    date: flags.date ? parseDateOption(flags.date) : undefined,
    ...formats(flags.format),
    ...flowAssemblyFromFlags(flags),
    onInput: progress?.input,
    onProgress: progress?.update,
  }).finally(() => progress?.stop());
  process.stdout.write(flags.json ? JSON.stringify(report, null, 2) + '\n' : formatIngestReport(report));
  return 0;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('read inputs into a case file once; run it again to add only what is new (grown or rotated logs)')
    .argument('<inputs...>', 'capture, flow and log files, or folders of them')
    .requiredOption('--db <file>', 'the case file (SQLite), created if missing')
    .option('--json', 'print what was read as JSON')
    .option('--tz <zone>', 'zone of stamps without one (IANA name); FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of syslog stamps that have none')
    .option('--date <yyyy-mm-dd>', 'date of flow stamps that are time-of-day only (argus default)')
    .option('--format <name>', 'read every input as this format instead of detecting it; FILE=NAME for one input; repeatable', collect, [])
    .option('--idle-timeout <dur>', 'captures read for the first time: a flow silent this long is finished, e.g. 60s, 2m (default 120s)')
    .option('--status-interval <dur>', 'captures read for the first time: a status record per flow this often, like argus -S (default 5s)')
    .option('--max-flows <n>', 'captures read for the first time: most flows held at once (default 1000000)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  flowlink ingest --db case.db capture.pcap /var/log/messages   read them once\n' +
        '  flowlink ingest --db case.db /var/log/messages   later: only the new lines\n' +
        '  flowlink explain --db case.db                    explain from the case file\n',
    )
    .action(async (inputs: string[], flags: CommonFlags & { db: string }) => {
      process.exitCode = await ingest(inputs, flags);
    });
}
