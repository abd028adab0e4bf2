// The one interface every input format implements (see parsers/index.ts for the list).
import type { Micros, ParseItem } from '../src/event.js';
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
  /**
   * The same bytes as `stream()`, read into buffers that are reused: a chunk is valid only until
   * the next one is asked for, so only for readers that keep no view of a chunk past that.
   * Optional: without it, `stream()`.
   */
  reusedStream?(): AsyncIterable<Buffer>;
  /**
   * The same lines as `lines()`, an array per chunk read: line parsers that use it await
   * once per megabyte instead of once per line. Optional: inputs without it are read by line.
   */
  lineBatches?(): AsyncIterable<string[]>;
  /**
   * What reading ran into that the parser cannot see (NUL bytes removed, invalid UTF-8, a
   * gzip stream that ends early), as notes for the report; complete once the lines are read.
   */
  readProblems?(): string[];
}

/**
 * What `parse` returns: items one at a time, and optionally in arrays (one per chunk read)
 * for consumers that want to await less often; both give the same items in the same order.
 */
export interface ParseStream extends AsyncIterable<ParseItem> {
  batches?(): AsyncIterable<ParseItem[]>;
  /**
   * Read after each batch: no record the parser yields from then on is stamped before this
   * (it holds nothing older, e.g. an open postfix message), except for lines whose own
   * stamps step back. Lets a merge hold records only as long as that needs.
   */
  settledBefore?(): Micros;
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
  /**
   * For a head no parser claims: what it is when this format's kin that cannot be read
   * (journalctl's monotonic output), the unknown-format error's hint; undefined otherwise.
   */
  unclaimedHint?(headLines: string[]): string | undefined;
  /** How complete this file's stamps are; may depend on the file (argus with or without dates). */
  timeCompleteness(headLines: string[]): TimeCompleteness;
  /** `assembly` matters only to formats whose flows are built from packets (pcap). */
  parse(input: InputFile, time: TimeContext, assembly?: FlowAssemblyOptions): ParseStream;
}

/** How packets become flows (`--idle-timeout`, `--status-interval`, `--max-flows`); unset means the defaults. */
export interface FlowAssemblyOptions {
  /** A flow silent longer than this is finished (default 120 s). */
  idleTimeout?: Micros;
  /** A flow gets a status record (part) per interval (default 5 s, argus's). */
  statusInterval?: Micros;
  /** Most flows held at once (default 1,000,000). */
  maxFlows?: number;
}
