// Generic syslog: any file of syslog lines that no service parser claims. Also the shared
// line loop that service parsers on syslog (pure-ftpd, postfix ...) build on.
import type { LogEvent, ParseItem } from '../src/event.js';
import { TimeContextError } from '../src/errors.js';
import type { TimeContext } from '../src/time.js';
import type { InputFile, Parser, TimeCompleteness } from './parser.js';
import { createProgramAssembler, interpretKnownPrograms } from './syslog-programs.js';
import { isRfc3164Line, repeatCount, splitSyslogLine, SyslogClock, whyNotSyslog, type SyslogHeader } from './syslog-header.js';

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
}

export interface SyslogReadOptions {
  interpret?: SyslogInterpreter;
  /** Makes the per-file assembler; absent means every event is emitted as it is. */
  assemble?: () => SyslogAssembler;
  /** Splits a line into stamp, tag and message: `splitSyslogLine` unless a format brings its own. */
  split?: (line: string) => SyslogHeader | undefined;
  /** Whether lines starting with a TAB continue the line before (syslog); default true. */
  tabContinuations?: boolean;
  /** A better reason for a line without a header (e.g. a service message logged bare). */
  explainUnheaded?: (line: string) => string | undefined;
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
 * Reads a syslog file line by line. Lines starting with a TAB continue the line before
 * (macOS syslogd, multi-line messages): they are appended to its message, not reported.
 * Blank lines are skipped. Any other line without a syslog header is a ParseIssue.
 * Events reach the assembler (when there is one) once their continuation lines are in.
 */
export async function* readSyslogLines(input: InputFile, time: TimeContext, options: SyslogReadOptions = {}): AsyncIterable<ParseItem> {
  const clock = new SyslogClock(time, { micros: input.mtime.getTime() * 1000, source: "the file's modification time" });
  const file = input.path;
  const split = options.split ?? splitSyslogLine;
  const tabs = options.tabContinuations ?? true;
  const assembler = options.assemble?.();
  const out: ParseItem[] = [];
  let pending: LogEvent | undefined;
  let lineNo = 0;
  for await (const raw of input.lines()) {
    lineNo++;
    if (tabs && raw.charCodeAt(0) === 9 /* TAB */ && pending) {
      pending.message += '\n' + raw.trim();
      pending.origin.raw += '\n' + raw;
      continue;
    }
    if (raw.length === 0 || (raw.charCodeAt(0) <= 32 && raw.trim() === '')) continue;
    const header = split(raw);
    let issue: string | undefined;
    let ts = 0;
    if (!header) {
      issue = options.explainUnheaded?.(raw) ?? whyNotSyslog(raw);
    } else {
      try {
        ts = clock.toMicros(header.stamp);
      } catch (error) {
        if (error instanceof TimeContextError) throw error;
        issue = `invalid date '${header.stamp.text}'`;
      }
    }
    if (pending) {
      if (assembler) {
        assembler.take(pending, out);
        for (const item of out) yield item;
        out.length = 0;
      } else yield pending;
      pending = undefined;
    }
    if (issue !== undefined) {
      yield { kind: 'issue', file, line: lineNo, reason: issue };
      continue;
    }
    pending = genericSyslogEvent(header!, ts, file, lineNo, raw);
    options.interpret?.(header!, pending);
  }
  if (pending) {
    if (assembler) assembler.take(pending, out);
    else out.push(pending);
  }
  assembler?.flush(out);
  for (const item of out) yield item;
  if (clock.anchorNote) yield { kind: 'note', file, message: clock.anchorNote };
}

/** Share of head lines (continuations aside) that have a syslog header. */
export function syslogShare(headLines: string[]): number {
  let lines = 0;
  let syslog = 0;
  for (const line of headLines) {
    if (line.charCodeAt(0) === 9 || line.trim() === '') continue;
    lines++;
    if (splitSyslogLine(line)) syslog++;
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
  description: 'Syslog files (RFC 3164, rsyslog RFC 3339, RFC 5424, journalctl short-iso): every line a generic event',
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
  timeCompleteness: syslogTimeCompleteness,
  parse(input, time) {
    return readSyslogLines(input, time, { interpret: interpretKnownPrograms, assemble: createProgramAssembler });
  },
};
