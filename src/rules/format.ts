// The `explain` template's formatters (`{log.bytes|bytes}`, `{count|plural:delivery}`) and how
// values read in evidence.
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
  /** Arguments after `:` (`plural:delivery:deliveries`): how many, and how to write them. */
  args?: { min: number; max: number; usage: string };
  format(n: number, type: ValueType, args: string[]): string;
}

const countText = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * English plural of a noun phrase's last word: `delivery` -> `deliveries`, `mailbox` ->
 * `mailboxes`, `SMTP connection` -> `SMTP connections`. Irregular nouns take the explicit form
 * (`{count|plural:person:people}`).
 */
export function pluralOf(noun: string): string {
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}

/** `3 deliveries`, `1 delivery`: the singular only for exactly one (`0 deliveries`, `1.5 deliveries`). */
function plural(n: number, args: string[]): string {
  const [one, many] = args;
  return `${countText(n)} ${n === 1 ? one : (many ?? pluralOf(one))}`;
}

export const FORMATTERS: Record<string, Formatter> = {
  bytes: { accepts: ['bytes', 'number'], format: (n) => formatBytes(n) },
  rate: { accepts: ['rate', 'number'], format: (n) => formatRate(n) },
  duration: { accepts: ['duration'], format: (n, type) => formatDuration(seconds(n, type)) },
  time: { accepts: ['time', 'span'], format: (n) => clockTime(n) },
  count: { accepts: ['number', 'bytes', 'port', 'rate'], format: (n) => countText(n) },
  plural: {
    accepts: ['number'],
    args: { min: 1, max: 2, usage: '{count|plural:delivery} or {count|plural:delivery:deliveries}' },
    format: (n, _type, args) => plural(n, args),
  },
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
export function renderValue(value: Value, type: ValueType, formatter?: string, args: string[] = []): string {
  if (formatter === 'plural' && isRange(value) && value.lo !== value.hi) {
    // An estimate `2..3 deliveries`: the noun once, plural.
    return `${countText(value.lo)}..${countText(value.hi)} ${args[1] ?? pluralOf(args[0])}`;
  }
  if (formatter !== undefined) {
    const f = FORMATTERS[formatter];
    return applyNumeric(value, (n) => f.format(n, type, args));
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

/** A `{scope.field|formatter:arg:arg}` slot of an `explain` template. */
export interface TemplateSlot {
  kind: 'slot';
  ref: string;
  formatter?: string;
  /** The formatter's arguments, as written between the colons (`plural:delivery`). */
  args: string[];
  offset: number;
  formatterOffset: number;
  /** Offset of each argument. */
  argOffsets: number[];
}

/**
 * A piece of an `explain` template: text, a slot, or an optional section `{? at {log.rate|rate}?}`,
 * shown only when every slot inside it has a value (a log without a transfer time has no rate).
 */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | TemplateSlot
  | { kind: 'section'; parts: (TemplateSlot | { kind: 'text'; text: string })[]; offset: number };

export interface TemplateProblem {
  /** Offset in the template text. */
  offset: number;
  reason: string;
}

/**
 * Split a template; `{{` and `}}` stand for literal braces, `{?` opens an optional section and
 * `?}` closes it. Offsets are into `text`.
 */
export function splitTemplate(text: string): { parts: TemplatePart[]; problem?: TemplateProblem } {
  const parts: TemplatePart[] = [];
  // Inside a section, its parts; outside, the template's.
  let section: (TemplatePart & { kind: 'section' }) | undefined;
  let into: TemplatePart[] = parts;
  let buf = '';
  let i = 0;
  const flush = () => {
    if (buf) into.push({ kind: 'text', text: buf });
    buf = '';
  };
  while (i < text.length) {
    const ch = text[i];
    if ((ch === '{' || ch === '}') && text[i + 1] === ch) {
      buf += ch;
      i += 2;
      continue;
    }
    if (ch === '{' && text[i + 1] === '?') {
      if (section) return { parts, problem: { offset: i, reason: "optional sections '{? ... ?}' do not nest" } };
      flush();
      section = { kind: 'section', parts: [], offset: i };
      parts.push(section);
      into = section.parts;
      i += 2;
      continue;
    }
    if (ch === '?' && text[i + 1] === '}' && section) {
      flush();
      if (!section.parts.some((p) => p.kind === 'slot')) return { parts, problem: { offset: section.offset, reason: "optional section '{? ... ?}' holds no slot, so it would always show" } };
      section = undefined;
      into = parts;
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
    flush();
    into.push(slotAt(text, i, close));
    i = close + 1;
  }
  if (section) return { parts, problem: { offset: section.offset, reason: "unclosed optional section '{?' in template (close it with '?}')" } };
  flush();
  return { parts };
}

/** The slot `text[open..close]` (`{ref|formatter:arg}`, braces included). */
function slotAt(text: string, open: number, close: number): TemplateSlot {
  const i = open;
  const inner = text.slice(i + 1, close);
  const bar = inner.indexOf('|');
  const ref = (bar < 0 ? inner : inner.slice(0, bar)).trim();
  const spec = bar < 0 ? undefined : inner.slice(bar + 1);
  const refOffset = i + 1 + (inner.length - inner.trimStart().length);
  const formatterOffset = spec === undefined ? refOffset : i + 2 + bar + (spec.length - spec.trimStart().length);
  // `name:arg:arg`: the name is trimmed, an argument keeps its inner spaces (`plural:mail delivery`).
  const pieces = spec === undefined ? [] : spec.split(':');
  const formatter = spec === undefined ? undefined : pieces[0].trim();
  const args: string[] = [];
  const argOffsets: number[] = [];
  let pos = spec === undefined ? 0 : i + 2 + bar + pieces[0].length + 1;
  for (const piece of pieces.slice(1)) {
    args.push(piece.trim());
    argOffsets.push(pos + (piece.length - piece.trimStart().length));
    pos += piece.length + 1;
  }
  return { kind: 'slot', ref, formatter, args, offset: refOffset, formatterOffset, argOffsets };
}
