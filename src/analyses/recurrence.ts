// Recurrence: spikes on different days at about the same time of day, carried by the same
// hosts, are one scheduled thing seen several times ("recurs daily near 03:27 (2 of 2 days)").
import { DateTime } from 'luxon';
import type { ExplainedSpike, Micros, Recurrence, Spike } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';

export interface RecurrenceOptions {
  /** How far apart in time of day two spikes may start and still be "the same time". */
  tolerance: Micros;
  /** Zone whose days and times of day count (a cron job runs on the server's clock). */
  zone: string;
}

export const DEFAULT_RECURRENCE: RecurrenceOptions = { tolerance: 45 * 60 * MICROS_PER_SECOND, zone: 'UTC' };

const DAY_US = 86400 * MICROS_PER_SECOND;
const WEEK_US = 7 * DAY_US;

function localParts(us: Micros, zone: string): { minuteOfDay: number; day: string; weekday: number } {
  const dt = DateTime.fromMillis(Math.floor(us / 1000), { zone });
  return { minuteOfDay: dt.hour * 60 + dt.minute + dt.second / 60, day: dt.toISODate()!, weekday: dt.weekday };
}

/** Difference between two times of day in minutes, across midnight (23:50 vs 00:10 = 20). */
function clockDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 1440;
  return Math.min(d, 1440 - d);
}

/** The hosts that carry a spike: those with at least a fifth of it. */
function carriers(s: Spike): Set<string> {
  return new Set(s.hosts.filter((h) => h.share >= 0.2).map((h) => h.host));
}

function sameHosts(a: Spike, b: Spike): boolean {
  const x = carriers(a);
  const y = carriers(b);
  let common = 0;
  for (const h of x) if (y.has(h)) common++;
  return common > 0 && common / Math.max(x.size, y.size) >= 0.5;
}

function hhmm(minuteOfDay: number): string {
  const m = Math.floor(minuteOfDay) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/**
 * How many days (weeks) the data covers at a time of day: a day counts when the span holds that
 * moment; for weeks, that moment on the given weekday (1 Monday .. 7 Sunday).
 */
function coveredPeriods(spanStart: Micros, spanEnd: Micros, minuteOfDay: number, period: Micros, zone: string, weekday: number): number {
  let count = 0;
  let first = DateTime.fromMillis(Math.floor(spanStart / 1000), { zone }).startOf('day');
  if (period === WEEK_US) first = first.plus({ days: (weekday - first.weekday + 7) % 7 });
  for (let day = first; day.toMillis() * 1000 <= spanEnd; day = day.plus(period === WEEK_US ? { weeks: 1 } : { days: 1 })) {
    const at = day.plus({ minutes: minuteOfDay }).toMillis() * 1000;
    if (at >= spanStart && at <= spanEnd) count++;
  }
  return count;
}

/**
 * Groups spikes that recur and marks each with its group. Pure: returns new spike objects.
 * Spikes on different days, their onsets within the tolerance in time of day, carried by the
 * same hosts, are one group. The group is weekly when every spike in it falls on the same
 * weekday and the data spans more than a week (so the other days at that time were quiet);
 * daily otherwise.
 */
export function findRecurrence(spikes: Spike[], span: { start: Micros; end: Micros }, options: RecurrenceOptions = DEFAULT_RECURRENCE): Spike[] {
  const tol = options.tolerance / (60 * MICROS_PER_SECOND);
  const parts = spikes.map((s) => localParts(s.onset, options.zone));
  const out = spikes.map((s) => ({ ...s }));
  const grouped = new Set<number>();
  for (let i = 0; i < spikes.length; i++) {
    if (grouped.has(i)) continue;
    const group = [i];
    for (let j = i + 1; j < spikes.length; j++) {
      if (grouped.has(j)) continue;
      const otherDay = group.every((g) => parts[g].day !== parts[j].day);
      if (otherDay && clockDistance(parts[i].minuteOfDay, parts[j].minuteOfDay) <= tol && sameHosts(spikes[i], spikes[j])) group.push(j);
    }
    if (group.length < 2) continue;
    const minutes = group.map((g) => parts[g].minuteOfDay).sort((a, b) => a - b);
    const near = minutes[Math.floor((minutes.length - 1) / 2)];
    const sameWeekday = group.every((g) => parts[g].weekday === parts[i].weekday);
    const period = sameWeekday && span.end - span.start > WEEK_US ? 'weekly' : 'daily';
    const of = Math.max(group.length, coveredPeriods(span.start, span.end, near, period === 'daily' ? DAY_US : WEEK_US, options.zone, parts[i].weekday));
    const recurrence: Recurrence = {
      period,
      near: hhmm(near),
      seen: group.length,
      of,
      sameHosts: true,
      spikeIds: group.map((g) => spikes[g].id),
    };
    for (const g of group) {
      grouped.add(g);
      out[g].recurrence = recurrence;
    }
  }
  return out;
}

export function describeRecurrence(r: Recurrence): string {
  const unit = r.period === 'daily' ? 'days' : 'weeks';
  return `recurs ${r.period} near ${r.near} (${r.seen} of ${r.of} ${unit})${r.sameHosts ? ', same hosts' : ''}`;
}

/** Dates inside file names (`2008.03.08`, `2008-03-08`, `20080308`): what changes from run to run. */
const DATE_IN_NAME = /(?:19|20)\d{2}([.\-_]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])/g;

function namePattern(file: string): string | undefined {
  const base = file.split('/').pop() ?? file;
  const pattern = base.replace(DATE_IN_NAME, '<date>');
  return pattern === base ? undefined : pattern;
}

/**
 * Marks recurring spikes whose evidence repeats: the same user moving files whose names differ
 * only by a date, in every spike of the group. That is what a cron job looks like. Pure.
 */
export function markScheduledJobs(explained: ExplainedSpike[]): ExplainedSpike[] {
  const byId = new Map(explained.map((x) => [x.spike.id, x]));
  return explained.map((x) => {
    const r = x.spike.recurrence;
    if (!r) return x;
    const group = r.spikeIds.map((id) => byId.get(id)).filter((g): g is ExplainedSpike => g !== undefined);
    const signatures = group.map((g) => {
      const set = new Set<string>();
      for (const e of g.explanations) {
        const fields = e.logs[0]?.fields ?? {};
        const pattern = typeof fields.file === 'string' ? namePattern(fields.file) : undefined;
        if (fields.user !== undefined && pattern) set.add(`${fields.user}\u0000${e.title}\u0000${pattern}`);
      }
      return set;
    });
    const common = [...(signatures[0] ?? [])].filter((sig) => signatures.every((s) => s.has(sig)));
    if (common.length === 0 || group.length < 2) return x;
    const [user, title] = common[0].split('\u0000');
    const patterns = common.map((c) => c.split('\u0000')[2]);
    const every = r.period === 'daily' ? 'daily near' : 'weekly near';
    return { ...x, scheduled: `looks like a scheduled job: ${user}, ${title}s of ${patterns.join(', ')} ${every} ${r.near}` };
  });
}
