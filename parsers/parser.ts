// The one interface every input format implements (see parsers/index.ts for the list).
import type { ParseItem } from '../src/event.js';
import type { TimeContext } from '../src/time.js';

/** How complete a format's timestamps are; decides the order inputs are read in. */
export type TimeCompleteness =
  /** Full date and time (zone known or taken from the context). */
  | 'full'
  /** Month and day but no year (RFC 3164 syslog): the year comes from the context. */
  | 'no-year'
  /** Time of day only (argus default `%T.%f`): the date comes from the context. */
  | 'no-date';

/** An input file opened for reading, gzip already undone. */
export interface InputFile {
  path: string;
  /** The first bytes of the file (decompressed), for detection. */
  head: Buffer;
  /** The file's modification time, a last-resort year for yearless logs. */
  mtime: Date;
  /** Lines without their terminators; numbering is the parser's (1-based, in order). */
  lines(): AsyncIterable<string>;
  /** The whole content as a byte stream, for binary formats. */
  stream(): AsyncIterable<Buffer>;
}

export interface Parser {
  /** Short name used in reports and `--format` (e.g. 'argus-text', 'pure-ftpd'). */
  name: string;
  description: string;
  produces: 'flows' | 'logs';
  /** Real lines in this format: the registry test checks each parser accepts its own. */
  samples: string[];
  /**
   * 0 when the head is not this format; higher means more specific. Service parsers
   * return more than the generic syslog parser so that they are tried first.
   */
  detect(head: Buffer, headLines: string[]): number;
  /** How complete this file's stamps are; may depend on the file (argus with or without dates). */
  timeCompleteness(headLines: string[]): TimeCompleteness;
  parse(input: InputFile, time: TimeContext): AsyncIterable<ParseItem>;
}
