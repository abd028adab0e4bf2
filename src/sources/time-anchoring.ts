// The order inputs are read in and the time context each is read with, for every reader
// (store ingest, `events`, `flows`): inputs whose stamps are complete first, so that a yearless
// syslog takes its year from their span and a time-of-day-only argus file its date, unless
// --year / --date say it. One place, so the commands date the same file the same way.
import { basename } from 'node:path';
import type { Micros } from '../event.js';
import { TimeContextError } from '../errors.js';
import { formatClock, microsToLocalDate, type TimeContext } from '../time.js';
import type { TimeCompleteness } from '../../parsers/parser.js';
import type { ReadOptions } from './options.js';

/** Complete stamps, then yearless (syslog), then time-of-day only (argus's default). */
export const READ_ORDER: readonly TimeCompleteness[] = ['full', 'no-year', 'no-date'];

/** `inputs` in the order they are read: by READ_ORDER, keeping the given order within a stage. */
export function inReadOrder<T extends { completeness: TimeCompleteness }>(inputs: readonly T[]): T[] {
  return READ_ORDER.flatMap((stage) => inputs.filter((i) => i.completeness === stage));
}

/** The earliest and latest instants read so far (min > max: nothing yet). */
export interface TimeSpan {
  min: Micros;
  max: Micros;
}

export const emptySpan = (): TimeSpan => ({ min: Infinity, max: -Infinity });

export function widenSpan(span: TimeSpan, from: Micros, to: Micros = from): void {
  if (from < span.min) span.min = from;
  if (to > span.max) span.max = to;
}

/** The zone of `file`'s stamps without one: `--tz FILE=ZONE` (by path or base name), else `--tz`. */
export function zoneOf(file: string, options: Pick<ReadOptions, 'zone' | 'zoneFor'>): string {
  return options.zoneFor?.get(file) ?? options.zoneFor?.get(basename(file)) ?? options.zone;
}

export interface AnchoredInput {
  file: string;
  completeness: TimeCompleteness;
  /** The file's modification time: a yearless log's year when nothing else dates it. Absent: the parser decides. */
  mtime?: Date;
}

function fmtDate(d: { year: number; month: number; day: number }): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

/**
 * The time context `input` is read with, given the span of the inputs read before it, and the
 * notes saying where a year or date came from. `spanSource` names that span in the notes
 * (default: the other inputs, with the span's first and last clock). A time-of-day-only
 * input with nothing to date it is a TimeContextError (the user passes --date).
 */
export function anchoredTimeContext(
  input: AnchoredInput,
  options: Pick<ReadOptions, 'zone' | 'zoneFor' | 'year' | 'date'>,
  span: TimeSpan,
  spanSource?: string,
): { time: TimeContext; notes: string[] } {
  const zone = zoneOf(input.file, options);
  const time: TimeContext = { zone, year: options.year, date: options.date };
  const notes: string[] = [];
  const haveSpan = span.min <= span.max;
  const source = spanSource ?? (haveSpan ? `the other inputs (${formatClock(span.min, zone)} .. ${formatClock(span.max, zone)})` : '');
  if (input.completeness === 'no-year' && time.year === undefined) {
    if (haveSpan) {
      time.anchor = Math.round((span.min + span.max) / 2);
      time.anchorSource = source;
    } else if (input.mtime) {
      time.anchor = input.mtime.getTime() * 1000;
      time.anchorSource = "the file's modification time";
    }
    if (time.anchorSource !== undefined) notes.push(`year taken from ${time.anchorSource}`);
  }
  if (input.completeness === 'no-date' && time.date === undefined) {
    if (!haveSpan) {
      throw new TimeContextError(
        `${input.file}: stamps have a time of day but no date, and no other input has dates`,
        'pass --date YYYY-MM-DD (the capture day), or run ra with -u or RA_TIME_FORMAT="%Y/%m/%d %T.%f"',
      );
    }
    time.date = microsToLocalDate(span.min, zone);
    time.dateSource = 'the other inputs';
    notes.push(`date ${fmtDate(time.date)} taken from ${time.dateSource}`);
  }
  return { time, notes };
}
