// `flowlink ingest --db case.db INPUT...`: read inputs into a case file, only what is new.
import { closeStore, openStore, storeErrorFrom } from '../store/db.js';
import { ingestInputs, type IngestOptions, type IngestReport } from '../store/ingest.js';
import { plural } from '../units.js';

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
  }
  for (const i of report.ignored) lines.push(`${i.file}: ignored (${i.reason})`);
  lines.push(`stored ${plural(report.stored, 'record')} and ${plural(report.skipped, 'skipped line')} in ${report.seconds.toFixed(2)} s`);
  return lines.join('\n') + '\n';
}
