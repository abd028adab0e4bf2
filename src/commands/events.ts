// `flowlink events INPUT...`: the service logs' events on one timeline, one line each.
//
// Without --db the events stream from the parsers through a k-way merge
// (src/sources/merge.ts) straight to stdout: a listing needs no store, and skipping the
// SQLite writes and the sort over everything is what lets it run at parsing speed, in
// memory that does not grow with the files. With --db it lists the case file's events
// (adding what is new in any inputs first), ordered by time.
import type { Command } from 'commander';
import type { LogEvent, ParseIssue, ParseNote } from '../event.js';
import { FlowlinkError } from '../errors.js';
import { mergeByTime } from '../sources/merge.js';
import type { ReadOptions } from '../sources/options.js';
import { openStreams } from '../sources/read-streams.js';
import { formatDuration, plural } from '../units.js';
import { MICROS_PER_SECOND } from '../time.js';
import { ClockText, eventJson, eventLine, IsoClock } from '../views/event-lines.js';
import { terminalSafe } from '../views/terminal-safe.js';
import { collect, parseInstant, readOptionsFrom } from './read-options.js';

export interface EventsFlags {
  json?: boolean;
  tz: string[];
  year?: string;
  date?: string;
  db?: string;
  format: string[];
  verbose?: boolean;
  since?: string;
  until?: string;
  service: string[];
}

interface Filter {
  since: number;
  until: number;
  services?: Set<string>;
}

const keep = (e: LogEvent, f: Filter): boolean => e.ts >= f.since && e.ts < f.until && (!f.services || f.services.has(e.service));

/**
 * Collects lines and writes them to stdout 64 KiB at a time, waiting when the pipe is full.
 * Larger chunks (1 MiB, or pieces joined per chunk) measured slower: the text outlived
 * the young generation. Text lines carry what anyone could write to a log: each chunk is
 * made terminal-safe as it is written (one scan of the chunk costs less than one per line,
 * which had to flatten each line first: 0.25 -> 0.70 µs an event, measured).
 */
class Output {
  private text = '';
  constructor(private readonly safe: (text: string) => string = (text) => text) {}
  line(text: string): void {
    this.text += text + '\n';
  }
  get full(): boolean {
    return this.text.length >= 1 << 16;
  }
  async flush(): Promise<void> {
    if (this.text.length === 0) return;
    const text = this.safe(this.text);
    this.text = '';
    if (!process.stdout.write(text)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }
}

type Print = (e: LogEvent) => void;

const say = (text: string): void => {
  process.stderr.write(`flowlink: ${text}\n`);
};

async function listEvents(inputs: string[], flags: EventsFlags): Promise<number> {
  const { options, zone } = readOptionsFrom(flags);
  const display = zone ?? 'UTC';
  const filter: Filter = {
    since: flags.since === undefined ? -Infinity : parseInstant('--since', flags.since, display),
    until: flags.until === undefined ? Infinity : parseInstant('--until', flags.until, display),
    services: flags.service.length > 0 ? new Set(flags.service.flatMap((s) => s.split(','))) : undefined,
  };
  if (filter.until <= filter.since) throw new FlowlinkError(`--until ${flags.until} is not after --since ${flags.since}`);
  if (inputs.length === 0 && !flags.db) throw new FlowlinkError('no inputs given', 'name log files or folders, or a case file with --db');
  const clock = new ClockText(display);
  // JSON is left as it is: data, its C0 controls escaped by JSON.stringify.
  const out = new Output(flags.json ? undefined : terminalSafe);
  const iso = new IsoClock();
  const print = flags.json ? (e: LogEvent) => out.line(eventJson(e, iso)) : (e: LogEvent) => out.line(eventLine(e, clock));
  const printed = flags.db ? await fromStore(flags.db, inputs, options, filter, print, out, flags.verbose === true) : await fromFiles(inputs, options, filter, print, out, flags.verbose === true);
  await out.flush();
  if (printed === 0) say(`no events${filter.since > -Infinity || filter.until < Infinity || filter.services ? ' match the filters' : ''}`);
  return printed > 0 ? 0 : 1;
}

async function fromFiles(inputs: string[], options: ReadOptions, filter: Filter, print: Print, out: Output, verbose: boolean): Promise<number> {
  const { streams, ignored } = await openStreams(inputs, options, 'logs');
  for (const i of ignored) say(`${i.file}: not listed (${i.reason})`);
  if (streams.length === 0) throw new FlowlinkError(`no log files in ${inputs.join(', ')}`, 'events lists service logs; `flowlink formats` shows what flowlink reads');
  const skipped = streams.map(() => ({ count: 0, first: undefined as ParseIssue | undefined }));
  const notes: ParseNote[] = [];
  const merged = mergeByTime(
    streams.map((s) => s.items),
    {
      onOther(item, input) {
        if (item.kind === 'note') notes.push(item);
        else {
          const s = skipped[input];
          s.count++;
          s.first ??= item;
          if (verbose) say(`${item.file}:${item.line}: skipped: ${item.reason}`);
        }
      },
    },
  );
  let printed = 0;
  for await (const batch of merged.batches) {
    for (const e of batch) {
      if (e.kind !== 'log' || !keep(e, filter)) continue;
      printed++;
      print(e);
    }
    if (out.full) await out.flush();
  }
  streams.forEach((s, k) => {
    const { count, first } = skipped[k];
    if (count > 0) say(`skipped ${plural(count, 'line')} in ${s.file}, first at line ${first!.line}: ${first!.reason}`);
  });
  for (const n of notes) say(`${n.file}: ${n.message}`);
  for (const late of merged.late()) {
    say(
      `${streams[late.input].file}: ${plural(late.count, 'event')} stamped before events already listed (a clock stepped back by more than ${formatDuration(late.window / MICROS_PER_SECOND)}? first at line ${late.first.origin.line}, ${formatDuration(late.behind / MICROS_PER_SECOND)} back): listed where read, out of time order`,
    );
  }
  return printed;
}

async function fromStore(path: string, inputs: string[], options: ReadOptions, filter: Filter, print: Print, out: Output, verbose: boolean): Promise<number> {
  // Loaded only here: a listing from files needs neither SQLite nor the store's queries.
  const [{ closeStore, openStore, storeErrorFrom }, { ingestInputs }, { allEvents, inputSummaries, skippedLines }] = await Promise.all([
    import('../store/db.js'),
    import('../store/ingest.js'),
    import('../store/queries.js'),
  ]);
  const store = openStore(path);
  try {
    if (inputs.length > 0) {
      const report = await ingestInputs(store, inputs, options);
      for (const f of report.files) for (const n of f.notes) say(`${f.path}: ${n}`);
    }
    if (verbose) for (const s of skippedLines(store)) say(`${s.file}:${s.line}: skipped: ${s.reason}`);
    for (const i of inputSummaries(store)) {
      if (i.skipped > 0) say(`skipped ${plural(i.skipped, 'line')} in ${i.file}, first at line ${i.firstSkipped!.line}: ${i.firstSkipped!.reason}`);
    }
    let printed = 0;
    for (const e of allEvents(store)) {
      if (!keep(e, filter)) continue;
      printed++;
      print(e);
      if (out.full) await out.flush();
    }
    return printed;
  } catch (error) {
    throw storeErrorFrom(error, path);
  } finally {
    closeStore(store);
  }
}

export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('list the service logs’ events on one timeline (merged in time order), one line each')
    .argument('[inputs...]', 'log files or folders (several files of one log are merged: messages, messages.1, messages.2.gz)')
    .option('--since <time>', 'only events at or after this time (ISO 8601, in --tz unless it has an offset)')
    .option('--until <time>', 'only events before this time')
    .option('--service <name>', 'only this service: ftp, mail, web, syslog (repeatable, or comma-separated)', collect, [])
    .option('--json', 'one JSON object per event and line')
    .option('--tz <zone>', 'zone of stamps without one (IANA name), also the zone times are shown in; FILE=ZONE for one input; repeatable', collect, [])
    .option('--year <yyyy>', 'year of syslog stamps that have none (default: from each file’s modification time)')
    .option('--date <yyyy-mm-dd>', 'date of stamps that are time-of-day only')
    .option('--format <name>', 'read every input as this format instead of detecting it; FILE=NAME for one input; repeatable', collect, [])
    .option('--verbose', 'list every line no parser understood (file:line: reason) on stderr')
    .option('--db <file>', 'case file (SQLite): list its events, after adding what is new in the inputs')
    .addHelpText('after', '\nExamples:\n  flowlink events /var/log/messages /var/log/messages.1 /var/log/messages.2.gz\n  flowlink events --service ftp --since 2008-03-08T03:00 \\\n    --until 2008-03-08T04:00 samples/backup-spike\n')
    .action(async (inputs: string[], flags: EventsFlags) => {
      process.exitCode = await listEvents(inputs, flags);
    });
}
