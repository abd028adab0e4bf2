// The `explain` template's formatters (`{log.bytes|bytes}`) and how values read in evidence.
// Byte sizes use binary units with three significant digits (src/units.ts), as the views do,
// so a summary and the report around it never disagree on a size.
import { formatBytes, formatDuration, formatRate } from '../units.js';
import { MICROS_PER_SECOND } from '../time.js';
import { isRange, type Value, type ValueType } from './fields.js';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Micros -> '03:33:42' (UTC). */
export function clockTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/** Micros -> '2008-03-08 03:33:42' (UTC). */
export function dateTime(us: number): string {
  const d = new Date(Math.floor(us / 1000));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${clockTime(us)}`;
}

/** Durations of typed fields are Micros; numbers from unknown log fields are taken as seconds. */
function seconds(n: number, type: ValueType): number {
  return type === 'duration' ? n / MICROS_PER_SECOND : n;
}

export interface Formatter {
  /** Field types the formatter makes sense for (`any` is always allowed). */
  accepts: ValueType[];
  format(n: number, type: ValueType): string;
}

export const FORMATTERS: Record<string, Formatter> = {
  bytes: { accepts: ['bytes', 'number'], format: (n) => formatBytes(n) },
  rate: { accepts: ['rate', 'number'], format: (n) => formatRate(n) },
  duration: { accepts: ['duration'], format: (n, type) => formatDuration(seconds(n, type)) },
  time: { accepts: ['time', 'span'], format: (n) => clockTime(n) },
  count: { accepts: ['number', 'bytes', 'port', 'rate'], format: (n) => Math.round(n).toLocaleString('en-US') },
};

export const FORMATTER_NAMES = Object.keys(FORMATTERS);

function applyNumeric(value: Value, fmt: (n: number) => string): string {
  if (value === undefined) return '?';
  if (isRange(value)) return value.lo === value.hi ? fmt(value.lo) : `${fmt(value.lo)}..${fmt(value.hi)}`;
  if (typeof value === 'number') return fmt(value);
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? fmt(n) : value;
}

/** How a value reads in a template: a missing value is '?'. */
export function renderValue(value: Value, type: ValueType, formatter?: string): string {
  if (formatter !== undefined) {
    const f = FORMATTERS[formatter];
    return applyNumeric(value, (n) => f.format(n, type));
  }
  if (value === undefined) return '?';
  switch (type) {
    case 'time':
    case 'span':
      return applyNumeric(value, dateTime);
    case 'duration':
      return applyNumeric(value, (n) => formatDuration(n / MICROS_PER_SECOND));
    default:
      return applyNumeric(value, (n) => String(Math.round(n * 1000) / 1000));
  }
}

/** How a value reads in evidence lines: times as clock times, durations compact, the rest raw. */
export function evidenceValue(value: Value, type: ValueType): string {
  if (value === undefined) return '?';
  if (type === 'time' || type === 'span') return applyNumeric(value, clockTime);
  if (type === 'duration') return applyNumeric(value, (n) => formatDuration(n / MICROS_PER_SECOND));
  return applyNumeric(value, (n) => String(Math.round(n * 1000) / 1000));
}

/** A piece of an `explain` template: text, or a `{scope.field|formatter}` slot. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'slot'; ref: string; formatter?: string; offset: number; formatterOffset: number };

export interface TemplateProblem {
  /** Offset in the template text. */
  offset: number;
  reason: string;
}

/** Split a template; `{{` and `}}` stand for literal braces. Offsets are into `text`. */
export function splitTemplate(text: string): { parts: TemplatePart[]; problem?: TemplateProblem } {
  const parts: TemplatePart[] = [];
  let buf = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      buf += ch;
      i += 2;
      continue;
    }
    if (ch === '}') return { parts, problem: { offset: i, reason: "unmatched '}' in template (write '}}' for a literal brace)" } };
    if (ch !== '{') {
      buf += ch;
      i++;
      continue;
    }
    const close = text.indexOf('}', i);
    if (close < 0) return { parts, problem: { offset: i, reason: "unclosed '{' in template (write '{{' for a literal brace)" } };
    if (buf) parts.push({ kind: 'text', text: buf });
    buf = '';
    const inner = text.slice(i + 1, close);
    const bar = inner.indexOf('|');
    const ref = (bar < 0 ? inner : inner.slice(0, bar)).trim();
    const formatter = bar < 0 ? undefined : inner.slice(bar + 1).trim();
    const refOffset = i + 1 + (inner.length - inner.trimStart().length);
    const formatterOffset = bar < 0 ? refOffset : i + 2 + bar + (inner.slice(bar + 1).length - inner.slice(bar + 1).trimStart().length);
    parts.push({ kind: 'slot', ref, formatter, offset: refOffset, formatterOffset });
    i = close + 1;
  }
  if (buf) parts.push({ kind: 'text', text: buf });
  return { parts };
}
