// Inputs straight from the parsers, without a store: what `flowlink events` lists. Each
// file is opened, its format chosen (--format or detection), and its items come out in
// batches; src/sources/merge.ts puts them in one time order.
import type { Micros, ParseItem } from '../event.js';
import { InputError } from '../errors.js';
import { formatClock } from '../time.js';
import { chooseParser, unknownFormat } from '../../parsers/index.js';
import { itemBatches } from '../../parsers/batches.js';
import type { InputFile, Parser, TimeCompleteness } from '../../parsers/parser.js';
import { expandInputs, headLines, openInput } from './input.js';
import type { MergeInput } from './merge.js';
import type { ReadOptions } from './options.js';
import { anchoredTimeContext, emptySpan, zoneOf } from './time-anchoring.js';

export interface OpenedStream {
  file: string;
  parser: Parser;
  /** Its items in batches, and what the parser still holds (for the merge's window). */
  items: MergeInput;
}

export interface OpenedInputs {
  streams: OpenedStream[];
  /** Files left out, and why (an unknown format inside a folder, an empty file, flows when logs were asked for). */
  ignored: { file: string; reason: string }[];
}

/**
 * Opens every input (folders expanded) whose parser produces `produces`. A file named on
 * the command line that no parser reads is a user error; one found in a folder is listed
 * in `ignored`. Yearless syslog takes `--year`, else the first stamp of the inputs with
 * full dates (flow files included), as ingest dates it by the other inputs
 * (time-anchoring.ts); else its file's modification time (the parser notes which).
 */
export async function openStreams(args: string[], options: ReadOptions, produces: Parser['produces']): Promise<OpenedInputs> {
  const { found, ignored } = await openDetectedInputs(args, options);
  const zone = (file: string): string => zoneOf(file, options);
  // Streamed, not read in READ_ORDER: the inputs with full dates are dated by their first record
  // alone, without reading them before the others.
  let span = emptySpan();
  let spanSource: string | undefined;
  const undated = (f: DetectedInput) => f.parser.produces === produces && ((f.completeness === 'no-year' && options.year === undefined) || (f.completeness === 'no-date' && options.date === undefined));
  if (found.some(undated)) {
    const first = await firstDatedStamp(found.filter((f) => f.completeness === 'full'), zone);
    if (first) {
      span = { min: first.micros, max: first.micros };
      spanSource = first.source;
    }
  }
  const streams: OpenedStream[] = [];
  for (const f of found) {
    if (f.parser.produces !== produces) {
      ignored.push({ file: f.file, reason: `${f.parser.name} holds ${f.parser.produces === 'flows' ? 'flow records' : 'log events'}` });
      continue;
    }
    // Without a file's modification time: a yearless log nothing else dates is dated by its parser (which notes it).
    const { time, notes } = anchoredTimeContext({ file: f.file, completeness: f.completeness }, options, span, spanSource);
    options.onInput?.(f.file, f.parser.name);
    const parsed = f.parser.parse(f.input, time);
    const items: MergeInput = { batches: withNotes(itemBatches(parsed), f.file, notes) };
    if (parsed.settledBefore) items.settledBefore = parsed.settledBefore.bind(parsed);
    streams.push({ file: f.file, parser: f.parser, items });
  }
  return { streams, ignored };
}

/** The earliest first record of the fully dated inputs: one record read from each. */
async function firstDatedStamp(dated: { file: string; input: InputFile; parser: Parser }[], zoneOf: (file: string) => string): Promise<{ micros: Micros; source: string } | undefined> {
  let best: { micros: Micros; source: string } | undefined;
  for (const d of dated) {
    for await (const batch of itemBatches(d.parser.parse(d.input, { zone: zoneOf(d.file) }))) {
      const first = batch.find((i) => i.kind === 'log' || i.kind === 'flow');
      if (!first) continue;
      const t = first.kind === 'log' ? first.ts : first.kind === 'flow' ? first.start : 0;
      if (!best || t < best.micros) best = { micros: t, source: `${d.file} (${formatClock(t, zoneOf(d.file))})` };
      break;
    }
  }
  return best;
}

/** Adds the notes saying where the year (or date) came from when it came from another input. */
async function* withNotes(items: AsyncIterable<ParseItem[]>, file: string, notes: string[]): AsyncIterable<ParseItem[]> {
  yield* items;
  if (notes.length > 0) yield notes.map((message) => ({ kind: 'note' as const, file, message }));
}

/** An input opened and its format chosen (--format, else detection): where every reader starts. */
export interface DetectedInput {
  file: string;
  input: InputFile;
  parser: Parser;
  completeness: TimeCompleteness;
}

/**
 * Opens every input (folders expanded) and chooses its parser. A file named on the command
 * line that no parser reads is a user error; one in a folder, or an empty file, is `ignored`.
 */
export async function openDetectedInputs(args: string[], options: ReadOptions): Promise<{ found: DetectedInput[]; ignored: OpenedInputs['ignored'] }> {
  const explicit = new Set(args);
  const files = await expandInputs(args);
  const found: DetectedInput[] = [];
  const ignored: OpenedInputs['ignored'] = [];
  for (const file of files) {
    let input;
    try {
      input = await openInput(file);
    } catch (error) {
      throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (input.head.length === 0) {
      ignored.push({ file, reason: 'empty file' });
      continue;
    }
    const lines = headLines(input.head);
    const detected = chooseParser(file, input.head, lines, options);
    if (!detected) {
      if (explicit.has(file)) throw unknownFormat(file, lines);
      ignored.push({ file, reason: 'unknown format' });
      continue;
    }
    found.push({ file, input, parser: detected.parser, completeness: detected.parser.timeCompleteness(lines) });
  }
  return { found, ignored };
}
