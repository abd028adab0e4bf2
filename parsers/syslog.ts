// Generic syslog: any file of syslog lines that no service parser claims. Also the shared
// line loop that service parsers on syslog (pure-ftpd, postfix ...) build on.
import type { LogEvent, Micros, ParseItem } from '../src/event.js';
import { TimeContextError } from '../src/errors.js';
import { StampError, type TimeContext } from '../src/time.js';
import type { InputFile, Parser, ParseStream, TimeCompleteness } from './parser.js';
import { batchesOf } from './batches.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';
import {
  isRfc3164Line,
  isShortMonotonicLine,
  MONOTONIC_NO_TIME,
  repeatCount,
  scratchHeader,
  splitSyslogLine,
  splitSyslogLineInto,
  SyslogClock,
  whyNotSyslog,
  type SyslogHeader,
} from './syslog-header.js';

/** A service parser's reading of one syslog line: may set service, action and fields on `event`. */
export type SyslogInterpreter = (header: SyslogHeader, event: LogEvent) => void;

/**
 * State kept across the lines of one file, for records that span lines (a postfix
 * message's lines joined by queue id). It sees every finished event in file order and
 * decides what is emitted: `take` pushes onto `out` the items to yield now (usually the
 * event itself, possibly joined events before or after it); `flush` pushes what is still
 * held at the end of the file. It must keep its memory bounded on its own (see mail-queue.ts).
 * `out` is reused between calls, so the loop allocates nothing per line.
 */
export interface SyslogAssembler {
  take(event: LogEvent, out: ParseItem[]): void;
  flush(out: ParseItem[]): void;
  /** The earliest time of anything it holds and may still emit; undefined when it holds nothing. */
  oldestHeld?(): Micros | undefined;
}

export interface SyslogReadOptions {
  interpret?: SyslogInterpreter;
  /** Makes the per-file assembler; absent means every event is emitted as it is. */
  assemble?: () => SyslogAssembler;
  /** Splits a line into stamp, tag and message: `splitSyslogLine` unless a format brings its own. */
  split?: (line: string) => SyslogHeader | undefined;
  /**
   * Whether continuation lines join the line before (syslog; default true): lines starting
   * with a TAB, and journalctl's, indented with spaces to the first line's message column.
   */
  continuations?: boolean;
  /** A better reason for a line without a header (e.g. a service message logged bare). */
  explainUnheaded?: (line: string) => string | undefined;
  /** Lines the format writes between its entries (W3C `#Fields:` directives): neither events nor skipped. */
  skip?: (line: string) => boolean;
  /** The format's own notes on the file, asked once its last line is read. */
  notes?: () => string[];
}

/** The event every syslog line gives before a service parser looks at it. */
export function genericSyslogEvent(header: SyslogHeader, ts: number, file: string, line: number, raw: string): LogEvent {
  const event: LogEvent = { kind: 'log', ts, service: 'syslog', fields: {}, message: header.message, origin: { file, line, raw } };
  if (header.host !== undefined) event.host = header.host;
  if (header.program !== undefined) event.program = header.program;
  if (header.pid !== undefined) event.pid = header.pid;
  if (header.msgid !== undefined) event.fields.msgid = header.msgid;
  const repeated = repeatCount(header.message);
  if (repeated !== undefined) event.fields.repeated = repeated;
  return event;
}

/**
 * Reads a syslog file line by line. Continuation lines are appended to the message of the
 * line before, not reported: lines starting with a TAB (macOS syslogd), and journalctl's
 * (every `-o short*` form writes a multi-line message's later lines indented with spaces
 * to the column its first line's message starts at; a blank one as that many spaces).
 * Blank lines are skipped. Any other line without a syslog header is a ParseIssue.
 * Events reach the assembler (when there is one) once their continuation lines are in.
 * Items come out in arrays, one per chunk read (`batches`), or one by one; both the same.
 */
export function readSyslogLines(input: InputFile, time: TimeContext, options: SyslogReadOptions = {}): ParseStream {
  let reader: SyslogLineReader | undefined;
  const batches = (): AsyncIterable<ParseItem[]> => {
    reader = new SyslogLineReader(input, time, options);
    return syslogBatches(input, reader);
  };
  return {
    batches,
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
    settledBefore: () => reader?.settledBefore() ?? -Infinity,
  };
}

const ITEMS_PER_BATCH = 256;

async function* syslogBatches(input: InputFile, reader: SyslogLineReader): AsyncIterable<ParseItem[]> {
  for await (const lines of batchesOf(input)) {
    // A few hundred events at a time: a chunk's ten thousand would outlive the young
    // generation, and copying them there was 40% of the run.
    for (let from = 0; from < lines.length; from += ITEMS_PER_BATCH) {
      const out: ParseItem[] = [];
      const to = Math.min(lines.length, from + ITEMS_PER_BATCH);
      for (let k = from; k < to; k++) reader.take(lines[k], out);
      if (out.length > 0) yield out;
    }
  }
  const out: ParseItem[] = [];
  reader.end(out);
  for (const message of input.readProblems?.() ?? []) out.push({ kind: 'note', file: input.path, message });
  if (out.length > 0) yield out;
}

/** The per-line state of one file: the event waiting for continuation lines, the clock, the joins. */
class SyslogLineReader {
  private readonly clock: SyslogClock;
  private readonly file: string;
  private readonly split: (line: string) => SyslogHeader | undefined;
  private readonly continuations: boolean;
  /** Where the pending event's message starts in its first line, once asked (-1 before). */
  private pendingColumn = -1;
  private readonly skip?: (line: string) => boolean;
  private readonly assembler?: SyslogAssembler;
  private pending?: LogEvent;
  private lineNo = 0;
  private journalMarkers = 0;

  constructor(
    input: InputFile,
    time: TimeContext,
    private readonly options: SyslogReadOptions,
  ) {
    this.clock = new SyslogClock(time, { micros: input.mtime.getTime() * 1000, source: "the file's modification time" });
    this.file = input.path;
    // The default splitter fills one header object line after line: the event copies what it keeps.
    const scratch = scratchHeader();
    this.split = options.split ?? ((line) => splitSyslogLineInto(line, scratch));
    this.continuations = options.continuations ?? true;
    this.skip = options.skip;
    this.assembler = options.assemble?.();
  }

  take(raw: string, out: ParseItem[]): void {
    const lineNo = ++this.lineNo;
    const pending = this.pending;
    if (pending && this.continuations) {
      const c = raw.charCodeAt(0);
      if (c === 9 /* TAB */) {
        pending.message += '\n' + raw.trim();
        pending.origin.raw += '\n' + raw;
        return;
      }
      if (c === 32 && this.isIndentedContinuation(raw, pending)) {
        // The indent is journalctl's, the spaces after it the message's own (a traceback's).
        pending.message += '\n' + raw.slice(this.pendingColumn).trimEnd();
        pending.origin.raw += '\n' + raw;
        return;
      }
    }
    if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) return;
    if (this.skip?.(raw)) return;
    const header = this.split(raw);
    let issue: string | undefined;
    let ts = 0;
    let marker = false;
    if (!header) {
      marker = isJournalMarker(raw);
      if (!marker) issue = this.options.explainUnheaded?.(raw) ?? whyNotSyslog(raw);
    } else {
      try {
        ts = this.clock.toMicros(header.stamp);
      } catch (error) {
        if (error instanceof TimeContextError) throw error;
        issue = error instanceof StampError ? error.message : `invalid date '${header.stamp.text}'`;
      }
    }
    if (pending) {
      if (this.assembler) this.assembler.take(pending, out);
      else out.push(pending);
      this.pending = undefined;
    }
    if (marker) {
      this.journalMarkers++;
      return;
    }
    if (issue !== undefined) {
      out.push({ kind: 'issue', file: this.file, line: lineNo, reason: issue });
      return;
    }
    const event = genericSyslogEvent(header!, ts, this.file, lineNo, raw);
    this.options.interpret?.(header!, event);
    this.pending = event;
    this.pendingColumn = -1;
  }

  /**
   * Whether `raw` is indented with spaces at least to the column the pending event's message
   * starts at in its first line (journalctl's continuation lines). The column is found on the
   * first such line only: a file with none pays nothing.
   */
  private isIndentedContinuation(raw: string, pending: LogEvent): boolean {
    if (this.pendingColumn < 0) this.pendingColumn = messageColumn(pending);
    const column = this.pendingColumn;
    if (column === 0 || raw.length < column) return false;
    for (let k = 0; k < column; k++) if (raw.charCodeAt(k) !== 32) return false;
    return true;
  }

  /** Nothing emitted from now on is stamped before this (lines that step back aside). */
  settledBefore(): Micros {
    const held = this.assembler?.oldestHeld?.();
    const pending = this.pending?.ts;
    if (held === undefined) return pending ?? Infinity;
    return pending === undefined || held < pending ? held : pending;
  }

  end(out: ParseItem[]): void {
    if (this.pending) {
      if (this.assembler) this.assembler.take(this.pending, out);
      else out.push(this.pending);
      this.pending = undefined;
    }
    this.assembler?.flush(out);
    if (this.clock.anchorNote) out.push({ kind: 'note', file: this.file, message: this.clock.anchorNote });
    for (const message of this.options.notes?.() ?? []) out.push({ kind: 'note', file: this.file, message });
    if (this.journalMarkers > 0) {
      const n = this.journalMarkers;
      out.push({ kind: 'note', file: this.file, message: `ignored ${n} journalctl marker line${n === 1 ? '' : 's'} ('-- Boot ... --' and the like): not log entries` });
    }
  }
}

/**
 * Where an event's message starts in its first raw line (the header's message is that line
 * from there on, trailing white space removed), 0 when that cannot be told (the message no
 * longer ends the line). Read before any continuation is appended.
 */
function messageColumn(event: LogEvent): number {
  const raw = event.origin.raw;
  const newline = event.message.indexOf('\n');
  const first = newline < 0 ? event.message : event.message.slice(0, newline);
  let end = raw.indexOf('\n');
  if (end < 0) end = raw.length;
  while (end > 0 && raw.charCodeAt(end - 1) <= 32) end--;
  const column = end - first.length;
  return column > 0 && raw.startsWith(first, column) ? column : 0;
}

/**
 * journalctl's own lines between entries, in every output form: `-- Boot 0f3c...e9 --` where
 * a boot starts (systemd 252, seen; `-- Reboot --` in older ones), the header older ones
 * print first (`-- Logs begin at ..., end at ... --`, later `-- Journal begins at ..., ends
 * at ... --`; 252 prints none), and `-- No entries --`. No time, no event.
 */
export function isJournalMarker(line: string): boolean {
  return line.startsWith('-- ') && line.endsWith(' --') && JOURNAL_MARKER_RE.test(line);
}

const JOURNAL_MARKER_RE = /^-- (?:Boot [0-9a-f]{32}|Reboot|No entries|(?:Logs begin|Journal begins) at .{1,200}) --$/;

/**
 * Share of head lines that have a syslog header, continuations aside: lines led by a TAB
 * or a space (journalctl's), which no header starts with, so a head that is mostly one
 * long multi-line message is still a syslog file.
 */
export function syslogShare(headLines: string[], isSyslog: (line: string) => unknown = splitSyslogLine): number {
  let lines = 0;
  let syslog = 0;
  for (const line of headLines) {
    const c = line.charCodeAt(0);
    if (c === 9 || c === 32 || line.trim() === '') continue;
    lines++;
    if (isSyslog(line)) syslog++;
  }
  return lines === 0 ? 0 : syslog / lines;
}

/** 'no-year' when any head line is RFC 3164 (the reader must supply a year), else 'full'. */
export function syslogTimeCompleteness(headLines: string[]): TimeCompleteness {
  return headLines.some(isRfc3164Line) ? 'no-year' : 'full';
}

/** Detect score of the generic parser; service parsers on syslog return more. */
export const GENERIC_SYSLOG_SCORE = 10;

export const syslogParser: Parser = {
  name: 'syslog',
  description: 'Syslog files (RFC 3164, rsyslog RFC 3339, RFC 5424, journalctl short-iso, short-unix, short-full): every line a generic event',
  produces: 'logs',
  samples: [
    // lnav test/logfile_syslog.0 (BSD-2-Clause)
    'Nov  3 09:23:38 veridian automount[7998]: lookup(file): lookup for foobar failed',
    'Nov  3 09:47:02 veridian sudo: timstack : TTY=pts/6 ; PWD=/auto/wstimstack/rpms/lbuild/test ; USER=root ; COMMAND=/usr/bin/tail /var/log/messages',
    // lnav test/logfile_syslog_with_access_log.0 (BSD-2-Clause)
    'Mar 24 14:26:01 --- last message repeated 2 times ---',
    // elastic/beats filebeat/module/system/syslog/test/suse-syslog.log (Apache-2.0)
    '2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped target Basic System.',
    // elastic/beats filebeat/module/system/syslog/test/tz-offset.log (Apache-2.0)
    '1986-04-26T01:23:45.101+0400 rmbkmonitor04 shutdown[2649]: shutting down for system halt',
    // crowdsecurity/hub .tests/pfsense-rfc5424-nginx (MIT)
    '<171>1 2025-11-05T20:47:03.000000+00:00 firewall.lan nginx - - - 2025/11/05 20:47:03 [error] 24537#230441: *914 open() "/usr/local/www/crowdsec-test-NtktlJHV4TfBSK3wvlhiOBnl" failed (2: No such file or directory), client: fdfd:ace:ace:7::17a, server: , request: "GET /crowdsec-test-NtktlJHV4TfBSK3wvlhiOBnl HTTP/2.0", host: "firewall.lan"',
  ],
  detect(_head, headLines) {
    return syslogShare(headLines) >= 0.5 ? GENERIC_SYSLOG_SCORE : 0;
  },
  unclaimedHint(headLines) {
    return syslogShare(headLines, isShortMonotonicLine) >= 0.5 ? `journalctl -o short-monotonic output: ${MONOTONIC_NO_TIME}` : undefined;
  },
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, { interpret: interpretKnownPrograms, assemble: createProgramAssembler });
  },
};
