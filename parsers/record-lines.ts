// Line formats whose every line is one whole record (web access logs, xferlog, pure-ftpd's
// transfer log, proftpd's ExtendedLog, the journal as JSON): each line is read once into a
// record, which gives the stamp and fills the event. They go through the syslog line loop for what it does for every log: line numbers,
// zones and years, the report of unreadable lines; continuation lines do not exist here.
import type { LogEvent } from '../src/event.js';
import type { TimeContext } from '../src/time.js';
import type { InputFile, ParseStream } from './parser.js';
import { readSyslogLines, type SyslogAssembler } from './syslog.js';
import type { SyslogHeader } from './syslog-header.js';

export interface RecordFormat<R> {
  /** The line's record, or undefined when the line is not one. */
  read(line: string): R | undefined;
  /** The stamp (and program, message) the line loop places the event by. */
  header(record: R): SyslogHeader;
  /** Service, action and fields onto the line's event (made from `header`). */
  apply(record: R, event: LogEvent, header: SyslogHeader): void;
  /** Why a line is not a record: the skipped line's reason. */
  explain(line: string): string;
  /** Lines the format writes between records (directives): neither events nor skipped. */
  skip?(line: string): boolean;
  /** The per-file assembler (the mail joins), when the records are syslog messages. */
  assemble?(): SyslogAssembler;
  /** Notes on the file once it is read. */
  notes?(): string[];
}

export function readRecordLines<R>(input: InputFile, time: TimeContext, format: RecordFormat<R>): ParseStream {
  // The loop splits a line, then interprets the event made from it, before the next line.
  let last: R | undefined;
  return readSyslogLines(input, time, {
    split(line) {
      last = format.read(line);
      return last === undefined ? undefined : format.header(last);
    },
    interpret(header, event) {
      if (last !== undefined) format.apply(last, event, header);
    },
    continuations: false,
    explainUnheaded: format.explain,
    skip: format.skip,
    assemble: format.assemble,
    notes: format.notes,
  });
}
