// An InputFile that starts where the last ingest stopped, so unchanged parsers can read only
// what is new. Line-based parsers number lines from 1 themselves; this input replays the
// file's prelude (its header lines: argus -L0, Zeek #fields, CSV) first, then continues at the
// saved byte offset, and `realLine` turns the parser's numbers back into the file's.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { InputFile } from '../../parsers/parser.js';

export interface ResumePoint {
  /** Bytes of whole lines already consumed (of the decompressed content). */
  bytes: number;
  /** Whole lines already consumed. */
  lines: number;
  /** Leading lines to replay before continuing (0 when starting at the top). */
  prelude: number;
}

export const START: ResumePoint = { bytes: 0, lines: 0, prelude: 0 };

interface RawLine {
  text: string;
  bytes: number;
  /** False for a last line without its newline: it may still be being written. */
  terminated: boolean;
}

const CHUNK = 1 << 20;

/** Lines of a file from a byte offset (plain) or from the top (gzip), with their byte lengths. */
async function* rawLines(
  path: string,
  compressed: boolean,
  fromByte: number,
  onBytes?: (position: number) => void,
  onError?: (message: string) => void,
): AsyncGenerator<RawLine> {
  const start = compressed ? 0 : fromByte;
  const file = createReadStream(path, { start, highWaterMark: CHUNK });
  const stream: AsyncIterable<Buffer> = compressed ? untilGzipError(file.pipe(createGunzip()), onError) : file;
  let rest: Buffer | undefined;
  try {
    for await (const chunk of stream) {
      onBytes?.(start + file.bytesRead);
      const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
      let pos = 0;
      for (let nl = buf.indexOf(10, pos); nl >= 0; nl = buf.indexOf(10, pos)) {
        const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
        const text = buf.toString('utf8', pos, end);
        const bytes = nl + 1 - pos;
        pos = nl + 1;
        yield { text, bytes, terminated: true };
      }
      rest = pos < buf.length ? buf.subarray(pos) : undefined;
    }
    if (rest && rest.length > 0) {
      const end = rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length;
      yield { text: rest.toString('utf8', 0, end), bytes: rest.length, terminated: false };
    }
  } finally {
    file.destroy();
  }
}

/** A gzip stream that ends early (a log copied while rotated) ends the lines, reported, instead of the run. */
async function* untilGzipError(stream: AsyncIterable<Buffer>, onError?: (message: string) => void): AsyncIterable<Buffer> {
  try {
    yield* stream;
  } catch (error) {
    if (!onError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    onError(`reading stopped: ${code === 'Z_BUF_ERROR' ? 'the gzip data ends early (unexpected end of file); its cut last line is read as it is' : (error as Error).message}`);
  }
}

export class ResumableInput implements InputFile {
  /** Whole lines read through `lines()` so far, counted in the file's numbering. */
  consumedBytes: number;
  consumedLines: number;
  /** The highest file line handed to the parser. */
  highestLine: number;
  /** Lines the parser saw before the resume point (the replayed prelude). */
  replayed = 0;
  usedStream = false;
  usedLines = false;
  private readonly problems: string[] = [];

  constructor(
    readonly path: string,
    readonly head: Buffer,
    readonly mtime: Date,
    private readonly compressed: boolean,
    private readonly from: ResumePoint,
    /** Told the byte position in the file (on disk) as it is read, for a progress bar. */
    private readonly onBytes?: (position: number) => void,
  ) {
    this.consumedBytes = from.bytes;
    this.consumedLines = from.lines;
    this.highestLine = from.lines;
  }

  /** The file's line number for a line number the parser counted; undefined for a replayed line. */
  realLine(parserLine: number): number | undefined {
    if (parserLine <= this.replayed) return undefined;
    return this.from.lines + (parserLine - this.replayed);
  }

  async *lines(): AsyncIterable<string> {
    this.usedLines = true;
    const { bytes, lines, prelude } = this.from;
    if (lines > 0 && prelude > 0) {
      let n = 0;
      for await (const l of rawLines(this.path, this.compressed, 0)) {
        if (n >= prelude || n >= lines) break;
        n++;
        this.replayed++;
        yield l.text;
      }
    }
    let skip = this.compressed ? lines : 0;
    for await (const l of rawLines(this.path, this.compressed, bytes, this.onBytes, (message) => this.problems.push(message))) {
      if (skip > 0) {
        skip--;
        continue;
      }
      this.highestLine++;
      if (l.terminated) {
        this.consumedBytes += l.bytes;
        this.consumedLines++;
      }
      yield l.text;
    }
  }

  /** What reading ran into (a cut gzip stream), as notes; the syslog family reports them. */
  readProblems(): string[] {
    return this.problems;
  }

  async *stream(): AsyncIterable<Buffer> {
    this.usedStream = true;
    const file = createReadStream(this.path, { highWaterMark: CHUNK });
    const stream: AsyncIterable<Buffer> = this.compressed ? file.pipe(createGunzip()) : file;
    try {
      for await (const chunk of stream) {
        this.onBytes?.(file.bytesRead);
        yield chunk;
      }
    } finally {
      file.destroy();
    }
  }
}
