// All timestamp conversion lives here: local wall-clock stamps in a zone become UTC
// microseconds through luxon. Analyses never read the clock.
import { DateTime, FixedOffsetZone, IANAZone, Info } from 'luxon';
import type { Micros } from './event.js';
import { TimeContextError } from './errors.js';

export const MICROS_PER_SECOND = 1_000_000;

/** What a parser needs to place incomplete stamps on the UTC timeline. */
export interface TimeContext {
  /** IANA zone of stamps that carry none. */
  zone: string;
  /** Year for yearless stamps, when the user gave one (`--year`). */
  year?: number;
  /** A time near the input's events, used to pick the year of yearless stamps. */
  anchor?: Micros;
  /** Where the anchor came from, for notes ('the flows', 'file mtime'). */
  anchorSource?: string;
  /** Date (local, in `zone`) of the first time-only stamp. */
  date?: LocalDate;
  dateSource?: string;
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Fraction of the second in microseconds, 0..999999. */
  micro: number;
}

export function checkZone(zone: string): string {
  if (!IANAZone.isValidZone(zone)) {
    throw new TimeContextError(`unknown time zone '${zone}'`, 'use an IANA name such as UTC or Europe/Berlin');
  }
  return zone;
}

export function systemZone(): string {
  return Info.normalizeZone('system')?.name ?? 'UTC';
}

/** Wall-clock time in `zone` to UTC microseconds; luxon resolves DST gaps and repeats. */
export function wallClockToMicros(t: WallClock, zone: string): Micros {
  const dt = DateTime.fromObject(
    { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second },
    { zone },
  );
  if (!dt.isValid) throw new RangeError(`invalid time ${JSON.stringify(t)}: ${dt.invalidExplanation}`);
  return dt.toMillis() * 1000 + t.micro;
}

/** Seconds since the epoch as UTC wall-clock parts (a log that stamps with `time()`). */
export function epochToUtcWallClock(seconds: number): WallClock {
  const dt = DateTime.fromSeconds(seconds, { zone: 'UTC' });
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second, micro: 0 };
}

export function microsToLocalDate(us: Micros, zone: string): LocalDate {
  const dt = DateTime.fromMillis(Math.floor(us / 1000), { zone });
  return { year: dt.year, month: dt.month, day: dt.day };
}

/** ISO 8601 in UTC with microseconds, the form used in `--json`. */
export function formatIso(us: Micros): string {
  const ms = Math.floor(us / 1000);
  const base = DateTime.fromMillis(ms, { zone: 'UTC' }).toFormat("yyyy-MM-dd'T'HH:mm:ss");
  const frac = String(Math.round(us - Math.floor(us / MICROS_PER_SECOND) * MICROS_PER_SECOND)).padStart(6, '0');
  return `${base}.${frac}Z`;
}

/** A time for people: `2008-03-08 03:27:47` in the given zone. */
export function formatClock(us: Micros, zone = 'UTC', withDate = true): string {
  const dt = DateTime.fromMillis(Math.floor(us / 1000), { zone });
  return dt.toFormat(withDate ? 'yyyy-MM-dd HH:mm:ss' : 'HH:mm:ss');
}

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

/** 'Mar' -> 3; undefined for anything else. */
export function monthNumber(name: string): number | undefined {
  return MONTHS[name.slice(0, 3).toLowerCase()];
}

/** 'hh:mm:ss[.ffffff]' -> parts; undefined when malformed. */
export function parseClock(text: string): { hour: number; minute: number; second: number; micro: number } | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const micro = m[4] ? Math.round(Number(`0.${m[4]}`) * MICROS_PER_SECOND) : 0;
  return { hour, minute, second, micro: Math.min(micro, 999_999) };
}

const HALF_YEAR_US = 183 * 24 * 3600 * MICROS_PER_SECOND;

/**
 * Gives yearless stamps (RFC 3164 syslog) a year. Each stamp takes the year that puts it
 * nearest the previous stamp of the same file (the first: nearest the context's anchor),
 * so a log that crosses New Year moves to the next year at Jan 1 and back-dated lines stay put.
 */
export class YearResolver {
  private previous: Micros | undefined;

  constructor(private readonly ctx: TimeContext) {
    if (ctx.year === undefined && ctx.anchor === undefined) {
      throw new TimeContextError('no year for yearless stamps', 'pass --year YYYY');
    }
  }

  resolve(month: number, day: number, clock: { hour: number; minute: number; second: number; micro: number }): Micros {
    const { zone } = this.ctx;
    const at = (year: number) => wallClockToMicros({ year, month, day, ...clock }, zone);
    let result: Micros;
    if (this.previous === undefined && this.ctx.year !== undefined) {
      result = at(this.ctx.year);
    } else {
      const reference = this.previous ?? this.ctx.anchor!;
      const refYear = microsToLocalDate(reference, zone).year;
      result = at(refYear);
      if (result - reference > HALF_YEAR_US) result = at(refYear - 1);
      else if (reference - result > HALF_YEAR_US) result = at(refYear + 1);
    }
    this.previous = result;
    return result;
  }
}

const HALF_DAY_US = 12 * 3600 * MICROS_PER_SECOND;

/**
 * Gives time-only stamps (argus `%T.%f`) a date: the context's date, moved on a day each
 * time the clock goes back by more than half a day (a capture across midnight).
 */
export class DateResolver {
  private day: LocalDate;
  private previous: Micros | undefined;

  constructor(private readonly ctx: TimeContext) {
    if (!ctx.date) {
      throw new TimeContextError('no date for time-only stamps', 'pass --date YYYY-MM-DD, or give an input with dates');
    }
    this.day = ctx.date;
  }

  resolve(clock: { hour: number; minute: number; second: number; micro: number }): Micros {
    let result = wallClockToMicros({ ...this.day, ...clock }, this.ctx.zone);
    if (this.previous !== undefined && this.previous - result > HALF_DAY_US) {
      const next = DateTime.fromObject(this.day, { zone: this.ctx.zone }).plus({ days: 1 });
      this.day = { year: next.year, month: next.month, day: next.day };
      result = wallClockToMicros({ ...this.day, ...clock }, this.ctx.zone);
    }
    this.previous = result;
    return result;
  }
}

/** 'YYYY-MM-DD' -> LocalDate, or a user error. */
export function parseDateOption(text: string): LocalDate {
  const dt = DateTime.fromISO(text, { zone: 'UTC' });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !dt.isValid) {
    throw new TimeContextError(`--date '${text}' is not a date`, 'use YYYY-MM-DD');
  }
  return { year: dt.year, month: dt.month, day: dt.day };
}

// ---- Stamps with the year written (vsftpd.log, xferlog) and with a written offset (access logs) ----

const CTIME_RE = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{1,2}:\d{2}:\d{2}) (\d{4})(?= |$)/;

/**
 * C `ctime()` form `Tue Dec  1 20:12:13 2026` (vsftpd.log, xferlog), day space-padded or
 * not, as pure-ftpd's xferlog writes `Dec 01`. The weekday is not checked: hand-edited
 * logs get it wrong and the date says enough. `length` is the stamp's length in `text`.
 */
export function parseCtime(text: string): { wall: WallClock; length: number } | undefined {
  const m = CTIME_RE.exec(text);
  if (!m) return undefined;
  const month = monthNumber(m[1]);
  const clock = parseClock(m[3]);
  const day = Number(m[2]);
  if (month === undefined || !clock || day < 1 || day > 31) return undefined;
  return { wall: { year: Number(m[4]), month, day, ...clock }, length: m[0].length };
}

/**
 * Zone-less wall clocks in one zone to UTC: one luxon call per local hour, arithmetic
 * inside an hour whose clock runs evenly; hours broken by a DST change go through luxon
 * line by line, so results always equal `wallClockToMicros`. A time in a DST gap (New York
 * 2008-03-09 02:30) and the repeated hour (2008-11-02 01:30) get luxon's choice: a gap
 * time moves forward by the gap (02:30 -> 03:30 EDT = 07:30Z), a repeated time takes the
 * offset in force after the change (01:30 -> 01:30 EST = 06:30Z, the second pass). Lines
 * written during the first pass of a repeated hour therefore land an hour late (and the
 * timeline has no lines for 05:00-05:59Z); a stamp without an offset cannot say which pass
 * it was. test/parsers/xferlog.test.ts pins this down.
 */
export class ZonedClock {
  private hourKey = '';
  private hourBase: Micros = 0;
  private hourEven = false;

  constructor(readonly zone: string) {}

  toMicros(t: WallClock): Micros {
    if (t.minute > 59 || t.second > 59) return wallClockToMicros(t, this.zone);
    const key = `${t.year}-${t.month}-${t.day}-${t.hour}`;
    if (key !== this.hourKey) {
      const base = wallClockToMicros({ ...t, minute: 0, second: 0, micro: 0 }, this.zone);
      const last = wallClockToMicros({ ...t, minute: 59, second: 59, micro: 0 }, this.zone);
      this.hourKey = key;
      this.hourBase = base;
      this.hourEven = last - base === 3599 * MICROS_PER_SECOND;
    }
    if (!this.hourEven) return wallClockToMicros(t, this.zone);
    return this.hourBase + (t.minute * 60 + t.second) * MICROS_PER_SECOND + t.micro;
  }
}

// ---- Wall clocks stamped with a zone abbreviation (journalctl -o short-full) ----

/** A stamp that cannot be placed on the timeline; the message is the reason its line is skipped. */
export class StampError extends RangeError {}

/**
 * The UTC offsets (minutes) at which wall clock `t` occurs in `zone`, earliest instant
 * first: one, two in an hour a daylight-saving change repeats, none in one it skips. The
 * candidates are the zone's offsets a day either side (no zone changes twice in two days),
 * each kept when the zone does show `t` at that offset.
 */
export function wallClockOffsets(t: WallClock, zone: string): number[] {
  const near = DateTime.fromObject(wallObject(t), { zone });
  if (!near.isValid) throw new RangeError(`invalid time ${JSON.stringify(t)}: ${near.invalidExplanation}`);
  const candidates = new Set([near.minus({ days: 1 }).offset, near.offset, near.plus({ days: 1 }).offset]);
  return [...candidates].filter((offset) => atOffset(t, offset).setZone(zone).offset === offset).sort((a, b) => b - a);
}

function wallObject(t: WallClock) {
  return { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
}

function atOffset(t: WallClock, offset: number): DateTime {
  return DateTime.fromObject(wallObject(t), { zone: FixedOffsetZone.instance(offset) });
}

// Intl has no tzdata abbreviations, but CLDR's short names in these English locales are
// tzdata's for their regions' zones (EST/PDT, CET/BST, IST, AEDT/NZDT, SAST ...): 439 of
// the 498 letter abbreviations of all zones in January and July; the rest (JST, MSK ...)
// get only `GMT+9` and the like.
const ABBREVIATION_LOCALES = ['en-US', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-AU', 'en-ZA'];

/** luxon's letter names of `zone` at wall clock `t` taken at `offset` (`GMT+9` and the like left out). */
function letterNames(t: WallClock, offset: number, zone: string): string[] {
  const dt = atOffset(t, offset).setZone(zone);
  return ABBREVIATION_LOCALES.map((locale) => dt.setLocale(locale).offsetNameShort ?? '').filter((name) => /^[A-Za-z]+$/.test(name));
}

/** A zone that writes each common abbreviation, for the hint of a file read in the wrong one (an example, not a guess). */
const EXAMPLE_ZONES: Record<string, string> = {
  EST: 'America/New_York', EDT: 'America/New_York', CST: 'America/Chicago', CDT: 'America/Chicago',
  MST: 'America/Denver', MDT: 'America/Denver', PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles',
  WET: 'Europe/Lisbon', WEST: 'Europe/Lisbon', BST: 'Europe/London', CET: 'Europe/Berlin', CEST: 'Europe/Berlin',
  EET: 'Europe/Athens', EEST: 'Europe/Athens', MSK: 'Europe/Moscow', IST: 'Asia/Kolkata', JST: 'Asia/Tokyo',
  AEST: 'Australia/Sydney', AEDT: 'Australia/Sydney', NZST: 'Pacific/Auckland', NZDT: 'Pacific/Auckland',
};

/**
 * The UTC offset (minutes) of wall clock `t` stamped `abbreviation` as journalctl prints
 * its zone (tzdata's: `EST`, `CEST`, `+04`, `+0530`), when it ran in `zone`. `UTC`, `GMT`
 * and numeric ones say the offset; letters must be one of `zone`'s names at `t`, which also
 * picks the pass of a repeated hour (`EDT`, then `EST`). Letters luxon has no name to check
 * against are taken on trust unless the hour repeats. Throws StampError when `t` does not
 * exist in `zone` or the abbreviation is not `zone`'s.
 */
export function abbreviatedOffset(t: WallClock, abbreviation: string, zone: string): number {
  if (abbreviation === 'UTC' || abbreviation === 'GMT') return 0;
  const numeric = /^([+-])(\d{2})(\d{2})?$/.exec(abbreviation);
  if (numeric) return (numeric[1] === '-' ? -1 : 1) * (Number(numeric[2]) * 60 + Number(numeric[3] ?? '0'));
  const offsets = wallClockOffsets(t, zone);
  const when = atOffset(t, 0).toFormat('yyyy-MM-dd HH:mm');
  if (offsets.length === 0) throw new StampError(`${when} does not exist in ${zone} (skipped by a daylight-saving change)`);
  const named = offsets.map((offset) => letterNames(t, offset, zone));
  const fits = offsets.filter((_, k) => named[k].includes(abbreviation));
  if (fits.length === 1) return fits[0];
  if (fits.length === 0 && named.some((names) => names.length > 0)) {
    throw new StampError(`zone '${abbreviation}' is not ${zone}'s: pass --tz with the zone journalctl ran in (e.g. --tz ${EXAMPLE_ZONES[abbreviation] ?? 'Europe/Berlin'})`);
  }
  if (offsets.length === 1) return offsets[0];
  throw new StampError(`zone '${abbreviation}' does not tell which pass of ${zone}'s repeated hour ${when} is meant`);
}
