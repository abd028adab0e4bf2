// Time labels for the chart's columns: the tick step is the smallest that leaves room for its
// labels at this zoom, and ticks fall on round times of the display zone (00:00, 03:00 ...).
import { DateTime } from 'luxon';
import type { Micros } from '../../event.js';
import { MICROS_PER_SECOND } from '../../time.js';

const S = MICROS_PER_SECOND;
const STEPS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400].map((s) => s * S);
const DAY = 86400 * S;

/** Offset of the zone from UTC at `t`, in micros. */
function offsetAt(t: Micros, zone: string): Micros {
  return DateTime.fromMillis(Math.floor(t / 1000), { zone }).offset * 60 * S;
}

export interface Tick {
  column: number;
  label: string;
}

/** A clock or date label for a tick at `t`: dates at midnight and for day steps, HH:mm else. */
function labelAt(t: Micros, step: Micros, zone: string): string {
  const dt = DateTime.fromMillis(Math.floor(t / 1000), { zone });
  if (step >= DAY || (dt.hour === 0 && dt.minute === 0 && dt.second === 0)) return dt.toFormat('MM-dd');
  return step < 60 * S ? dt.toFormat('HH:mm:ss') : dt.toFormat('HH:mm');
}

/** Columns start at `start` and each spans `columnWidth`; ticks where a round time falls in a column. */
export function timeTicks(start: Micros, columnWidth: Micros, columns: number, zone: string): Tick[] {
  const labelWidth = columnWidth < 60 * S ? 9 : 6;
  // Room for a label and a gap between ticks.
  const step = STEPS.find((s) => s / columnWidth >= labelWidth + 1) ?? STEPS[STEPS.length - 1];
  const ticks: Tick[] = [];
  let lastEnd = -1;
  for (let c = 0; c < columns; c++) {
    const from = start + c * columnWidth;
    const local = from + offsetAt(from, zone);
    // The first round local time at or after the column's start, if it is inside the column.
    const round = Math.ceil(local / step) * step;
    if (round >= local + columnWidth) continue;
    const t = round - (local - from);
    const label = labelAt(t, step, zone);
    if (c <= lastEnd || c + label.length > columns) continue;
    ticks.push({ column: c, label });
    lastEnd = c + label.length;
  }
  return ticks;
}

/** The axis as one line of `columns` characters. */
export function axisLine(ticks: Tick[], columns: number): string {
  const chars = Array<string>(columns).fill(' ');
  for (const t of ticks) {
    for (let i = 0; i < t.label.length && t.column + i < columns; i++) chars[t.column + i] = t.label[i];
  }
  return chars.join('');
}
