// The questions the analyses ask the store, each named for what it answers. Records come
// back as the FlowRecord / LogEvent objects the parsers produced.
import type { ExplainedSpike, FlowPart, FlowRecord, InputSummary, LogEvent, Micros } from '../event.js';
import type { Dataset } from '../sources/options.js';
import type { Store } from './db.js';
import { EVENT_COLUMNS, eventFromRow, FLOW_COLUMNS, flowFromRow, type EventRow, type FlowRow, type PartRow } from './rows.js';

function partsByFlow(rows: PartRow[]): Map<number, FlowPart[]> {
  const out = new Map<number, FlowPart[]>();
  for (const p of rows) {
    let list = out.get(p.flow_row);
    if (!list) out.set(p.flow_row, (list = []));
    list.push({ start: p.start_us, end: p.end_us, pkts: p.pkts, bytes: p.bytes });
  }
  return out;
}

function flowsWhere(db: Store, where: string, params: unknown[]): FlowRecord[] {
  const rows = db.prepare(`SELECT ${FLOW_COLUMNS} FROM flow_rows f JOIN inputs i ON i.id = f.input_id ${where} ORDER BY f.start_us, f.id`).all(...params) as FlowRow[];
  const parts = partsByFlow(
    db
      .prepare(`SELECT p.flow_row, p.start_us, p.end_us, p.pkts, p.bytes FROM flow_parts p JOIN flow_rows f ON f.id = p.flow_row JOIN inputs i ON i.id = f.input_id ${where} ORDER BY p.flow_row, p.seq`)
      .all(...params) as PartRow[],
  );
  return rows.map((r) => flowFromRow(r, r.part_count > 0 ? parts.get(r.id) : undefined));
}

/** Every stored flow, by start time. */
export function allFlows(db: Store): FlowRecord[] {
  return flowsWhere(db, '', []);
}

/** Flows active at some time in [from, to): they start before `to` and end at or after `from`. */
export function flowsBetween(db: Store, from: Micros, to: Micros): FlowRecord[] {
  return flowsWhere(db, 'WHERE f.start_us < ? AND f.end_us >= ?', [to, from]);
}

function eventsWhere(db: Store, where: string, params: unknown[]): LogEvent[] {
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM event_rows e JOIN inputs i ON i.id = e.input_id ${where} ORDER BY e.ts_us, e.id`).all(...params) as EventRow[];
  return rows.map(eventFromRow);
}

/** Every stored log event, by time (ties in the order they were read). */
export function allEvents(db: Store): LogEvent[] {
  return eventsWhere(db, '', []);
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
         (SELECT count(*) FROM flow_rows f WHERE f.input_id = i.id) + (SELECT count(*) FROM event_rows e WHERE e.input_id = i.id) AS events,
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

/** What the analyses read, from the store instead of the files: the shape every analysis reads. */
export function datasetFromStore(db: Store): Dataset {
  return { flows: allFlows(db), logs: allEvents(db), inputs: inputSummaries(db), ignored: [] };
}

/**
 * Saves one `explain` run's spikes and explanations under the rules' version, linked to the
 * stored flow and event rows they cite. Returns the run's id; the `spikes` and `explanations`
 * views show the latest run.
 */
export function saveExplainedSpikes(db: Store, spikes: ExplainedSpike[], rulesVersion: string, options: { binWidth?: Micros } = {}): number {
  const inputIds = new Map((db.prepare('SELECT path, id FROM inputs').all() as { path: string; id: number }[]).map((r) => [r.path, r.id]));
  const flowRow = db.prepare('SELECT id FROM flow_rows WHERE input_id = ? AND line = ?').pluck();
  const eventRow = db.prepare('SELECT id FROM event_rows WHERE input_id = ? AND line = ?').pluck();
  const run = db.prepare('INSERT INTO analysis_runs (rules_version, bin_width_us) VALUES (?, ?)');
  const spike = db.prepare(
    `INSERT INTO spike_rows (run_id, number, start_us, end_us, peak_us, bytes, baseline_bytes, excess_bytes, score, hosts, unexplained_bytes, unexplained)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const explanation = db.prepare(
    'INSERT INTO explanation_rows (spike_row, rank, rule, title, confidence, summary, evidence, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const xFlow = db.prepare('INSERT INTO explanation_flows (explanation_row, flow_id, flow_row) VALUES (?, ?, ?)');
  const xLog = db.prepare('INSERT INTO explanation_logs (explanation_row, event_row, file, line) VALUES (?, ?, ?, ?)');
  const rowOf = (stmt: typeof flowRow, file: string, line: number): number | null => {
    const input = inputIds.get(file);
    return input === undefined ? null : ((stmt.get(input, line) as number | undefined) ?? null);
  };
  const flowRef = (f: FlowRecord) => ({ flowId: f.flowId, file: f.origin.file, line: f.origin.line });
  return db.transaction(() => {
    const runId = Number(run.run(rulesVersion, options.binWidth ?? null).lastInsertRowid);
    for (const x of spikes) {
      const s = x.spike;
      const spikeId = spike.run(
        runId, s.id, s.start, s.end, s.peak, s.bytes, s.baselineBytes, s.excessBytes, s.score, JSON.stringify(s.hosts),
        x.unexplainedBytes, JSON.stringify(x.unexplained.map((u) => ({ ...flowRef(u.flow), bytes: u.bytes }))),
      ).lastInsertRowid;
      x.explanations.forEach((e, rank) => {
        const id = explanation.run(spikeId, rank + 1, e.rule, e.title, e.confidence, e.summary, JSON.stringify(e.evidence), e.bytes).lastInsertRowid;
        for (const f of e.flows) xFlow.run(id, f.flowId, rowOf(flowRow, f.origin.file, f.origin.line));
        for (const l of e.logs) xLog.run(id, rowOf(eventRow, l.origin.file, l.origin.line), l.origin.file, l.origin.line);
      });
    }
    return runId;
  })();
}
