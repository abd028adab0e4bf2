// FlowRecord and LogEvent <-> table rows. One place decides how each field is stored, so a
// record read back is the record that was written (absent optional fields stay absent).
import type { FieldValue, FlowPart, FlowRecord, LogEvent } from '../event.js';
import type { Store } from './db.js';

export interface FlowRow {
  id: number;
  path: string;
  line: number;
  flow_id: string;
  start_us: number;
  end_us: number;
  proto: number;
  src: string;
  sport: number | null;
  dst: string;
  dport: number | null;
  dir: string | null;
  state: string | null;
  flags: string | null;
  pkts: number;
  bytes: number;
  byte_basis: FlowRecord['byteBasis'];
  src_pkts: number | null;
  dst_pkts: number | null;
  src_bytes: number | null;
  dst_bytes: number | null;
  src_payload: number | null;
  dst_payload: number | null;
  records: number;
  part_count: number;
  raw: string;
}

export interface EventRow {
  id: number;
  path: string;
  line: number;
  ts_us: number;
  service: string;
  action: string | null;
  host: string | null;
  program: string | null;
  pid: number | null;
  fields: string | null;
  message: string;
  raw: string;
}

export interface PartRow {
  flow_row: number;
  start_us: number;
  end_us: number;
  pkts: number;
  bytes: number;
}

/** The columns the read queries select, with the input's current path as the origin file. */
export const FLOW_COLUMNS = `f.id, i.path, f.line, f.flow_id, f.start_us, f.end_us, f.proto, f.src, f.sport, f.dst, f.dport,
  f.dir, f.state, f.flags, f.pkts, f.bytes, f.byte_basis, f.src_pkts, f.dst_pkts, f.src_bytes, f.dst_bytes,
  f.src_payload, f.dst_payload, f.records, f.part_count, f.raw`;
export const EVENT_COLUMNS = `e.id, i.path, e.line, e.ts_us, e.service, e.action, e.host, e.program, e.pid, e.fields, e.message, e.raw`;

export function flowFromRow(r: FlowRow, parts?: FlowPart[]): FlowRecord {
  const flow: FlowRecord = {
    kind: 'flow',
    flowId: r.flow_id,
    start: r.start_us,
    end: r.end_us,
    proto: r.proto,
    src: r.src,
    sport: r.sport,
    dst: r.dst,
    dport: r.dport,
    pkts: r.pkts,
    bytes: r.bytes,
    byteBasis: r.byte_basis,
    origin: { file: r.path, line: r.line, raw: r.raw },
    records: r.records,
  };
  if (r.dir !== null) flow.dir = r.dir;
  if (r.state !== null) flow.state = r.state;
  if (r.flags !== null) flow.flags = r.flags;
  if (r.src_pkts !== null) flow.srcPkts = r.src_pkts;
  if (r.dst_pkts !== null) flow.dstPkts = r.dst_pkts;
  if (r.src_bytes !== null) flow.srcBytes = r.src_bytes;
  if (r.dst_bytes !== null) flow.dstBytes = r.dst_bytes;
  if (r.src_payload !== null) flow.srcPayload = r.src_payload;
  if (r.dst_payload !== null) flow.dstPayload = r.dst_payload;
  if (parts && parts.length > 0) flow.parts = parts;
  return flow;
}

export function eventFromRow(r: EventRow): LogEvent {
  const event: LogEvent = {
    kind: 'log',
    ts: r.ts_us,
    service: r.service,
    fields: r.fields === null ? {} : (JSON.parse(r.fields) as Record<string, FieldValue>),
    message: r.message,
    origin: { file: r.path, line: r.line, raw: r.raw },
  };
  if (r.action !== null) event.action = r.action;
  if (r.host !== null) event.host = r.host;
  if (r.program !== null) event.program = r.program;
  if (r.pid !== null) event.pid = r.pid;
  return event;
}

const opt = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** Prepared inserts for one store. Duplicates (same input and line) are ignored, by constraint. */
export class RowWriter {
  private readonly flow;
  private readonly part;
  private readonly event;
  private readonly skip;

  constructor(db: Store) {
    this.flow = db.prepare(
      `INSERT OR IGNORE INTO flow_rows (input_id, line, flow_id, start_us, end_us, proto, src, sport, dst, dport, dir, state, flags,
        pkts, bytes, byte_basis, src_pkts, dst_pkts, src_bytes, dst_bytes, src_payload, dst_payload, records, part_count, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.part = db.prepare('INSERT INTO flow_parts (flow_row, seq, start_us, end_us, pkts, bytes) VALUES (?, ?, ?, ?, ?, ?)');
    this.event = db.prepare(
      `INSERT OR IGNORE INTO event_rows (input_id, line, ts_us, service, action, host, program, pid, fields, message, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.skip = db.prepare('INSERT OR IGNORE INTO skipped_lines (input_id, line, reason) VALUES (?, ?, ?)');
  }

  /** True when stored, false when the store already had this input's line. */
  flowRecord(inputId: number, f: FlowRecord): boolean {
    const parts = f.parts ?? [];
    const res = this.flow.run(
      inputId, f.origin.line, f.flowId, f.start, f.end, f.proto, f.src, f.sport, f.dst, f.dport,
      opt(f.dir), opt(f.state), opt(f.flags), f.pkts, f.bytes, f.byteBasis,
      opt(f.srcPkts), opt(f.dstPkts), opt(f.srcBytes), opt(f.dstBytes), opt(f.srcPayload), opt(f.dstPayload),
      f.records, parts.length, f.origin.raw,
    );
    if (res.changes === 0) return false;
    const row = res.lastInsertRowid;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      this.part.run(row, i, p.start, p.end, p.pkts, p.bytes);
    }
    return true;
  }

  logEvent(inputId: number, e: LogEvent): boolean {
    let fields: string | null = null;
    for (const _ in e.fields) {
      fields = JSON.stringify(e.fields);
      break;
    }
    const res = this.event.run(
      inputId, e.origin.line, e.ts, e.service, opt(e.action), opt(e.host), opt(e.program), opt(e.pid), fields, e.message, e.origin.raw,
    );
    return res.changes > 0;
  }

  skippedLine(inputId: number, line: number, reason: string): boolean {
    return this.skip.run(inputId, line, reason).changes > 0;
  }
}
