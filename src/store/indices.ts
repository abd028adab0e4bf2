// The record indices (schema.ts RECORD_INDICES) during a bulk ingest: a B-tree built once from
// sorted rows costs less than one kept up to date row by row, so an ingest that brings at
// least as much as the store holds drops them first and builds them when its rows are in.
// A store left without them by a crash gets them back the next time it is opened for writing.
import type { Store } from './db.js';
import { RECORD_INDICES } from './schema.js';

/** Below this much input, keeping the indices up to date costs less than building them. */
export const DEFER_MIN_BYTES = 8 << 20;
/** Input bytes per stored record, roughly (a syslog line, an argus row): to compare input with store. */
const BYTES_PER_RECORD = 100;

const indexName = (spec: string): string => spec.slice(0, spec.indexOf(' '));

/** Creates the record indices that are missing. */
export function ensureRecordIndices(db: Store): void {
  for (const spec of RECORD_INDICES) db.exec(`CREATE INDEX IF NOT EXISTS ${spec}`);
}

/**
 * The indices a bulk ingest builds after its rows are in: those keyed by address, whose keys
 * come in random order. The time-keyed ones (and service, time) get their keys in about the
 * order rows are written, each input being read in time order: kept up to date, each row is
 * an append near the end of the B-tree, cheaper than a build that reads every wide row again
 * (BENCHMARKS.md (g)).
 */
export const DEFERRED_INDICES: readonly string[] = RECORD_INDICES.filter((spec) => / ON flow_rows\((src|dst)\)$/.test(spec));

export function dropRecordIndices(db: Store): void {
  db.transaction(() => {
    for (const spec of DEFERRED_INDICES) db.exec(`DROP INDEX IF EXISTS ${indexName(spec)}`);
  }).immediate();
}

/** Whether an ingest of `incomingBytes` should build the indices after its rows are in. */
export function shouldDeferIndices(db: Store, incomingBytes: number): boolean {
  if (incomingBytes < DEFER_MIN_BYTES) return false;
  const stored = db.prepare('SELECT (SELECT count(*) FROM flow_rows) + (SELECT count(*) FROM event_rows)').pluck().get() as number;
  return incomingBytes / BYTES_PER_RECORD >= stored;
}
