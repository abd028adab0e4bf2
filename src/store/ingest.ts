// Incremental ingest: each input file is known by its identity (device, inode and a
// fingerprint of its first 4 KiB), not its name, and by how far it has been read. A file that
// grew is read from there, a rotated one keeps its rows, an unchanged one is skipped.
//
// Crash safety: rows go in by batches, each one transaction, with the count of the segment's
// items stored so far. A file stays in state 'reading' until its last batch, which also moves
// the byte offset and line it was read to. Parsers hold records across lines (a syslog line
// waits for its continuation lines, argus merges status records), so the only safe restart
// point for an interrupted file is the start of its segment: the next ingest reads the segment
// again with the same time context, passes over the items already stored (parsing is
// deterministic) and stores the rest under the ids they would have had (schema.ts
// ORDINALS_PER_INPUT). Nothing is stored twice or lost, even where one line gives two records.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FlowRecord, LogEvent, ParseIssue, ParseItem } from '../event.js';
import { InputError } from '../errors.js';
import { expandInputs, headLines, openInput } from '../sources/input.js';
import type { Dataset, ReadOptions } from '../sources/options.js';
import { microsToLocalDate, type TimeContext } from '../time.js';
import { chooseParser, parsers, unknownFormat } from '../../parsers/index.js';
import type { Parser, TimeCompleteness } from '../../parsers/parser.js';
import { StoreError, storeErrorFrom, type Store } from './db.js';
import { MAX_INPUT_ID, ORDINALS_PER_INPUT } from './schema.js';
import { storedSpan } from './queries.js';
import { packsEvents } from './rows.js';
import { ResumableInput, START, type ResumePoint } from './resumable-input.js';
import { batchSinkFor, type BatchSink } from './batch-sink.js';
import type { Batch } from './batch-write.js';
import { dropRecordIndices, ensureRecordIndices, shouldDeferIndices } from './indices.js';
import { anchoredTimeContext, inReadOrder, zoneOf, type TimeSpan } from '../sources/time-anchoring.js';
import { assemblyDifference, assemblyOf, storedAssembly, type StoredAssembly } from './assembly.js';

export const FINGERPRINT_BYTES = 4096;
export const DEFAULT_BATCH = 20_000;

export interface IngestOptions extends ReadOptions {
  /** Records per transaction. */
  batchSize?: number;
  /** How long the write worker waits for another process's write lock, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * Keep the record indices up to date row by row ('during'), or drop them and build them
   * when the rows are in ('after'); default: 'after' when the input is at least as big as the store.
   */
  indices?: 'during' | 'after';
  /** Called after each committed batch (progress; tests use it to pace a crash). */
  onBatch?: (file: string, lineReached: number) => void;
}

/**
 * new: first seen; grown: read on from where it stopped; resumed: an interrupted ingest
 * finished; rotated: known content under a new name (read on if it grew); unchanged: skipped;
 * replaced: a binary input that changed, read again whole; duplicate: the same file twice.
 */
export type IngestOutcome = 'new' | 'grown' | 'resumed' | 'rotated' | 'unchanged' | 'replaced' | 'duplicate';

export interface IngestedFile {
  path: string;
  format: string;
  inputId: number;
  outcome: IngestOutcome;
  /** The name it had in the store before, when it was renamed (rotated). */
  previousPath?: string;
  /** Flows or events newly stored. */
  stored: number;
  /** Skipped lines newly stored. */
  skipped: number;
  notes: string[];
  /** What was asked for and did not apply (flow assembly flags for a capture already stored); printed under the file. */
  warnings?: string[];
}

export interface IngestReport {
  files: IngestedFile[];
  /** Files in a folder no parser claims, and empty files. */
  ignored: Dataset['ignored'];
  stored: number;
  skipped: number;
  seconds: number;
  rowsPerSecond: number;
}

interface InputRow {
  id: number;
  path: string;
  format: string;
  dev: number;
  ino: number;
  size: number;
  mtime_ms: number;
  fingerprint: string;
  fingerprint_len: number;
  compressed: number;
  read_mode: 'lines' | 'stream';
  consumed_bytes: number;
  consumed_lines: number;
  prelude_lines: number;
  state: 'reading' | 'complete';
  segment_start_bytes: number;
  segment_start_lines: number;
  next_ordinal: number;
  segment_start_ordinal: number;
  progress_items: number;
  time_context: string;
  notes: string;
  assembly: string | null;
}

interface Candidate {
  path: string;
  dev: bigint;
  ino: bigint;
  size: number;
  mtimeMs: number;
  mtime: Date;
  head: Buffer;
  compressed: boolean;
  parser: Parser;
  completeness: TimeCompleteness;
}

type Plan =
  | { kind: 'skip'; outcome: 'unchanged' | 'rotated' | 'duplicate'; row?: InputRow }
  | { kind: 'read'; outcome: IngestOutcome; row?: InputRow; from: ResumePoint; deleteFromLine?: number };

export function fingerprintOf(head: Buffer, length = Math.min(head.length, FINGERPRINT_BYTES)): string {
  return createHash('sha256').update(head.subarray(0, length)).digest('hex');
}

const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** 64-bit inode and device numbers, as SQLite's signed INTEGER holds them. */
const int64 = (v: bigint): bigint => BigInt.asIntN(64, v);

async function candidateFor(file: string, explicit: boolean, ignored: Dataset['ignored'], options: ReadOptions): Promise<Candidate | undefined> {
  let input;
  let st;
  let raw: Buffer;
  try {
    st = await fs.stat(file, { bigint: true });
    input = await openInput(file);
    const fh = await fs.open(file, 'r');
    try {
      raw = Buffer.alloc(2);
      await fh.read(raw, 0, 2, 0);
    } finally {
      await fh.close();
    }
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  if (input.head.length === 0) {
    // A log just rotated is empty; not an error for ingest, which is run again and again.
    ignored.push({ file, reason: 'empty file' });
    return undefined;
  }
  const lines = headLines(input.head);
  const found = chooseParser(file, input.head, lines, options);
  if (!found) {
    if (explicit) throw unknownFormat(file, lines);
    ignored.push({ file, reason: 'unknown format' });
    return undefined;
  }
  return {
    path: file,
    dev: int64(st.dev),
    ino: int64(st.ino),
    size: Number(st.size),
    mtimeMs: Number(st.mtimeMs),
    mtime: input.mtime,
    head: input.head,
    compressed: isGzip(raw),
    parser: found.parser,
    completeness: found.parser.timeCompleteness(lines),
  };
}

/** The stored input this file is, if any: same inode first, then same first bytes (a copy or a compressed rotation). */
function storedIdentity(db: Store, c: Candidate, claimed: Set<number>): { row?: InputRow; claimedBy?: number } {
  const lengths = db.prepare('SELECT DISTINCT fingerprint_len FROM inputs').pluck().all() as number[];
  const matches: InputRow[] = [];
  const byPrint = db.prepare('SELECT * FROM inputs WHERE fingerprint = ? AND fingerprint_len = ? ORDER BY id DESC');
  for (const len of lengths) {
    if (len > c.head.length) continue;
    matches.push(...(byPrint.all(fingerprintOf(c.head, len), len) as InputRow[]));
  }
  const continues = (r: InputRow): boolean => c.compressed || r.compressed === 1 || c.size >= r.consumed_bytes || r.read_mode === 'stream';
  const sameInode = (r: InputRow): boolean => BigInt(r.dev) === c.dev && BigInt(r.ino) === c.ino;
  const usable = matches.filter(continues).sort((a, b) => Number(sameInode(b)) - Number(sameInode(a)));
  const free = usable.find((r) => !claimed.has(r.id));
  if (free) return { row: free };
  return usable.length > 0 ? { claimedBy: usable[0].id } : {};
}

function planFor(c: Candidate, row: InputRow | undefined): Plan {
  if (!row) return { kind: 'read', outcome: 'new', from: START };
  const renamed = row.path !== c.path;
  const unchanged = row.state === 'complete' && row.size === c.size && row.mtime_ms === c.mtimeMs;
  if (row.read_mode === 'stream') {
    if (unchanged) return { kind: 'skip', outcome: renamed ? 'rotated' : 'unchanged', row };
    return { kind: 'read', outcome: row.state === 'reading' ? 'resumed' : 'replaced', row, from: START, deleteFromLine: 0 };
  }
  if (row.state === 'reading') {
    // The interrupted segment is read again from its start; the items already stored are passed over.
    return { kind: 'read', outcome: 'resumed', row, from: { bytes: row.segment_start_bytes, lines: row.segment_start_lines, prelude: row.prelude_lines } };
  }
  if (unchanged) return { kind: 'skip', outcome: renamed ? 'rotated' : 'unchanged', row };
  // Rows past the consumed lines came from a last line without its newline: it is read again whole.
  return {
    kind: 'read',
    outcome: renamed ? 'rotated' : 'grown',
    row,
    from: { bytes: row.consumed_bytes, lines: row.consumed_lines, prelude: row.prelude_lines },
    deleteFromLine: row.consumed_lines + 1,
  };
}

type Span = TimeSpan;

/**
 * The time context of a segment. A new file is dated from the other inputs' span
 * (what the store holds included); a file read on continues from its own last
 * stamp, so a log that grew past New Year or midnight keeps counting forward.
 */
function timeContextFor(db: Store, c: Candidate, plan: Plan & { kind: 'read' }, options: ReadOptions, span: Span): { time: TimeContext; notes: string[] } {
  if (plan.outcome === 'resumed' && plan.row) return { time: JSON.parse(plan.row.time_context) as TimeContext, notes: [] };
  const zone = zoneOf(c.path, options);
  const time: TimeContext = { zone, year: options.year, date: options.date };
  const notes: string[] = [];
  if (plan.row && plan.from.lines > 0 && c.completeness !== 'full') {
    const last = db
      .prepare('SELECT max(x) FROM (SELECT max(ts_us) AS x FROM event_rows WHERE id >= ? AND id < ? UNION ALL SELECT max(start_us) FROM flow_rows WHERE id >= ? AND id < ?)')
      .pluck()
      .get(...idRange(plan.row.id), ...idRange(plan.row.id)) as number | null;
    if (last !== null) {
      if (c.completeness === 'no-year' && time.year === undefined) {
        time.anchor = last;
        time.anchorSource = 'the lines read before';
      }
      if (c.completeness === 'no-date' && time.date === undefined) {
        time.date = microsToLocalDate(last, zone);
        time.dateSource = 'the lines read before';
      }
      return { time, notes };
    }
  }
  return anchoredTimeContext({ file: c.path, completeness: c.completeness, mtime: c.mtime }, options, span);
}

type Item = FlowRecord | LogEvent | ParseIssue;

/** '2,3,7' in the parser's line numbers -> the file's. */
function fileLines(input: ResumableInput, list: string): string {
  return list
    .split(',')
    .map((n) => String(input.realLine(Number(n)) ?? n))
    .join(',');
}

/** The row ids of an input's records: [first, past the last). */
function idRange(inputId: number): [number, number] {
  return [inputId * ORDINALS_PER_INPUT, (inputId + 1) * ORDINALS_PER_INPUT];
}

/** Reads INPUTS (files or folders) into the store, only what it does not hold yet. */
export async function ingestInputs(db: Store, args: string[], options: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  const explicit = new Set(args);
  const files = await expandInputs(args);
  const ignored: Dataset['ignored'] = [];
  const candidates: Candidate[] = [];
  for (const file of files) {
    const c = await candidateFor(file, explicit.has(file), ignored, options);
    if (c) candidates.push(c);
  }
  if (candidates.length === 0 && ignored.every((i) => i.reason !== 'empty file')) {
    throw new InputError(`no readable inputs in ${args.join(', ')}`, 'flowlink reads: ' + parsers.map((p) => p.name).join(', '));
  }
  const report: IngestReport = { files: [], ignored, stored: 0, skipped: 0, seconds: 0, rowsPerSecond: 0 };
  const claimed = new Set<number>();
  const span = storedSpan(db);
  // Created when the first file is read: an ingest of unchanged files starts no worker.
  let sinkMade: BatchSink | undefined;
  const sink: BatchSink = {
    submit: (b, committed) => (sinkMade ??= batchSinkFor(db, options.busyTimeoutMs)).submit(b, committed),
    drain: () => sinkMade?.drain() ?? Promise.resolve(),
    close: () => sinkMade?.close() ?? Promise.resolve(),
  };
  // Decided when the first file is about to be read (an ingest of unchanged files drops
  // nothing), from what is left to read: that file from where it stops, and the files after it.
  let defer = false;
  let decided = false;
  let left = candidates.reduce((sum, c) => sum + c.size, 0);
  const beforeRead = (c: Candidate, fromByte: number): void => {
    if (decided) return;
    decided = true;
    defer = options.indices === 'after' || (options.indices !== 'during' && shouldDeferIndices(db, left - fromByte));
    if (defer) dropRecordIndices(db);
  };
  try {
    for (const c of inReadOrder(candidates)) {
      const result = await ingestOne(db, sink, c, { ...options, beforeRead }, span, claimed);
      left -= c.size;
      report.files.push(result);
      report.stored += result.stored;
      report.skipped += result.skipped;
    }
  } finally {
    await sink.close();
    if (defer) ensureRecordIndices(db);
  }
  report.seconds = (performance.now() - started) / 1000;
  report.rowsPerSecond = report.seconds > 0 ? Math.round((report.stored + report.skipped) / report.seconds) : 0;
  return report;
}

async function ingestOne(
  db: Store,
  sink: BatchSink,
  c: Candidate,
  options: IngestOptions & { beforeRead(c: Candidate, fromByte: number): void },
  span: Span,
  claimed: Set<number>,
): Promise<IngestedFile> {
  const identity = storedIdentity(db, c, claimed);
  if (identity.claimedBy !== undefined) {
    const other = db.prepare('SELECT path FROM inputs WHERE id = ?').pluck().get(identity.claimedBy) as string;
    return { path: c.path, format: c.parser.name, inputId: identity.claimedBy, outcome: 'duplicate', stored: 0, skipped: 0, notes: [`same content as ${other}`] };
  }
  const plan = planFor(c, identity.row);
  const base = { path: c.path, format: c.parser.name, previousPath: plan.row && plan.row.path !== c.path ? plan.row.path : undefined };
  // The flows of a capture depend on how they were assembled: the settings asked for apply to a
  // capture read whole (new or replaced); one already stored, or being finished, keeps its own.
  const asked = assemblyOf(c.parser, options);
  const kept = plan.row ? storedAssembly(plan.row.assembly) : undefined;
  const keepStored = kept !== undefined && (plan.kind === 'skip' || plan.outcome === 'resumed');
  const assembly: StoredAssembly | undefined = keepStored ? kept : asked;
  const assemblyNotes = keepStored && asked ? assemblyDifference(kept, asked) : [];
  if (plan.kind === 'skip') {
    const row = plan.row!;
    claimed.add(row.id);
    if (row.path !== c.path) {
      db.prepare('UPDATE inputs SET path = ?, dev = ?, ino = ? WHERE id = ?').run(c.path, c.dev, c.ino, row.id);
    }
    return { ...base, inputId: row.id, outcome: plan.outcome, stored: 0, skipped: 0, notes: assemblyNotes, ...(assemblyNotes.length ? { warnings: assemblyNotes } : {}) };
  }
  options.beforeRead(c, c.compressed ? 0 : plan.from.bytes);
  const { time, notes } = timeContextFor(db, c, plan, options, span);
  options.onInput?.(c.path, c.parser.name);
  const fingerprintLen = Math.min(c.head.length, FINGERPRINT_BYTES);

  // Segment start: the file is 'reading' from here until its last batch commits.
  const resuming = plan.outcome === 'resumed' && plan.deleteFromLine === undefined && plan.row !== undefined;
  const { inputId, segmentStart, alreadyStored } = db.transaction((): { inputId: number; segmentStart: number; alreadyStored: number } => {
    if (!plan.row) {
      const id = Number(
        db
          .prepare(
            `INSERT INTO inputs (path, format, dev, ino, size, mtime_ms, fingerprint, fingerprint_len, compressed, state, time_context, assembly, flows_packed, events_packed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'reading', ?, ?, 1, ?)`,
          )
          .run(c.path, c.parser.name, c.dev, c.ino, c.size, c.mtimeMs, fingerprintOf(c.head), fingerprintLen, c.compressed ? 1 : 0, JSON.stringify(time), assembly ? JSON.stringify(assembly) : null, packsEvents(db) ? 1 : 0)
          .lastInsertRowid,
      );
      if (id > MAX_INPUT_ID) throw new StoreError(`${db.name}: the store holds ${MAX_INPUT_ID} inputs, as many as it can`, 'start a new case file');
      return { inputId: id, segmentStart: 0, alreadyStored: 0 };
    }
    const id = plan.row.id;
    if (resuming) return { inputId: id, segmentStart: plan.row.segment_start_ordinal, alreadyStored: plan.row.progress_items };
    if (plan.deleteFromLine !== undefined) {
      const [lo, hi] = idRange(id);
      for (const table of ['flow_rows', 'event_rows']) {
        const gone = db.prepare(`DELETE FROM ${table} WHERE id >= ? AND id < ? AND line >= ?`).run(lo, hi, plan.deleteFromLine).changes;
        db.prepare('UPDATE inputs SET records = records - ? WHERE id = ?').run(gone, id);
        // A pack holding a deleted record would bring it back: the input's packs go, and its
        // records are read from their rows from now on (packed again when none is left).
        if (gone > 0) {
          const flows = table === 'flow_rows';
          const [packs, packed] = flows ? ['flow_packs', 'flows_packed'] : ['event_packs', 'events_packed'];
          db.prepare(`DELETE FROM ${packs} WHERE first_id >= ? AND first_id < ?`).run(lo, hi);
          const left = db.prepare(`SELECT count(*) FROM ${table} WHERE id >= ? AND id < ?`).pluck().get(lo, hi) as number;
          const packing = flows || packsEvents(db);
          db.prepare(`UPDATE inputs SET ${packed} = ? WHERE id = ?`).run(left === 0 && packing ? 1 : 0, id);
        }
      }
      db.prepare('DELETE FROM skipped_lines WHERE input_id = ? AND line >= ?').run(id, plan.deleteFromLine);
    }
    const segmentStart = plan.row.next_ordinal;
    db.prepare(
      `UPDATE inputs SET path = ?, dev = ?, ino = ?, compressed = ?, state = 'reading', segment_start_bytes = ?, segment_start_lines = ?,
         segment_start_ordinal = ?, progress_items = 0, time_context = ?, assembly = ? WHERE id = ?`,
    ).run(c.path, c.dev, c.ino, c.compressed ? 1 : 0, plan.from.bytes, plan.from.lines, segmentStart, JSON.stringify(time), assembly ? JSON.stringify(assembly) : null, id);
    return { inputId: id, segmentStart, alreadyStored: 0 };
  }).immediate();
  claimed.add(inputId);

  // Bytes read, for the progress bar (ReadOptions.onProgress; nothing when not given).
  const onProgress = options.onProgress;
  const input = new ResumableInput(c.path, c.head, c.mtime, c.compressed, plan.from, onProgress && ((at) => onProgress(c.path, at, c.size)));
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const firstId = inputId * ORDINALS_PER_INPUT + segmentStart;
  let stored = 0;
  let skipped = 0;
  let firstItemLine = Infinity;
  const fileNotes = [...notes, ...assemblyNotes];
  // The batch: items with their file line numbers (the parser's are mapped, items left as they are).
  let items: Item[] = [];
  let lines: number[] = [];
  /** Items of this segment seen so far; the next item's ordinal within the segment. */
  let seen = 0;
  /** Ordinal of the batch's first item. */
  let batchStart = alreadyStored;

  /** The batch of `items` for the sink (batch-sink.ts): one transaction, here or in the write worker. */
  const batchOf = (): Batch => {
    const storedBefore = stored;
    const flows: Batch['flows'] = { ids: [], lines: [], records: [] };
    const events: Batch['events'] = [];
    const skips: Batch['skips'] = [];
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      const id = firstId + batchStart + k;
      if (item.kind === 'flow') {
        flows.ids.push(id);
        flows.lines.push(lines[k]);
        flows.records!.push(item);
        stored++;
        if (item.start < span.min) span.min = item.start;
        if (item.end > span.max) span.max = item.end;
      } else if (item.kind === 'log') {
        events.push({ id, line: lines[k], event: item });
        stored++;
        if (item.ts < span.min) span.min = item.ts;
        if (item.ts > span.max) span.max = item.ts;
      } else {
        skips.push({ line: lines[k], reason: item.reason });
      }
    }
    // In the same transaction as the rows: how many of the segment's items are stored.
    return { inputId, flows, events, skips, progress: [batchStart + items.length, input.highestLine, stored - storedBefore] };
  };
  const counted = (n: number): void => {
    skipped += n;
  };
  const flush = async (): Promise<void> => {
    const batch = batchOf();
    const highest = input.highestLine;
    batchStart += items.length;
    items = [];
    lines = [];
    await sink.submit(batch, (n) => {
      counted(n);
      options.onBatch?.(c.path, highest);
    });
  };
  /** True when the batch is full. */
  const take = (item: ParseItem): boolean => {
    if (item.kind === 'note') {
      fileNotes.push(item.message);
      return false;
    }
    const line = input.realLine(item.kind === 'issue' ? item.line : item.origin.line);
    if (line === undefined) return false; // a replayed prelude line: stored by an earlier segment
    if (line < firstItemLine) firstItemLine = line;
    // Parsing is deterministic, so after a crash the segment's first items are the ones stored.
    if (seen++ < alreadyStored) return false;
    if (segmentStart + seen > ORDINALS_PER_INPUT) throw new StoreError(`${c.path}: more than ${ORDINALS_PER_INPUT} records in one input`, 'split the file');
    // A joined mail message lists its lines (mail-queue.ts `lines`) in the parser's numbering too.
    if (plan.from.lines > 0 && item.kind === 'log' && typeof item.fields.lines === 'string') item.fields.lines = fileLines(input, item.fields.lines);
    items.push(item);
    lines.push(line);
    return items.length >= batchSize;
  };

  try {
    const parsed = c.parser.parse(input, time, assembly ?? { idleTimeout: options.idleTimeout, statusInterval: options.statusInterval, maxFlows: options.maxFlows }) as AsyncIterable<ParseItem> & { batches?(): AsyncIterable<ParseItem[]> };
    if (typeof parsed.batches === 'function') {
      for await (const batch of parsed.batches()) for (const item of batch) if (take(item)) await flush();
    } else {
      for await (const item of parsed) if (take(item)) await flush();
    }

    const streamMode = input.usedStream && !input.usedLines;
    // The header lines before the first record, replayed to the parser when the file is read on.
    const prelude = plan.from.lines === 0 ? Math.min(firstItemLine - 1, input.consumedLines) : plan.row!.prelude_lines;
    // The last rows and the end of the segment in one transaction: a file is 'complete' exactly
    // when all its rows are in, and items a parser gives only at the end of the file (a held
    // event, an unfinished mail) are never stored while it is still 'reading'.
    const last = batchOf();
    last.final = {
      readMode: streamMode ? 'stream' : 'lines',
      consumedBytes: streamMode ? c.size : input.consumedBytes,
      consumedLines: streamMode ? 0 : input.consumedLines,
      prelude,
      size: c.size,
      mtimeMs: c.mtimeMs,
      fingerprint: fingerprintOf(c.head),
      fingerprintLen,
      format: c.parser.name,
      notes: fileNotes,
      nextOrdinal: segmentStart + batchStart + items.length,
    };
    const highest = input.highestLine;
    await sink.submit(last, (n) => {
      counted(n);
      options.onBatch?.(c.path, highest);
    });
    // The next file's bookkeeping is written on this thread: the worker must be idle.
    await sink.drain();
  } catch (error) {
    throw storeErrorFrom(error, db.name);
  }
  return { ...base, inputId, outcome: plan.outcome, stored, skipped, notes: fileNotes, ...(assemblyNotes.length ? { warnings: assemblyNotes } : {}) };
}
