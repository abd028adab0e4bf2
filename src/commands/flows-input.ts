// `flowlink flows` without --db: flow records streamed straight from the parsers, not through
// the in-memory store the analysis commands read. Measured with bench/flows-store-cost.mjs on
// bench/gen-capture.mjs's 2M-packet capture (90,853 flows; the same listing work both ways; 2
// shared cores, loaded machine): streamed 4.5-5.9 s and 286-288 MB peak RSS; through loadFor's
// :memory: store 8.0-8.7 s and 370-375 MB. The store would cost `flows` half again the time
// or more, and a third more memory, to keep rows that a listing reads once.
//
// Opening and format choice (--format, else detection) are src/sources/read-streams.ts's; the read
// order and each input's time context are src/sources/time-anchoring.ts's, as for ingest: complete
// stamps first, so a time-of-day-only argus file can take its date from the flows read before it.
import type { FlowRecord, InputSummary } from '../event.js';
import { InputError } from '../errors.js';
import { openDetectedInputs, type DetectedInput } from '../sources/read-streams.js';
import type { Dataset, ReadOptions } from '../sources/options.js';
import { anchoredTimeContext, emptySpan, inReadOrder, widenSpan, type TimeSpan } from '../sources/time-anchoring.js';
import type { FlowAssemblyOptions } from '../../parsers/parser.js';
import { itemBatches } from '../../parsers/batches.js';

type Candidate = DetectedInput;

export interface StreamedFlows {
  inputs: InputSummary[];
  ignored: Dataset['ignored'];
}

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

  const span = emptySpan();
  const inputs: InputSummary[] = [];
  let logsRead = false;
  for (const c of inReadOrder(candidates)) {
    // As in ingest, a time-of-day-only flow file can be dated by the logs when no flow input has
    // dates: only then are the logs read, for their stamps alone.
    if (c.completeness === 'no-date' && !logsRead && options.date === undefined && span.min > span.max) {
      logsRead = true;
      await spanOfLogs(logs, options, span);
    }
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
          widenSpan(span, item.start, item.end);
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
  return { inputs, ignored };
}

async function spanOfLogs(logs: Candidate[], options: ReadOptions, span: TimeSpan): Promise<void> {
  for (const c of inReadOrder(logs)) {
    const { time } = timeContextFor(c, options, span);
    for await (const item of c.parser.parse(c.input, time)) {
      if (item.kind === 'log') widenSpan(span, item.ts);
    }
  }
}

function timeContextFor(c: Candidate, options: ReadOptions, span: TimeSpan) {
  return anchoredTimeContext({ file: c.input.path, completeness: c.completeness, mtime: c.input.mtime }, options, span);
}
