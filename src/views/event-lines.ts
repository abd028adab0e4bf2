// `flowlink events` output: one line per event, or one JSON object per line (--json).
// Written for a million lines a second: the time text is cached per second, and zone
// offsets per hour (luxon computes every offset; see ZoneOffsets).
import { DateTime } from 'luxon';
import type { LogEvent, Micros } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';
import { logJson } from './json.js';

const HOUR_MS = 3_600_000;

/**
 * UTC offsets of one zone, one luxon call per hour instead of per line. An hour whose
 * start and end have the same offset has it throughout (zones change offset at most once
 * an hour, on a transition); an hour with a transition in it is asked of luxon per line.
 */
export class ZoneOffsets {
  private hour = NaN;
  private offsetMs = 0;
  private even = false;

  constructor(readonly zone: string) {}

  /** Milliseconds to add to UTC for the wall clock in the zone at `ms`. */
  at(ms: number): number {
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== this.hour) {
      this.hour = hour;
      const start = offsetOf(hour * HOUR_MS, this.zone);
      const end = offsetOf((hour + 1) * HOUR_MS - 1, this.zone);
      this.offsetMs = start;
      this.even = start === end;
    }
    return this.even ? this.offsetMs : offsetOf(ms, this.zone);
  }
}

function offsetOf(ms: number, zone: string): number {
  return DateTime.fromMillis(ms, { zone }).offset * 60_000;
}

const p2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** `2008-03-08 03:33:42` in the zone (`.123456` added when the stamp has a fraction). */
export class ClockText {
  private readonly offsets?: ZoneOffsets;
  private second = NaN;
  private text = '';

  constructor(zone: string) {
    if (zone !== 'UTC') this.offsets = new ZoneOffsets(zone);
  }

  format(us: Micros): string {
    const second = Math.floor(us / MICROS_PER_SECOND);
    if (second !== this.second) {
      this.second = second;
      const ms = second * 1000;
      const d = new Date(ms + (this.offsets ? this.offsets.at(ms) : 0));
      this.text = `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
    }
    const frac = us - second * MICROS_PER_SECOND;
    return frac === 0 ? this.text : `${this.text}.${String(frac).padStart(6, '0')}`;
  }
}

/** Fields shown after service and action, in this order: who, from where, what, how much. */
const SHOWN = ['user', 'client', 'from', 'to', 'relay_ip', 'file', 'path', 'method', 'status', 'bytes', 'size', 'queue_id'] as const;
const SHOWN_LABELS = SHOWN.map((key) => ` ${key}=`);
const SHOWN_INDEX: Record<string, number | undefined> = Object.assign(Object.create(null) as object, Object.fromEntries(SHOWN.map((key, k) => [key, k])));
/** The shown values of the event being formatted, by SHOWN index; emptied as they are written. */
const shownValues: (string | number | undefined)[] = SHOWN.map(() => undefined);

/**
 * One event as a line: time, file:line, service, action, key fields; generic syslog shows
 * its message. Plain concatenation with the labels made once: measured against pieces
 * pushed to an array and joined per chunk, this was faster (the short-lived ropes die
 * young; the big arrays did not). The event's own few fields are walked, not the twelve
 * shown names looked up in each: fields objects come in many shapes, and twelve lookups
 * on them cost 15-25% more (1M events of the bench file, same lines).
 */
export function eventLine(e: LogEvent, clock: ClockText): string {
  let line = clock.format(e.ts) + '  ' + e.origin.file + ':' + e.origin.line + '  ' + e.service;
  if (e.action !== undefined) line += ' ' + e.action;
  const f = e.fields;
  let first: number = SHOWN.length;
  let last = -1;
  for (const key in f) {
    const k = SHOWN_INDEX[key];
    if (k === undefined) continue;
    shownValues[k] = f[key];
    if (k < first) first = k;
    if (k > last) last = k;
  }
  for (let k = first; k <= last; k++) {
    const v = shownValues[k];
    if (v === undefined) continue;
    if (v !== '') line += SHOWN_LABELS[k] + v;
    shownValues[k] = undefined;
  }
  if (e.service === 'syslog') {
    line += '  ';
    if (e.host !== undefined) line += e.host + ' ';
    if (e.program !== undefined) line += e.pid === undefined ? e.program + ': ' : e.program + '[' + e.pid + ']: ';
    line += e.message;
  }
  return line;
}

/**
 * `2008-03-08T03:33:42.000000Z`, as formatIso (src/time.ts) writes it, with the part up to
 * the second cached: consecutive events mostly share their second.
 */
export class IsoClock {
  private second = NaN;
  private text = '';

  format(us: Micros): string {
    const second = Math.floor(us / MICROS_PER_SECOND);
    if (second !== this.second) {
      this.second = second;
      this.text = DateTime.fromMillis(second * 1000, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
    }
    const frac = Math.round(us - second * MICROS_PER_SECOND);
    return `${this.text}.${frac === 0 ? '000000' : String(frac).padStart(6, '0')}Z`;
  }
}

/** One event as a JSON object (the `--json` shape of `explain`'s log lines, plus host and program). */
export function eventJson(e: LogEvent, clock?: IsoClock): string {
  // logJson's shape, key for key (a test holds them equal), with the time from the cache.
  const o: Record<string, unknown> = clock
    ? { time: clock.format(e.ts), file: e.origin.file, line: e.origin.line, text: e.origin.raw, service: e.service, action: e.action ?? null, fields: e.fields }
    : logJson(e);
  if (e.host !== undefined) o.host = e.host;
  if (e.program !== undefined) o.program = e.program;
  if (e.pid !== undefined) o.pid = e.pid;
  return JSON.stringify(o);
}
