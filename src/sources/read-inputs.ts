// Sources -> normalized events: every input file detected, parsed and placed on one UTC
// timeline. Inputs with complete stamps are read first, so that their span can date the
// yearless syslog lines, and those in turn the time-only argus rows.
import { basename } from 'node:path';
import type { FlowRecord, InputSummary, LogEvent, Micros } from '../event.js';
import { InputError, TimeContextError, UnknownFormatError } from '../errors.js';
import { expandInputs, headLines, openInput } from '../input.js';
import { detectFormat, parsers } from '../../parsers/index.js';
import type { InputFile, Parser, TimeCompleteness } from '../../parsers/parser.js';
import { formatClock, microsToLocalDate, type LocalDate, type TimeContext } from '../time.js';

export interface ReadOptions {
  /** Zone for stamps that carry none. */
  zone: string;
  /** Per-input zones, keyed by file name or path (`--tz maillog=America/New_York`). */
  zoneFor?: Map<string, string>;
  year?: number;
  date?: LocalDate;
  /** Called as inputs are read, for a progress display. */
  onInput?: (file: string, format: string) => void;
}

export interface Dataset {
  flows: FlowRecord[];
  /** Sorted by time. */
  logs: LogEvent[];
  inputs: InputSummary[];
  /** Files in a folder that no parser claims: listed, not fatal. */
  ignored: { file: string; reason: string }[];
}

interface Detected {
  input: InputFile;
  parser: Parser;
  completeness: TimeCompleteness;
}

const ORDER: TimeCompleteness[] = ['full', 'no-year', 'no-date'];

export async function readInputs(args: string[], options: ReadOptions): Promise<Dataset> {
  const explicit = new Set(args);
  const files = await expandInputs(args);
  const detected: Detected[] = [];
  const ignored: Dataset['ignored'] = [];
  for (const file of files) {
    let input: InputFile;
    try {
      input = await openInput(file);
    } catch (error) {
      throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    const lines = headLines(input.head);
    const found = input.head.length === 0 ? undefined : detectFormat(input.head, lines);
    if (!found) {
      const reason = input.head.length === 0 ? 'empty file' : 'unknown format';
      if (explicit.has(file)) {
        if (input.head.length === 0) throw new InputError(`${file}: empty file`);
        throw new UnknownFormatError(file, parsers.map((p) => p.name));
      }
      ignored.push({ file, reason });
      continue;
    }
    detected.push({ input, parser: found.parser, completeness: found.parser.timeCompleteness(lines) });
  }
  if (detected.length === 0) {
    throw new InputError(`no readable inputs in ${args.join(', ')}`, 'flowlink reads: ' + parsers.map((p) => p.name).join(', '));
  }

  const data: Dataset = { flows: [], logs: [], inputs: [], ignored };
  const span = { min: Infinity, max: -Infinity };
  for (const stage of ORDER) {
    for (const d of detected.filter((x) => x.completeness === stage)) {
      const time = timeContextFor(d, stage, options, span);
      options.onInput?.(d.input.path, d.parser.name);
      const summary = await readOne(d, time, data, span);
      if (time.anchorSource && stage === 'no-year') summary.notes.push(`year taken from ${time.anchorSource}`);
      if (time.dateSource && stage === 'no-date') summary.notes.push(`date ${fmtDate(time.date!)} taken from ${time.dateSource}`);
      data.inputs.push(summary);
    }
  }
  data.logs.sort((a, b) => a.ts - b.ts);
  data.flows.sort((a, b) => a.start - b.start);
  return data;
}

function fmtDate(d: LocalDate): string {
  return `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function zoneOf(file: string, options: ReadOptions): string {
  return options.zoneFor?.get(file) ?? options.zoneFor?.get(basename(file)) ?? options.zone;
}

function timeContextFor(d: Detected, stage: TimeCompleteness, options: ReadOptions, span: Span): TimeContext {
  const zone = zoneOf(d.input.path, options);
  const time: TimeContext = { zone, year: options.year, date: options.date };
  const haveSpan = span.min <= span.max;
  if (stage === 'no-year' && time.year === undefined) {
    if (haveSpan) {
      time.anchor = Math.round((span.min + span.max) / 2);
      time.anchorSource = `the other inputs (${formatClock(span.min, zone)} .. ${formatClock(span.max, zone)})`;
    } else {
      time.anchor = d.input.mtime.getTime() * 1000;
      time.anchorSource = "the file's modification time";
    }
  }
  if (stage === 'no-date' && time.date === undefined) {
    if (!haveSpan) {
      throw new TimeContextError(
        `${d.input.path}: stamps have a time of day but no date, and no other input has dates`,
        'pass --date YYYY-MM-DD (the capture day), or run ra with -u or RA_TIME_FORMAT="%Y/%m/%d %T.%f"',
      );
    }
    time.date = microsToLocalDate(span.min, zone);
    time.dateSource = 'the other inputs';
  }
  return time;
}

interface Span {
  min: Micros;
  max: Micros;
}

async function readOne(d: Detected, time: TimeContext, data: Dataset, span: Span): Promise<InputSummary> {
  const summary: InputSummary = { file: d.input.path, format: d.parser.name, events: 0, skipped: 0, notes: [] };
  for await (const item of d.parser.parse(d.input, time)) {
    switch (item.kind) {
      case 'flow':
        data.flows.push(item);
        summary.events++;
        if (item.start < span.min) span.min = item.start;
        if (item.end > span.max) span.max = item.end;
        break;
      case 'log':
        data.logs.push(item);
        summary.events++;
        if (item.ts < span.min) span.min = item.ts;
        if (item.ts > span.max) span.max = item.ts;
        break;
      case 'issue':
        summary.skipped++;
        summary.firstSkipped ??= { line: item.line, reason: item.reason };
        break;
      case 'note':
        summary.notes.push(item.message);
        break;
    }
  }
  return summary;
}
