// The flags that say how inputs are read (--tz, --year, --date, --format) turned into
// ReadOptions, once for every command. Kept apart from common.ts and light (no store, no
// rules, no analyses) so that `flowlink events` loads none of those to list a log.
import { DateTime } from 'luxon';
import { FlowlinkError } from '../errors.js';
import type { ReadOptions } from '../sources/options.js';
import { checkZone, parseDateOption, systemZone } from '../time.js';
import { parserNamed } from '../../parsers/index.js';

/** What every input-reading command takes from its flags. */
export interface ReadFlags {
  tz: string[];
  year?: string;
  date?: string;
  /** `--format NAME` / `--format FILE=NAME`, repeatable. */
  format?: string[];
}

/** `--tz Europe/Berlin` for every input, `--tz maillog=America/New_York` for one. */
export function zones(values: string[]): { zone?: string; zoneFor: Map<string, string> } {
  let zone: string | undefined;
  const zoneFor = new Map<string, string>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq > 0) zoneFor.set(v.slice(0, eq), checkZone(v.slice(eq + 1)));
    else zone = checkZone(v);
  }
  return { zone, zoneFor };
}

/** `--format syslog` for every input, `--format messages=pure-ftpd` for one (like `zones`). */
export function formats(values: string[] = []): { format?: string; formatFor: Map<string, string> } {
  let format: string | undefined;
  const formatFor = new Map<string, string>();
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    if (eq > 0) formatFor.set(v.slice(0, eq), parserNamed(v.slice(eq + 1)).name);
    else format = parserNamed(v).name;
  }
  return { format, formatFor };
}

export function parseYear(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{4}$/.test(text)) throw new FlowlinkError(`--year '${text}' is not a year`, 'use four digits, e.g. --year 2008');
  return Number(text);
}

/** `--at 2008-03-08T03:30` in the display zone (an explicit offset or Z wins). */
export function parseInstant(flag: string, text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone, setZone: true });
  if (!dt.isValid) throw new FlowlinkError(`${flag} '${text}' is not a time`, 'use ISO 8601, e.g. 2008-03-08T03:30 (in --tz, default UTC) or 2008-03-08T03:30Z');
  return dt.toMillis() * 1000;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * The ReadOptions the flags give, and the zone `--tz` named for every input (undefined
 * without one: stamps are then read in the system zone and shown in UTC).
 */
export function readOptionsFrom(flags: ReadFlags): { options: ReadOptions; zone?: string } {
  const { zone, zoneFor } = zones(flags.tz);
  const options: ReadOptions = {
    zone: zone ?? systemZone(),
    zoneFor,
    year: parseYear(flags.year),
    date: flags.date ? parseDateOption(flags.date) : undefined,
    ...formats(flags.format),
  };
  return { options, zone };
}
