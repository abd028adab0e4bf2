// Argus binary files (what `argus -w` writes), read through argus's own client: flowlink runs
// `ra` on the file, asks for CSV with epoch stamps and an -L0 header, and hands ra's lines to
// the argus-text parser. Decoding argus's DSR records here would duplicate ra for every argus
// version; ra is the reference reader and is packaged everywhere argus is (argus-client).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ParseItem } from '../src/event.js';
import { InputError } from '../src/errors.js';
import type { TimeContext } from '../src/time.js';
import { argusText } from './argus-text.js';
import type { InputFile, Parser } from './parser.js';

/**
 * The first record of every argus stream is a management record (MAR) of cause START whose
 * `argusid` field holds a version cookie (argus_def.h, argus_out.h; ArgusInitCon in argus):
 *   byte 0  type (high nibble, ARGUS_MAR 0x8) | version (low nibble: 3 for argus 3, 5 for 5)
 *   byte 1  cause (high nibble, ARGUS_START 0x1) | options
 *   2..3    record length in 32-bit words, network order
 *   4..7    status
 *   8..11   argusid = ARGUS_V2_COOKIE 0xE5617ACB, ARGUS_V3_COOKIE 0xE5712DCB, ARGUS_V5_COOKIE 0xE57150CB
 * A 32-bit cookie at a fixed offset behind a fixed type and cause leaves no room for false
 * positives on other binaries.
 */
const COOKIES: Record<number, string> = { 0xe5617acb: 'argus 2', 0xe5712dcb: 'argus 3', 0xe57150cb: 'argus 5' };
const ARGUS_MAR = 0x80;
const ARGUS_START = 0x10;

/** The argus version an argus binary file's first bytes announce, if they are one. */
export function argusBinaryVersion(head: Buffer): string | undefined {
  if (head.length < 12) return undefined;
  if ((head[0] & 0xf0) !== ARGUS_MAR || (head[1] & 0xf0) !== ARGUS_START) return undefined;
  // The MAR struct is 128 bytes in argus 3; a record shorter than its header plus cookie is not one.
  if (head.readUInt16BE(2) < 3) return undefined;
  return COOKIES[head.readUInt32BE(8)];
}

/** The ra fields flowlink asks for, in this order (their -L0 labels are what argus-text reads). */
export const RA_FIELDS = [
  'stime', 'ltime', 'flgs', 'proto', 'saddr', 'sport', 'dir', 'daddr', 'dport',
  'spkts', 'dpkts', 'sbytes', 'dbytes', 'sappbytes', 'dappbytes', 'state',
] as const;
const PROTO = RA_FIELDS.indexOf('proto');
const SAPP = RA_FIELDS.indexOf('sappbytes');
const DAPP = RA_FIELDS.indexOf('dappbytes');

/**
 * ra's arguments for one file ('-' reads standard input): numbers not names (-nn), CSV (-c ,),
 * epoch stamps to the microsecond (-u -p 6), the label line (-L0), and no rarc (-X), so that a
 * user's ~/.rarc or /etc/ra.conf (RA_TIME_FORMAT, RA_PRINT_LABELS ...) cannot change the output.
 */
export function raArguments(file = '-'): string[] {
  return ['-X', '-nn', '-r', file, '-c', ',', '-u', '-p', '6', '-L0', '-s', ...RA_FIELDS];
}

/** The command a user can run themselves to convert the file to text flowlink reads. */
export function raConvertCommand(file: string): string {
  return `ra ${raArguments(file).join(' ')} > ${file}.csv`;
}

export class ArgusClientMissingError extends InputError {
  override name = 'ArgusClientMissingError';
  constructor(
    readonly file: string,
    readonly ra: string,
  ) {
    super(
      `${file}: is an Argus binary file, which flowlink reads through argus's 'ra', and '${ra}' was not found`,
      `install argus-client (apt-get install argus-client; set FLOWLINK_RA to ra's path if it is not on PATH), or convert the file yourself and give flowlink the CSV: ${raConvertCommand(file)}`,
    );
  }
}

export interface ArgusBinaryOptions {
  /** The ra binary to run: default $FLOWLINK_RA, else `ra` on PATH. */
  ra?: string;
  /** stderr lines of ra kept as notes (the rest are counted). */
  maxStderrLines?: number;
}

/**
 * Follows argus's record framing (4-byte header, length in words) as the file goes to ra, which
 * stops quietly at a record cut short by the end of the file: flowlink says so.
 */
class RecordFraming {
  records = 0;
  private remaining = 0;
  private header: number[] = [];
  broken?: string;

  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.broken) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - i);
        this.remaining -= take;
        i += take;
        continue;
      }
      this.header.push(chunk[i++]);
      if (this.header.length < 4) continue;
      const words = (this.header[2] << 8) | this.header[3];
      this.header = [];
      if (words < 1) {
        this.broken = `argus record ${this.records + 1} has length 0: corrupt file`;
        return;
      }
      this.records++;
      this.remaining = words * 4 - 4;
    }
  }

  /** Bytes missing from the last record, 0 when the file ends on a record boundary. */
  get missing(): number {
    return this.header.length > 0 ? 4 - this.header.length : this.remaining;
  }
}

type RaProcess = ChildProcessByStdio<Writable, Readable, Readable>;

/** Starts ra; resolves once it runs, rejects with ArgusClientMissingError when there is no ra. */
function startRa(ra: string, file: string): Promise<RaProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(ra, raArguments('-'), { stdio: ['pipe', 'pipe', 'pipe'] });
    child.once('spawn', () => resolve(child));
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') reject(new ArgusClientMissingError(file, ra));
      else reject(new InputError(`${file}: could not run '${ra}' to read this Argus binary file (${error.code ?? error.message})`, `check that '${ra}' is argus-client's ra and can be run`));
    });
  });
}

function exitOf(child: RaProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

async function* parseArgusBinary(input: InputFile, time: TimeContext, options: ArgusBinaryOptions): AsyncIterable<ParseItem> {
  const file = input.path;
  const ra = options.ra ?? process.env.FLOWLINK_RA ?? 'ra';
  const maxStderr = options.maxStderrLines ?? 20;
  const child = await startRa(ra, file);

  const stderr: string[] = [];
  let stderrMore = 0;
  createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
    if (line.trim() === '') return;
    if (stderr.length < maxStderr) stderr.push(line.trim());
    else stderrMore++;
  });
  // The file goes to ra on its standard input: gzip is already undone, and any InputFile works.
  // ra stopping early (a corrupt file) breaks the pipe; its exit status tells that story.
  const framing = new RecordFraming();
  const framed = async function* (): AsyncIterable<Buffer> {
    for await (const chunk of input.stream()) {
      framing.feed(chunk);
      yield chunk;
    }
  };
  const feeding = pipeline(Readable.from(framed()), child.stdin).catch(() => undefined);
  const closed = exitOf(child);

  let management = 0;
  let nonIp = 0;
  let sawAppBytes = false;
  let rows = 0;
  /**
   * ra's lines as argus-text sees them: line 1 is the label line, line k + 1 the k-th flow record
   * ra prints, which is the record number flowlink reports (management records not counted).
   */
  const raLines = async function* (): AsyncIterable<string> {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      rows++;
      if (rows === 1) {
        yield line;
        continue;
      }
      const cells = line.split(',');
      const proto = cells[PROTO]?.trim();
      // Management records are left out of the numbering (ra -X does not print them anyway).
      if (proto === 'man') {
        management++;
        rows--;
        continue;
      }
      if (proto !== undefined && !/^\d+$/.test(proto)) {
        // -nn prints every IP protocol as a number: a name here is ARP, RARP and the like.
        // Blank, not dropped, so that argus-text's line numbers stay record numbers.
        nonIp++;
        yield '';
        continue;
      }
      // argus writes app bytes only when -A (ARGUS_GENERATE_APPBYTE_METRIC) is on and one side is
      // non-zero; otherwise ra prints 0 for both. Two zeros say "not measured", not "no payload".
      if (cells.length > DAPP && cells[SAPP].trim() === '0' && cells[DAPP].trim() === '0') {
        cells[SAPP] = '';
        cells[DAPP] = '';
        yield cells.join(',');
        continue;
      }
      if (cells.length > DAPP) sawAppBytes = true;
      yield line;
    }
  };
  const raInput: InputFile = {
    path: file,
    head: input.head,
    mtime: input.mtime,
    lines: raLines,
    stream: () => {
      throw new Error('argus-binary: ra output is read as lines');
    },
  };

  let finished = false;
  try {
    for await (const item of argusText.parse(raInput, time)) {
      // Flow record numbers, not lines of ra's output: line 1 was the label line.
      if (item.kind === 'flow') item.origin.line = Math.max(1, item.origin.line - 1);
      else if (item.kind === 'issue') item.line = Math.max(0, item.line - 1);
      yield item;
    }
    finished = true;
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill();
  }
  await feeding;
  const { code, signal } = await closed;

  for (const line of stderr) yield { kind: 'note', file, message: `ra: ${line}` };
  if (stderrMore > 0) yield { kind: 'note', file, message: `ra wrote ${stderrMore} more lines on stderr` };
  if (code !== 0) {
    const how = signal ? `was stopped by ${signal}` : `exited with status ${code}`;
    const why = stderr[0] ? `: ${stderr[0]}` : '';
    const n = Math.max(0, rows - 1);
    yield {
      kind: 'issue',
      file,
      line: n,
      reason: `ra ${how} after ${n} flow record${n === 1 ? '' : 's'}${why}; the records before were kept`,
    };
  }
  if (framing.broken) yield { kind: 'issue', file, line: framing.records + 1, reason: framing.broken };
  else if (framing.missing > 0 && code === 0) {
    yield {
      kind: 'issue',
      file,
      line: framing.records,
      reason: `file ends inside argus record ${framing.records} (${framing.missing} bytes short): the records before it were kept`,
    };
  }
  if (nonIp > 0) yield { kind: 'note', file, message: `${nonIp} argus records are not IP flows (ARP and the like) and are not counted` };
  if (rows > 1 + nonIp && !sawAppBytes) {
    yield {
      kind: 'note',
      file,
      message: 'no application byte counts in this argus file (argus ran without -A): payload bytes are estimated from packets',
    };
  }
}

/** An argus-binary Parser with a given ra binary (tests, or ra outside PATH). */
export function createArgusBinaryParser(options: ArgusBinaryOptions = {}): Parser {
  return {
    name: 'argus-binary',
    description: "Argus binary files (argus -w output), read through argus-client's ra",
    produces: 'flows',
    // Binary format: no text lines to list (the test makes a real file with argus).
    samples: [],
    detect: (head) => (argusBinaryVersion(head) ? 1.0 : 0),
    // Read with -u: epoch stamps, complete.
    timeCompleteness: () => 'full',
    parse: (input, time) => parseArgusBinary(input, time, options),
  };
}

export const argusBinary: Parser = createArgusBinaryParser();
