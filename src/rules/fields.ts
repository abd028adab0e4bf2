// What `flow.X` and `log.X` mean: each field's type and how its value is read from a
// FlowRecord or LogEvent. Times and durations are Micros; bytes are bytes; rates bytes/s.
import type { ByteBasis, FlowRecord, LogEvent } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';

/**
 * `any` is an unknown log field: logs have open field sets, so its values are taken as they
 * come (numbers compare as numbers, everything else as text). `span` is an event's time span
 * (`flow`, `log`, `control` written alone), read as a Range from its start to its end.
 */
export type ValueType = 'number' | 'protocol' | 'port' | 'bytes' | 'rate' | 'duration' | 'time' | 'address' | 'string' | 'any' | 'span';

/** A value known only to lie within lo..hi (an estimate), with a note on how it was estimated. */
export interface Range {
  lo: number;
  hi: number;
  note: string;
}

export type Value = number | string | Range | undefined;

export function isRange(v: Value): v is Range {
  return typeof v === 'object' && v !== null;
}

export interface FieldSpec<E> {
  type: ValueType;
  read(event: E): Value;
}

export const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 };

function optional<T>(v: T | null | undefined): T | undefined {
  return v === null ? undefined : v;
}

/** Per-packet header bytes [min, max] that `bytes` counts on top of payload. */
export function headerOverhead(basis: ByteBasis, proto: number, ipv6: boolean): [number, number] {
  // Transport header: TCP 20 bytes plus up to 12 of options (timestamps are the common case).
  const transport: [number, number] = proto === 6 ? [20, 32] : proto === 17 || proto === 1 || proto === 58 ? [8, 8] : [0, 0];
  const ip = ipv6 ? 40 : 20;
  const ethernet = 14;
  switch (basis) {
    case 'payload':
      return [0, 0];
    case 'ip':
      return [ip + transport[0], ip + transport[1]];
    case 'link':
      return [ethernet + ip + transport[0], ethernet + ip + transport[1]];
    case 'unknown':
      return [0, ethernet + ip + transport[1]];
  }
}

function estimatePayload(flow: FlowRecord, bytes: number, pkts: number, what: string): Range {
  const [min, max] = headerOverhead(flow.byteBasis, flow.proto, flow.src.includes(':') || flow.dst.includes(':'));
  return {
    lo: Math.max(0, bytes - pkts * max),
    hi: Math.max(0, bytes - pkts * min),
    note: `estimated from ${pkts} packets${what}`,
  };
}

/** Payload both ways: measured when the source measured both directions, else estimated from wire bytes. */
export function flowPayload(flow: FlowRecord): Value {
  if (flow.srcPayload !== undefined && flow.dstPayload !== undefined) return flow.srcPayload + flow.dstPayload;
  return estimatePayload(flow, flow.bytes, flow.pkts, '');
}

/** One direction's payload; with no per-direction counts at all, the whole flow's range is all we know. */
export function directionPayload(flow: FlowRecord, side: 'src' | 'dst'): Value {
  const measured = side === 'src' ? flow.srcPayload : flow.dstPayload;
  if (measured !== undefined) return measured;
  const bytes = side === 'src' ? flow.srcBytes : flow.dstBytes;
  const pkts = side === 'src' ? flow.srcPkts : flow.dstPkts;
  if (bytes !== undefined && pkts !== undefined) return estimatePayload(flow, bytes, pkts, '');
  return estimatePayload(flow, flow.bytes, flow.pkts, ', whole flow');
}

export const FLOW_FIELDS: Record<string, FieldSpec<FlowRecord>> = {
  proto: { type: 'protocol', read: (f) => f.proto },
  src: { type: 'address', read: (f) => f.src },
  dst: { type: 'address', read: (f) => f.dst },
  sport: { type: 'port', read: (f) => optional(f.sport) },
  dport: { type: 'port', read: (f) => optional(f.dport) },
  pkts: { type: 'number', read: (f) => f.pkts },
  bytes: { type: 'bytes', read: (f) => f.bytes },
  src_pkts: { type: 'number', read: (f) => f.srcPkts },
  dst_pkts: { type: 'number', read: (f) => f.dstPkts },
  src_bytes: { type: 'bytes', read: (f) => f.srcBytes },
  dst_bytes: { type: 'bytes', read: (f) => f.dstBytes },
  payload: { type: 'bytes', read: flowPayload },
  src_payload: { type: 'bytes', read: (f) => directionPayload(f, 'src') },
  dst_payload: { type: 'bytes', read: (f) => directionPayload(f, 'dst') },
  start: { type: 'time', read: (f) => f.start },
  end: { type: 'time', read: (f) => f.end },
  duration: { type: 'duration', read: (f) => f.end - f.start },
  rate: { type: 'rate', read: (f) => (f.end > f.start ? (f.bytes * MICROS_PER_SECOND) / (f.end - f.start) : undefined) },
  state: { type: 'string', read: (f) => f.state },
  dir: { type: 'string', read: (f) => f.dir },
  flags: { type: 'string', read: (f) => f.flags },
};

function numericField(log: LogEvent, name: string): number | undefined {
  const v = log.fields[name];
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Transfer time in Micros: logged seconds, or bytes / rate (pure-ftpd logs bytes and KB/s, no duration). */
export function logDuration(log: LogEvent): number | undefined {
  const seconds = numericField(log, 'duration');
  if (seconds !== undefined) return seconds * MICROS_PER_SECOND;
  const bytes = numericField(log, 'bytes');
  const rate = numericField(log, 'rate');
  if (bytes !== undefined && rate !== undefined && rate > 0) return (bytes / rate) * MICROS_PER_SECOND;
  return undefined;
}

/** Log fields flowlink knows the type of; any other name is read from `fields` as `any`. */
export const LOG_FIELDS: Record<string, FieldSpec<LogEvent>> = {
  time: { type: 'time', read: (l) => l.ts },
  // Servers log a transfer when it ends.
  end: { type: 'time', read: (l) => l.ts },
  duration: { type: 'duration', read: logDuration },
  start: { type: 'time', read: (l) => l.ts - (logDuration(l) ?? 0) },
  service: { type: 'string', read: (l) => l.service },
  action: { type: 'string', read: (l) => l.action },
  host: { type: 'string', read: (l) => l.host },
  program: { type: 'string', read: (l) => l.program },
  pid: { type: 'number', read: (l) => l.pid },
  message: { type: 'string', read: (l) => l.message },
  user: { type: 'string', read: (l) => stringField(l, 'user') },
  file: { type: 'string', read: (l) => stringField(l, 'file') },
  client: { type: 'address', read: (l) => stringField(l, 'client') },
  bytes: { type: 'bytes', read: (l) => numericField(l, 'bytes') },
  rate: { type: 'rate', read: (l) => numericField(l, 'rate') },
  // postfix and sendmail deliveries: the message size as the MTA counted it.
  size: { type: 'bytes', read: (l) => numericField(l, 'size') },
};

/** A flow's time span, start..end. */
export function flowSpan(f: FlowRecord): Range {
  return { lo: f.start, hi: f.end, note: 'span' };
}

/** A log line's implied time span: its transfer window (start..end), or the instant it was written. */
export function logSpan(l: LogEvent): Range {
  return { lo: l.ts - (logDuration(l) ?? 0), hi: l.ts, note: 'span' };
}

export interface SpikeValues {
  start: number;
  end: number;
  bytes: number;
  excessBytes: number;
}

/** `spike.x`: the spike being explained. */
export const SPIKE_FIELDS: Record<string, FieldSpec<SpikeValues>> = {
  start: { type: 'time', read: (s) => s.start },
  end: { type: 'time', read: (s) => s.end },
  duration: { type: 'duration', read: (s) => s.end - s.start },
  bytes: { type: 'bytes', read: (s) => s.bytes },
  excess: { type: 'bytes', read: (s) => s.excessBytes },
};

export const SPIKE_FIELD_NAMES = Object.keys(SPIKE_FIELDS);

function stringField(log: LogEvent, name: string): string | undefined {
  const v = log.fields[name];
  return v === undefined ? undefined : String(v);
}

export function logField(name: string): FieldSpec<LogEvent> {
  return Object.hasOwn(LOG_FIELDS, name) ? LOG_FIELDS[name] : { type: 'any', read: (l) => l.fields[name] };
}

export function flowField(name: string): FieldSpec<FlowRecord> | undefined {
  return Object.hasOwn(FLOW_FIELDS, name) ? FLOW_FIELDS[name] : undefined;
}

export const FLOW_FIELD_NAMES = Object.keys(FLOW_FIELDS);
