// FlowRecord and LogEvent <-> table rows. One place decides how each field is stored, so a
// record read back is the record that was written (absent optional fields stay absent).
// Rows go in and come out as positional arrays: binding by name and building a row object
// per record cost more than SQLite's own work (BENCHMARKS.md (g)).
import { deflateRawSync } from 'node:zlib';
import type { FieldValue, FlowPart, FlowRecord, LogEvent } from '../event.js';
import type { Store } from './db.js';
import { decodeFlowPack, FlowPackBuilder } from './flow-pack.js';
import { decodeEventPack, encodeEventPack, eventPackSpan } from './event-pack.js';

/** The columns the read queries select, in this order, with the input's current path as the origin file. */
export const FLOW_COLUMNS = `f.id, i.path, f.line, f.flow_id, f.start_us, f.end_us, f.proto, f.src, f.sport, f.dst, f.dport,
  f.dir, f.state, f.flags, f.pkts, f.bytes, f.byte_basis, f.src_pkts, f.dst_pkts, f.src_bytes, f.dst_bytes,
  f.src_payload, f.dst_payload, f.records, f.part_count, f.raw`;
export const EVENT_COLUMNS = `e.id, i.path, e.line, e.ts_us, e.service, e.action, e.host, e.program, e.pid, e.fields, e.message, e.msg_at, e.raw`;

/** A row of FLOW_COLUMNS. */
export type FlowRow = [
  id: number, path: string, line: number, flowId: string, start: number, end: number, proto: number, src: string, sport: number | null,
  dst: string, dport: number | null, dir: string | null, state: string | null, flags: string | null, pkts: number, bytes: number,
  byteBasis: FlowRecord['byteBasis'], srcPkts: number | null, dstPkts: number | null, srcBytes: number | null, dstBytes: number | null,
  srcPayload: number | null, dstPayload: number | null, records: number, partCount: number, raw: string,
];
/** A row of EVENT_COLUMNS. */
export type EventRow = [
  id: number, path: string, line: number, ts: number, service: string, action: string | null, host: string | null, program: string | null,
  pid: number | null, fields: string | null, message: string | null, msgAt: number | null, raw: string,
];
export const FLOW_ROW_ID = 0;
export const FLOW_ROW_PARTS = 24;

export function flowFromRow(r: FlowRow, parts?: FlowPart[]): FlowRecord {
  const flow: FlowRecord = {
    kind: 'flow',
    flowId: r[3],
    start: r[4],
    end: r[5],
    proto: r[6],
    src: r[7],
    sport: r[8],
    dst: r[9],
    dport: r[10],
    pkts: r[14],
    bytes: r[15],
    byteBasis: r[16],
    origin: { file: r[1], line: r[2], raw: r[25] },
    records: r[23],
  };
  if (r[11] !== null) flow.dir = r[11];
  if (r[12] !== null) flow.state = r[12];
  if (r[13] !== null) flow.flags = r[13];
  if (r[17] !== null) flow.srcPkts = r[17];
  if (r[18] !== null) flow.dstPkts = r[18];
  if (r[19] !== null) flow.srcBytes = r[19];
  if (r[20] !== null) flow.dstBytes = r[20];
  if (r[21] !== null) flow.srcPayload = r[21];
  if (r[22] !== null) flow.dstPayload = r[22];
  if (parts && parts.length > 0) flow.parts = parts;
  return flow;
}

export function eventFromRow(r: EventRow): LogEvent {
  const raw = r[12];
  const event: LogEvent = {
    kind: 'log',
    ts: r[3],
    service: r[4],
    fields: r[9] === null ? {} : (JSON.parse(r[9]) as Record<string, FieldValue>),
    message: r[10] ?? raw.slice(r[11]!),
    origin: { file: r[1], line: r[2], raw },
  };
  if (r[5] !== null) event.action = r[5];
  if (r[6] !== null) event.host = r[6];
  if (r[7] !== null) event.program = r[7];
  if (r[8] !== null) event.pid = r[8];
  return event;
}

/** Lone or paired surrogates: where JavaScript's and SQLite's character counts part. */
const SURROGATE = /[\uD800-\uDFFF]/;

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** An event's row values (event_rows, after id, input and line). */
export interface EventRowValues {
  ts: number;
  service: string;
  action: string | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  fields: string | null;
  message: string | null;
  msgAt: number | null;
  raw: string;
}

export function eventRowValues(e: LogEvent): EventRowValues {
  let fields: string | null = null;
  for (const _ in e.fields) {
    fields = JSON.stringify(e.fields);
    break;
  }
  // A syslog event's message is the end of its line: kept once, as an offset into raw.
  const raw = e.origin.raw;
  const message = e.message;
  const tail = raw.length >= message.length && raw.endsWith(message) && !SURROGATE.test(raw);
  return {
    ts: e.ts,
    service: e.service,
    action: opt(e.action),
    host: opt(e.host),
    program: opt(e.program),
    pid: opt(e.pid),
    fields,
    message: tail ? null : message,
    msgAt: tail ? raw.length - message.length : null,
    raw,
  };
}

/** Rows per INSERT statement: one call into SQLite per 32 rows instead of per row (BENCHMARKS.md (g)). */
export const ROWS_PER_INSERT = 32;

/** A table's insert of one row and of ROWS_PER_INSERT rows, fed positional values. */
class BufferedInsert {
  private readonly one;
  private readonly many;
  private readonly values: unknown[];
  private n = 0;

  constructor(db: Store, head: string, private readonly columns: number) {
    const row = `(${new Array(columns).fill('?').join(', ')})`;
    this.one = db.prepare(`${head} VALUES ${row}`);
    this.many = db.prepare(`${head} VALUES ${new Array(ROWS_PER_INSERT).fill(row).join(', ')}`);
    this.values = new Array(columns * ROWS_PER_INSERT);
  }

  /** The array to write the next row's values into, from `at()` on. */
  at(): number {
    return this.n * this.columns;
  }

  get buffer(): unknown[] {
    return this.values;
  }

  /** The row written at `at()` is complete. */
  added(): void {
    if (++this.n === ROWS_PER_INSERT) {
      this.many.run(this.values);
      this.n = 0;
    }
  }

  flush(): void {
    const v = this.values;
    for (let r = 0; r < this.n; r++) this.one.run(v.slice(r * this.columns, (r + 1) * this.columns));
    this.n = 0;
  }
}

/**
 * Whether a store keeps a pack of each batch's events beside their rows (event-pack.ts,
 * inputs.events_packed): a file store does; a one-run store in memory reads its rows anyway.
 */
export function packsEvents(db: Store): boolean {
  return !db.memory;
}

/**
 * Inserts for one store, by row id (see ORDINALS_PER_INPUT): a record already stored is an
 * error, not a silent skip. Rows are buffered; `flush` before the transaction ends.
 */
export class RowWriter {
  private readonly flows;
  private readonly events;
  private readonly part;
  private readonly skip;
  /** Parts wait for their flow's row (the reference is checked at once). */
  private parts: unknown[][] = [];
  private readonly pack = new FlowPackBuilder();
  private packInput = -1;
  private readonly packInsert;
  private readonly packEvents: boolean;
  private eventPackRows: { id: number; line: number; event: LogEvent }[] = [];
  private eventPackInput = -1;
  private readonly eventPackInsert;

  constructor(db: Store) {
    this.flows = new BufferedInsert(
      db,
      `INSERT INTO flow_rows (id, input_id, line, flow_id, start_us, end_us, proto, src, sport, dst, dport, dir, state, flags,
        pkts, bytes, byte_basis, src_pkts, dst_pkts, src_bytes, dst_bytes, src_payload, dst_payload, records, part_count, raw)`,
      26,
    );
    this.events = new BufferedInsert(db, 'INSERT INTO event_rows (id, input_id, line, ts_us, service, action, host, program, pid, fields, message, msg_at, raw)', 13);
    this.part = db.prepare('INSERT INTO flow_parts (flow_row, seq, start_us, end_us, pkts, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    // One reason per skipped line: a second one for the same line adds nothing to count.
    this.skip = db.prepare('INSERT OR IGNORE INTO skipped_lines (input_id, line, reason) VALUES (?, ?, ?)');
    this.packInsert = db.prepare('INSERT INTO flow_packs (first_id, input_id, count, data) VALUES (?, ?, ?, ?)');
    this.packEvents = packsEvents(db);
    this.eventPackInsert = db.prepare('INSERT INTO event_packs (first_id, input_id, count, min_ts_us, max_ts_us, data) VALUES (?, ?, ?, ?, ?, ?)');
  }

  flowRecord(id: number, inputId: number, line: number, f: FlowRecord): void {
    this.flowRow(id, inputId, line, f);
    if (inputId !== this.packInput) this.flushPack();
    this.packInput = inputId;
    this.pack.add(id, line, f);
  }

  private flowRow(id: number, inputId: number, line: number, f: FlowRecord): void {
    const parts = f.parts;
    const partCount = parts ? parts.length : 0;
    const v = this.flows.buffer;
    const i = this.flows.at();
    v[i] = id;
    v[i + 1] = inputId;
    v[i + 2] = line;
    v[i + 3] = f.flowId;
    v[i + 4] = f.start;
    v[i + 5] = f.end;
    v[i + 6] = f.proto;
    v[i + 7] = f.src;
    v[i + 8] = f.sport;
    v[i + 9] = f.dst;
    v[i + 10] = f.dport;
    v[i + 11] = opt(f.dir);
    v[i + 12] = opt(f.state);
    v[i + 13] = opt(f.flags);
    v[i + 14] = f.pkts;
    v[i + 15] = f.bytes;
    v[i + 16] = f.byteBasis;
    v[i + 17] = opt(f.srcPkts);
    v[i + 18] = opt(f.dstPkts);
    v[i + 19] = opt(f.srcBytes);
    v[i + 20] = opt(f.dstBytes);
    v[i + 21] = opt(f.srcPayload);
    v[i + 22] = opt(f.dstPayload);
    v[i + 23] = f.records;
    v[i + 24] = partCount;
    v[i + 25] = f.origin.raw;
    for (let k = 0; k < partCount; k++) {
      const p = parts![k];
      this.parts.push([id, k, p.start, p.end, p.pkts, p.bytes]);
    }
    this.flows.added();
  }

  logEvent(id: number, inputId: number, line: number, e: LogEvent): void {
    this.eventRow(id, inputId, line, eventRowValues(e));
    if (!this.packEvents) return;
    if (inputId !== this.eventPackInput) this.flushEventPack();
    this.eventPackInput = inputId;
    this.eventPackRows.push({ id, line, event: e });
  }

  /** The events of a pack made elsewhere (the main thread, for the write worker): their rows, and the pack as it is. */
  eventsOfPack(inputId: number, pack: Uint8Array): void {
    decodeEventPack(pack, (id, line, v) => this.eventRow(id, inputId, line, v));
    if (!this.packEvents) return;
    this.flushEventPack();
    this.insertEventPack(inputId, pack);
  }

  eventRow(id: number, inputId: number, line: number, r: EventRowValues): void {
    const v = this.events.buffer;
    const i = this.events.at();
    v[i] = id;
    v[i + 1] = inputId;
    v[i + 2] = line;
    v[i + 3] = r.ts;
    v[i + 4] = r.service;
    v[i + 5] = r.action;
    v[i + 6] = r.host;
    v[i + 7] = r.program;
    v[i + 8] = r.pid;
    v[i + 9] = r.fields;
    v[i + 10] = r.message;
    v[i + 11] = r.msgAt;
    v[i + 12] = r.raw;
    this.events.added();
  }

  /** The flows of a pack made elsewhere (the main thread, for the write worker): their rows, and the pack as it is. */
  flowsOfPack(inputId: number, pack: Uint8Array): void {
    const ids: number[] = [];
    const flows: FlowRecord[] = [];
    decodeFlowPack(pack, '', ids, flows, new Map());
    if (flows.length === 0) return;
    this.flushPack();
    for (let k = 0; k < flows.length; k++) this.flowRow(ids[k], inputId, flows[k].origin.line, flows[k]);
    this.packInsert.run(ids[0], inputId, flows.length, pack);
  }

  skippedLine(inputId: number, line: number, reason: string): boolean {
    return this.skip.run(inputId, line, reason).changes > 0;
  }

  /** Writes what is buffered; call before the transaction commits. */
  flush(): void {
    this.flows.flush();
    this.events.flush();
    for (const p of this.parts) this.part.run(p);
    this.parts = [];
    this.flushPack();
    this.flushEventPack();
  }

  private flushEventPack(): void {
    if (this.eventPackRows.length === 0) return;
    const rows = this.eventPackRows;
    this.eventPackRows = [];
    this.insertEventPack(this.eventPackInput, encodeEventPack(rows));
  }

  private insertEventPack(inputId: number, pack: Uint8Array): void {
    const { count, firstId, minTs, maxTs } = eventPackSpan(pack);
    if (count === 0) return;
    // Deflated: a day of log text stored twice would grow the case file by half; level 1 takes
    // it to an eighth at ~380 MB/s, on the write worker (BENCHMARKS.md (g3)).
    this.eventPackInsert.run(firstId, inputId, count, minTs, maxTs, deflateRawSync(pack, { level: 1 }));
  }

  private flushPack(): void {
    if (this.pack.size === 0) return;
    const first = this.pack.firstId;
    const count = this.pack.size;
    this.packInsert.run(first, this.packInput, count, this.pack.take());
  }
}
