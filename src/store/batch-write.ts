// One ingest batch as one transaction: its rows, how far the segment is stored, and for a
// file's last batch the end of the file. Run on the main thread for an in-memory store and in
// the write worker (write-worker.ts) for a file store: the same function both ways, so the
// crash-safety argument of ingest.ts holds for either.
import type { FlowRecord, LogEvent } from '../event.js';
import type { Store } from './db.js';
import { RowWriter } from './rows.js';

export interface BatchFlows {
  ids: number[];
  lines: number[];
  /** The flows themselves (on the main thread), or ... */
  records?: FlowRecord[];
  /** ... their pack (flow-pack.ts), as the worker receives them. */
  pack?: Uint8Array;
}

export interface Batch {
  inputId: number;
  flows: BatchFlows;
  events: { id: number; line: number; event: LogEvent }[];
  /** The events packed (event-pack.ts), as the worker receives them. */
  eventPack?: Uint8Array;
  skips: { line: number; reason: string }[];
  /** progress_items, progress_lines, records stored in this batch. */
  progress: [items: number, lines: number, stored: number];
  /** The file's end, in the same transaction as its last rows. */
  final?: FinalUpdate;
}

export interface FinalUpdate {
  readMode: 'lines' | 'stream';
  consumedBytes: number;
  consumedLines: number;
  prelude: number;
  size: number;
  mtimeMs: number;
  fingerprint: string;
  fingerprintLen: number;
  format: string;
  notes: string[];
  nextOrdinal: number;
}

/** Prepared once per connection. */
export class BatchApplier {
  private readonly writer: RowWriter;
  private readonly progress;
  private readonly notesOf;
  private readonly finish;
  private readonly run;

  constructor(db: Store) {
    this.writer = new RowWriter(db);
    this.progress = db.prepare('UPDATE inputs SET progress_items = ?, progress_lines = ?, records = records + ? WHERE id = ?');
    this.notesOf = db.prepare('SELECT notes FROM inputs WHERE id = ?').pluck();
    this.finish = db.prepare(
      `UPDATE inputs SET state = 'complete', read_mode = ?, consumed_bytes = ?, consumed_lines = ?, prelude_lines = ?, size = ?, mtime_ms = ?,
         fingerprint = ?, fingerprint_len = ?, format = ?, notes = ?, next_ordinal = ?, last_ingest = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?`,
    );
    this.run = db.transaction((b: Batch): number => this.rows(b));
  }

  /** Commits the batch; returns how many of its skipped lines were new. */
  apply(batch: Batch): number {
    return this.run.immediate(batch);
  }

  private rows(b: Batch): number {
    const w = this.writer;
    const { ids, lines } = b.flows;
    if (b.flows.records) {
      const flows = b.flows.records;
      for (let k = 0; k < flows.length; k++) w.flowRecord(ids[k], b.inputId, lines[k], flows[k]);
    } else if (b.flows.pack) {
      w.flowsOfPack(b.inputId, b.flows.pack);
    }
    for (const e of b.events) w.logEvent(e.id, b.inputId, e.line, e.event);
    if (b.eventPack) w.eventsOfPack(b.inputId, b.eventPack);
    let skipped = 0;
    for (const s of b.skips) if (w.skippedLine(b.inputId, s.line, s.reason)) skipped++;
    w.flush();
    this.progress.run(b.progress[0], b.progress[1], b.progress[2], b.inputId);
    const f = b.final;
    if (f) {
      const before = JSON.parse(this.notesOf.get(b.inputId) as string) as string[];
      const notes = [...new Set([...before, ...f.notes])];
      this.finish.run(
        f.readMode, f.consumedBytes, f.consumedLines, f.prelude, f.size, f.mtimeMs, f.fingerprint, f.fingerprintLen, f.format, JSON.stringify(notes), f.nextOrdinal, b.inputId,
      );
    }
    return skipped;
  }
}
