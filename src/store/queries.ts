// The questions the analyses ask the store, each named for what it answers. Records come
// back as the FlowRecord / LogEvent objects the parsers produced.
import { inflateRawSync } from 'node:zlib';
import type { ExplainedSpike, FlowPart, FlowRecord, InputSummary, LogEvent, Micros } from '../event.js';
import type { Dataset } from '../sources/options.js';
import { StoreError, type Store } from './db.js';
import type { TimeWindow } from './log-windows.js';
import { decodeFlowPack } from './flow-pack.js';
import { decodeEventPackEvents } from './event-pack.js';
import { ORDINALS_PER_INPUT } from './schema.js';
import { EVENT_COLUMNS, eventFromRow, FLOW_COLUMNS, FLOW_ROW_ID, FLOW_ROW_PARTS, flowFromRow, type EventRow, type FlowRow } from './rows.js';

function partsByFlow(rows: [number, number, number, number, number][]): Map<number, FlowPart[]> {
  const out = new Map<number, FlowPart[]>();
  for (const [flowRow, start, end, pkts, bytes] of rows) {
    let list = out.get(flowRow);
    if (!list) out.set(flowRow, (list = []));
    list.push({ start, end, pkts, bytes });
  }
  return out;
}

/** path, src, dst, dir, state, flags, byte_basis. */
const INTERNED_FLOW_COLUMNS = [1, 7, 9, 11, 12, 13, 16] as const;

/** The flows of `where`, by start time; their row ids are pushed onto `ids` when given, in the same order. */
function flowsWhere(db: Store, where: string, params: unknown[], ids?: number[]): FlowRecord[] {
  const rows = db.prepare(`SELECT ${FLOW_COLUMNS} FROM flow_rows f JOIN inputs i ON i.id = f.input_id ${where} ORDER BY f.start_us, f.id`).raw(true).all(...params) as FlowRow[];
  // Only argus status-record flows have parts: asked for only when one is there.
  const withParts = rows.some((r) => r[FLOW_ROW_PARTS] > 0);
  const parts = withParts
    ? partsByFlow(
        db
          .prepare(`SELECT p.flow_row, p.start_us, p.end_us, p.pkts, p.bytes FROM flow_parts p JOIN flow_rows f ON f.id = p.flow_row JOIN inputs i ON i.id = f.input_id ${where} ORDER BY p.flow_row, p.seq`)
          .raw(true)
          .all(...params) as [number, number, number, number, number][],
      )
    : undefined;
  // Addresses, paths and states repeat across flows: one string each, not one per flow, so a
  // day of flows holds less for the garbage collector to trace (BENCHMARKS.md (g)).
  const strings = new Map<string, string>();
  const intern = (v: string | null): string | null => {
    if (v === null) return null;
    const known = strings.get(v);
    if (known !== undefined) return known;
    strings.set(v, v);
    return v;
  };
  return rows.map((r) => {
    ids?.push(r[FLOW_ROW_ID]);
    for (const k of INTERNED_FLOW_COLUMNS) r[k] = intern(r[k] as string | null) as never;
    return flowFromRow(r, r[FLOW_ROW_PARTS] > 0 ? parts?.get(r[FLOW_ROW_ID]) : undefined);
  });
}

/**
 * Every stored flow, by start time (ties by row id). Inputs whose flows are all in packs
 * (flow-pack.ts) are read from those; the others (stored before schema 3, or whose rows were
 * partly deleted) from their rows.
 */
export function allFlows(db: Store): FlowRecord[] {
  const flows: FlowRecord[] = [];
  const ids: number[] = [];
  const strings = new Map<string, string>();
  const packs = db.prepare('SELECT p.data, i.path, p.first_id FROM flow_packs p JOIN inputs i ON i.id = p.input_id WHERE i.flows_packed = 1 ORDER BY p.first_id').raw(true);
  for (const [data, path, first] of packs.iterate() as IterableIterator<[Buffer, string, number]>) {
    readPack(db, 'flow_packs', first, () => decodeFlowPack(data, path, ids, flows, strings));
  }
  // Each input's rows are one id range (ORDINALS_PER_INPUT): read by rowid, no scan.
  const unpacked = db.prepare('SELECT id FROM inputs WHERE flows_packed = 0').pluck().all() as number[];
  for (const input of unpacked) {
    const rows = flowsWhere(db, 'WHERE f.id >= ? AND f.id < ?', [input * ORDINALS_PER_INPUT, (input + 1) * ORDINALS_PER_INPUT], ids);
    for (const f of rows) flows.push(f);
  }
  return inOrder(flows, ids, (f) => f.start);
}

/** Decodes one stored pack; a damaged one (a BLOB SQLite itself finds intact) is the store's error, not a crash. */
function readPack(db: Store, table: string, firstId: number, decode: () => void): void {
  try {
    decode();
  } catch (error) {
    throw new StoreError(
      `${db.name}: ${table} row ${firstId} is damaged (${(error as Error).message})`,
      'ingest the inputs into a new case file',
    );
  }
}

/** `items` by time, ties by row id: as they are when they already are (one input read in order: the usual case). */
function inOrder<T>(items: T[], ids: number[], time: (item: T) => number): T[] {
  let sorted = true;
  for (let k = 1; k < items.length && sorted; k++) {
    const d = time(items[k]) - time(items[k - 1]);
    sorted = d > 0 || (d === 0 && ids[k] > ids[k - 1]);
  }
  if (sorted) return items;
  const order = Array.from({ length: items.length }, (_, k) => k);
  order.sort((a, b) => time(items[a]) - time(items[b]) || ids[a] - ids[b]);
  return order.map((k) => items[k]);
}

/** Flows active at some time in [from, to): they start before `to` and end at or after `from`. */
export function flowsBetween(db: Store, from: Micros, to: Micros): FlowRecord[] {
  return flowsWhere(db, 'WHERE f.start_us < ? AND f.end_us >= ?', [to, from]);
}

/** The events of `where` by time, pushed onto `out` with their row ids (one by one: a spread of 100,000 overflows the stack). */
function eventsWhere(db: Store, where: string, params: unknown[], out: LogEvent[] = [], ids?: number[]): LogEvent[] {
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM event_rows e JOIN inputs i ON i.id = e.input_id ${where} ORDER BY e.ts_us, e.id`).raw(true).all(...params) as EventRow[];
  for (const r of rows) {
    ids?.push(r[0]);
    out.push(eventFromRow(r));
  }
  return out;
}

/**
 * Log events stamped in [from, to] (inclusive), by time, ties in the order they were read.
 * Inputs whose events are all in packs (event-pack.ts, a file store's inputs since schema 4)
 * are read from the packs whose span meets the window; the others from their rows.
 */
function eventsBetweenInclusive(db: Store, from: Micros, to: Micros, out: LogEvent[]): void {
  const events: LogEvent[] = [];
  const ids: number[] = [];
  const packs = db
    .prepare('SELECT p.data, i.path, p.first_id FROM event_packs p JOIN inputs i ON i.id = p.input_id WHERE i.events_packed = 1 AND p.min_ts_us <= ? AND p.max_ts_us >= ? ORDER BY p.first_id')
    .raw(true);
  for (const [data, path, first] of packs.iterate(to, from) as IterableIterator<[Buffer, string, number]>) {
    readPack(db, 'event_packs', first, () => decodeEventPackEvents(inflateRawSync(data), path, from, to, ids, events));
  }
  // Each input's rows are one id range (ORDINALS_PER_INPUT): the time index, then the range.
  const unpacked = db.prepare('SELECT id FROM inputs WHERE events_packed = 0').pluck().all() as number[];
  for (const input of unpacked) {
    eventsWhere(db, 'WHERE e.ts_us >= ? AND e.ts_us <= ? AND e.id >= ? AND e.id < ?', [from, to, input * ORDINALS_PER_INPUT, (input + 1) * ORDINALS_PER_INPUT], events, ids);
  }
  for (const e of inOrder(events, ids, (e) => e.ts)) out.push(e);
}

/** Every stored log event, by time (ties in the order they were read). */
export function allEvents(db: Store): LogEvent[] {
  const out: LogEvent[] = [];
  eventsBetweenInclusive(db, -Infinity, Infinity, out);
  return out;
}

/** Log events stamped in [from, to). */
export function eventsBetween(db: Store, from: Micros, to: Micros): LogEvent[] {
  return eventsWhere(db, 'WHERE e.ts_us >= ? AND e.ts_us < ?', [from, to]);
}

/** Per stored input, what the report says about it: records, skipped lines, the first skipped, notes. */
export function inputSummaries(db: Store): InputSummary[] {
  const rows = db
    .prepare(
      `SELECT i.id, i.path, i.format, i.notes,
         i.records AS events,
         (SELECT count(*) FROM skipped_lines s WHERE s.input_id = i.id) AS skipped
       FROM inputs i ORDER BY i.id`,
    )
    .all() as { id: number; path: string; format: string; notes: string; events: number; skipped: number }[];
  const first = db.prepare('SELECT line, reason FROM skipped_lines WHERE input_id = ? ORDER BY line LIMIT 1');
  return rows.map((r) => {
    const summary: InputSummary = { file: r.path, format: r.format, events: r.events, skipped: r.skipped, notes: JSON.parse(r.notes) as string[] };
    if (r.skipped > 0) summary.firstSkipped = first.get(r.id) as { line: number; reason: string };
    return summary;
  });
}

/** Every skipped line with its reason, by file and line (`--verbose`). */
export function skippedLines(db: Store): { file: string; line: number; reason: string }[] {
  return db.prepare('SELECT i.path AS file, s.line, s.reason FROM skipped_lines s JOIN inputs i ON i.id = s.input_id ORDER BY i.id, s.line').all() as {
    file: string;
    line: number;
    reason: string;
  }[];
}

/** The earliest and latest instants of anything stored, to date inputs whose stamps lack a year or date. */
export function storedSpan(db: Store): { min: Micros; max: Micros } {
  const r = db
    .prepare(
      `SELECT min(a) AS min, max(b) AS max FROM (
         SELECT min(start_us) AS a, max(end_us) AS b FROM flow_rows
         UNION ALL SELECT min(ts_us), max(ts_us) FROM event_rows)`,
    )
    .get() as { min: number | null; max: number | null };
  return { min: r.min ?? Infinity, max: r.max ?? -Infinity };
}

/** Log events stamped inside any of `windows` (sorted, not overlapping: logWindowsFor), by time. */
export function eventsInWindows(db: Store, windows: TimeWindow[]): LogEvent[] {
  const out: LogEvent[] = [];
  for (const w of windows) eventsBetweenInclusive(db, w.from, w.to, out);
  return out;
}

/** How many log events the store holds. */
export function storedEventCount(db: Store): number {
  return db.prepare('SELECT count(*) FROM event_rows').pluck().get() as number;
}

export interface DatasetOptions {
  /**
   * Given the flows, the windows whose log events the analyses will look at (logWindowsFor):
   * only those are read, and `logCount` says how many the store holds. Absent: every event.
   */
  logWindows?: (flows: FlowRecord[]) => TimeWindow[];
}

/** What the analyses read, from the store instead of the files: the shape every analysis reads. */
export function datasetFromStore(db: Store, options: DatasetOptions = {}): Dataset {
  const flows = allFlows(db);
  const inputs = inputSummaries(db);
  if (!options.logWindows) return { flows, logs: allEvents(db), inputs, ignored: [] };
  return { flows, logs: eventsInWindows(db, options.logWindows(flows)), logCount: storedEventCount(db), inputs, ignored: [] };
}

/**
 * Saves one `explain` run's spikes and explanations under the rules' version, linked to the
 * stored flow and event rows they cite. Returns the run's id; the `spikes` and `explanations`
 * views show the latest run.
 */
export function saveExplainedSpikes(db: Store, spikes: ExplainedSpike[], rulesVersion: string, options: { binWidth?: Micros } = {}): number {
  const inputIds = new Map((db.prepare('SELECT path, id FROM inputs').all() as { path: string; id: number }[]).map((r) => [r.path, r.id]));
  // Found by time first (indexed), then input and line; of two records on one line (postfix's
  // line event and its delivery), the one with the same message.
  const flowRow = db.prepare('SELECT id FROM flow_rows WHERE start_us = ? AND input_id = ? AND line = ? ORDER BY flow_id = ? DESC LIMIT 1').pluck();
  const eventRow = db
    .prepare('SELECT id FROM event_rows WHERE ts_us = ? AND input_id = ? AND line = ? ORDER BY coalesce(message, substr(raw, msg_at + 1)) = ? DESC LIMIT 1')
    .pluck();
  const run = db.prepare('INSERT INTO analysis_runs (rules_version, bin_width_us) VALUES (?, ?)');
  const spike = db.prepare(
    `INSERT INTO spike_rows (run_id, number, start_us, end_us, peak_us, bytes, baseline_bytes, excess_bytes, score, hosts, unexplained_bytes, unexplained,
       pkts, onset_us, detected, triggers, figures, host_series)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const explanation = db.prepare(
    'INSERT INTO explanation_rows (spike_row, rank, rule, title, confidence, summary, evidence, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const xFlow = db.prepare('INSERT INTO explanation_flows (explanation_row, flow_id, flow_row) VALUES (?, ?, ?)');
  const xLog = db.prepare('INSERT INTO explanation_logs (explanation_row, event_row, file, line) VALUES (?, ?, ?, ?)');
  const rowOf = (stmt: typeof flowRow, at: Micros, file: string, line: number, same: string): number | null => {
    const input = inputIds.get(file);
    return input === undefined ? null : ((stmt.get(at, input, line, same) as number | undefined) ?? null);
  };
  const flowRef = (f: FlowRecord) => ({ flowId: f.flowId, file: f.origin.file, line: f.origin.line });
  return db.transaction(() => {
    const runId = Number(run.run(rulesVersion, options.binWidth ?? null).lastInsertRowid);
    for (const x of spikes) {
      const s = x.spike;
      const spikeId = spike.run(
        runId, s.id, s.start, s.end, s.peak, s.bytes, s.baselineBytes, s.excessBytes, s.score, JSON.stringify(s.hosts),
        x.unexplainedBytes, JSON.stringify(x.unexplained.map((u) => ({ ...flowRef(u.flow), bytes: u.bytes }))),
        s.pkts, s.onset, s.detected ? 1 : 0, s.triggers ? JSON.stringify(s.triggers) : null, s.figures ? JSON.stringify(s.figures) : null, s.hostSeries ?? null,
      ).lastInsertRowid;
      x.explanations.forEach((e, rank) => {
        const id = explanation.run(spikeId, rank + 1, e.rule, e.title, e.confidence, e.summary, JSON.stringify(e.evidence), e.bytes).lastInsertRowid;
        for (const f of e.flows) xFlow.run(id, f.flowId, rowOf(flowRow, f.start, f.origin.file, f.origin.line, f.flowId));
        for (const l of e.logs) xLog.run(id, rowOf(eventRow, l.ts, l.origin.file, l.origin.line, l.message), l.origin.file, l.origin.line);
      });
    }
    return runId;
  })();
}
