// `flowlink flows` without --db: flow records streamed straight from the parsers, not through
// the in-memory store the analysis commands read. Measured with bench/flows-store-cost.mjs on
// bench/gen-capture.mjs's 2M-packet capture (90,853 flows; the same listing work both ways; 2
// shared cores, loaded machine): streamed 4.5-5.9 s and 286-288 MB peak RSS; through loadFor's
// :memory: store 8.0-8.7 s and 370-375 MB. The store would cost `flows` half again the time
// or more, and a third more memory, to keep rows that a listing reads once.
//
// Opening and format choice (--format, else detection) are src/sources/read-streams.ts's; what is
// here is only the order and time context the store's ingest also uses: complete stamps first, so a
// time-of-day-only argus file can take its date from the flows read before it.
import { basename } from 'node:path';
import type { FlowRecord, InputSummary, Micros } from '../event.js';
import { InputError, TimeContextError } from '../errors.js';
import { openDetectedInputs, type DetectedInput } from '../sources/read-streams.js';
import type { Dataset, ReadOptions } from '../sources/options.js';
import { microsToLocalDate, type TimeContext } from '../time.js';
import type { FlowAssemblyOptions, TimeCompleteness } from '../../parsers/parser.js';
import { itemBatches } from '../../parsers/batches.js';

type Candidate = DetectedInput;

export interface StreamedFlows {
  inputs: InputSummary[];
  ignored: Dataset['ignored'];
}

const ORDER: TimeCompleteness[] = ['full', 'no-year', 'no-date'];

/**
 * Reads every flow input among `args` (files or folders) and hands each flow record to
 * `onFlow` as it is parsed. Log files are listed as ignored: `flows` shows flows only.
 */
export async function streamFlowInputs(args: string[], options: ReadOptions, onFlow: (f: FlowRecord) => void): Promise<StreamedFlows> {
  const { found, ignored } = await openDetectedInputs(args, options);
  const candidates: Candidate[] = [];
  const logs: Candidate[] = [];
  for (const c of found) {
    if (c.parser.produces !== 'flows') {
      ignored.push({ file: c.file, reason: `${c.parser.name}: a log, not flow records` });
      logs.push(c);
    } else {
      candidates.push(c);
    }
  }
  if (candidates.length === 0 && ignored.length === 0) throw new InputError(`no readable inputs in ${args.join(', ')}`);

  const span = { min: Infinity, max: -Infinity };
  const inputs: InputSummary[] = [];
  for (const stage of ORDER) {
    const here = candidates.filter((x) => x.completeness === stage);
    // As in ingest, a time-of-day-only flow file can be dated by the logs when no flow input has
    // dates: only then are the logs read, for their stamps alone.
    if (stage === 'no-date' && here.length > 0 && options.date === undefined && span.min > span.max) await spanOfLogs(logs, options, span);
    for (const c of here) {
      const file = c.input.path;
      options.onInput?.(file, c.parser.name);
      const { time, notes } = timeContextFor(c, options, span);
      const summary: InputSummary = { file, format: c.parser.name, events: 0, skipped: 0, notes };
      const assembly: FlowAssemblyOptions = { idleTimeout: options.idleTimeout, statusInterval: options.statusInterval, maxFlows: options.maxFlows };
      // In batches (an array per chunk read): one await per megabyte of capture, not per flow.
      for await (const batch of itemBatches(c.parser.parse(c.input, time, assembly))) {
        for (const item of batch) {
          if (item.kind === 'flow') {
            summary.events++;
            if (item.start < span.min) span.min = item.start;
            if (item.end > span.max) span.max = item.end;
            onFlow(item);
          } else if (item.kind === 'issue') {
            summary.skipped++;
            summary.firstSkipped ??= { line: item.line, reason: item.reason };
          } else if (item.kind === 'note') {
            summary.notes.push(item.message);
          }
        }
      }
      inputs.push(summary);
    }
  }
  return { inputs, ignored };
}

async function spanOfLogs(logs: Candidate[], options: ReadOptions, span: { min: Micros; max: Micros }): Promise<void> {
  for (const stage of ORDER) {
    for (const c of logs.filter((x) => x.completeness === stage)) {
      const { time } = timeContextFor(c, options, span);
      for await (const item of c.parser.parse(c.input, time)) {
        if (item.kind !== 'log') continue;
        if (item.ts < span.min) span.min = item.ts;
        if (item.ts > span.max) span.max = item.ts;
      }
    }
  }
}

function timeContextFor(c: Candidate, options: ReadOptions, span: { min: Micros; max: Micros }): { time: TimeContext; notes: string[] } {
  const file = c.input.path;
  const zone = options.zoneFor?.get(file) ?? options.zoneFor?.get(basename(file)) ?? options.zone;
  const time: TimeContext = { zone, year: options.year, date: options.date };
  const notes: string[] = [];
  const haveSpan = span.min <= span.max;
  if (c.completeness === 'no-year' && time.year === undefined) {
    time.anchor = haveSpan ? Math.round((span.min + span.max) / 2) : c.input.mtime.getTime() * 1000;
    time.anchorSource = haveSpan ? 'the other inputs' : "the file's modification time";
    notes.push(`year taken from ${time.anchorSource}`);
  }
  if (c.completeness === 'no-date' && time.date === undefined) {
    if (!haveSpan) {
      throw new TimeContextError(
        `${file}: stamps have a time of day but no date, and no other flow input has dates`,
        'pass --date YYYY-MM-DD (the capture day), or run ra with -u or RA_TIME_FORMAT="%Y/%m/%d %T.%f"',
      );
    }
    time.date = microsToLocalDate(span.min, zone);
    time.dateSource = 'the other inputs';
    notes.push(`date ${time.date.year}-${String(time.date.month).padStart(2, '0')}-${String(time.date.day).padStart(2, '0')} taken from the other inputs`);
  }
  return { time, notes };
}
