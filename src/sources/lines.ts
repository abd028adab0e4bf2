// Text inputs to lines, fast and without losing any: 1 MiB Buffers are split on 0x0a here
// instead of by readline (which decodes, then runs a regex per chunk and a microtask per
// line; it was a fifth of syslog parsing). Damage is repaired where the line can still be
// read and always reported: NUL bytes are removed, invalid UTF-8 becomes U+FFFD, a line
// longer than MAX_LINE_BYTES is cut, and a gzip stream that ends early (a rotated log copied
// while being written) ends the file after its last whole line instead of failing the run.
import { isAscii, isUtf8 } from 'node:buffer';

/** Longer lines are cut here: a binary file read as text can hold no newline for gigabytes. */
export const MAX_LINE_BYTES = 64 << 20;

/** What reading one file ran into; `notes()` words it for the report. */
export class ReadDamage {
  nulLines = 0;
  nulBytes = 0;
  firstNulLine = 0;
  badUtf8Lines = 0;
  firstBadUtf8Line = 0;
  cutLines = 0;
  firstCutLine = 0;
  /** The stream failed (truncated gzip, I/O error) after this many whole lines. */
  failure?: { afterLine: number; message: string; droppedBytes: number };

  notes(): string[] {
    const out: string[] = [];
    if (this.nulLines > 0) out.push(`removed ${this.nulBytes} NUL byte${this.nulBytes === 1 ? '' : 's'} from ${count(this.nulLines)}, first at line ${this.firstNulLine}`);
    if (this.badUtf8Lines > 0) out.push(`invalid UTF-8 in ${count(this.badUtf8Lines)} (read with U+FFFD in place of the bad bytes), first at line ${this.firstBadUtf8Line}`);
    if (this.cutLines > 0) out.push(`${count(this.cutLines)} longer than ${MAX_LINE_BYTES >> 20} MiB cut to that length, first at line ${this.firstCutLine}`);
    if (this.failure) {
      const { afterLine, message, droppedBytes } = this.failure;
      const dropped = droppedBytes > 0 ? `; the cut line ${afterLine + 1} (${droppedBytes} bytes) was not read` : '';
      out.push(`reading stopped after line ${afterLine}: ${message}${dropped}`);
    }
    return out;
  }
}

const count = (n: number): string => `${n} line${n === 1 ? '' : 's'}`;

const REPLACEMENT = '\uFFFD';

/**
 * Splits a byte stream into lines (terminators `\n` and `\r\n` removed), in batches: one
 * array per chunk read, so a consumer awaits once per megabyte, not once per line. A last
 * line without a newline is a line. Stream errors end the lines and go into `damage`.
 */
export async function* lineBatches(chunks: AsyncIterable<Buffer>, damage: ReadDamage): AsyncGenerator<string[]> {
  let rest: Buffer[] = [];
  let restBytes = 0;
  let cut = false;
  let lineNo = 0;

  const finish = (text: string, out: string[]): void => {
    lineNo++;
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (cut) {
      cut = false;
      damage.cutLines++;
      if (damage.firstCutLine === 0) damage.firstCutLine = lineNo;
    }
    out.push(text);
  };
  const repair = (out: string[], from: number, firstLine: number, nul: boolean, utf8: boolean): void => {
    for (let k = from; k < out.length; k++) {
      let text = out[k];
      if (nul && text.indexOf('\0') >= 0) {
        const cleaned = text.replace(/\0/g, '');
        damage.nulLines++;
        damage.nulBytes += text.length - cleaned.length;
        if (damage.firstNulLine === 0) damage.firstNulLine = firstLine + (k - from);
        text = out[k] = cleaned;
      }
      if (utf8 && text.indexOf(REPLACEMENT) >= 0) {
        damage.badUtf8Lines++;
        if (damage.firstBadUtf8Line === 0) damage.firstBadUtf8Line = firstLine + (k - from);
      }
    }
  };
  // The bytes of whole lines in `buf` (ending at a newline) decoded once, then split as a string.
  const decode = (buf: Buffer, out: string[]): void => {
    const from = out.length;
    const firstLine = lineNo + 1;
    // Logs are mostly ASCII: checked in one pass, such bytes are copied as latin1 (the same
    // text) instead of decoded, and need no UTF-8 check after.
    const ascii = isAscii(buf);
    const text = ascii ? buf.toString('latin1') : buf.toString('utf8');
    let pos = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', pos)) {
      finish(text.slice(pos, nl), out);
      pos = nl + 1;
    }
    if (pos < text.length) finish(text.slice(pos), out);
    const nul = buf.indexOf(0) >= 0;
    const utf8 = !ascii && !isUtf8(buf);
    if (nul || utf8) repair(out, from, firstLine, nul, utf8);
  };

  try {
    for await (const chunk of chunks) {
      const out: string[] = [];
      const lastNl = chunk.lastIndexOf(10);
      if (lastNl < 0) {
        // No line ends in this chunk: keep it, up to the cap.
        if (restBytes < MAX_LINE_BYTES) {
          const keep = chunk.subarray(0, Math.min(chunk.length, MAX_LINE_BYTES - restBytes));
          rest.push(keep);
          restBytes += keep.length;
          if (keep.length < chunk.length) cut = true;
        } else cut = true;
        continue;
      }
      if (restBytes > 0) {
        const firstNl = chunk.indexOf(10);
        const head = chunk.subarray(0, Math.min(firstNl + 1, Math.max(0, MAX_LINE_BYTES - restBytes)));
        if (head.length < firstNl + 1) cut = true;
        rest.push(head);
        let joined = Buffer.concat(rest);
        if (joined[joined.length - 1] !== 10) joined = Buffer.concat([joined, NEWLINE]);
        decode(joined, out);
        rest = [];
        restBytes = 0;
        if (lastNl > firstNl) decode(chunk.subarray(firstNl + 1, lastNl + 1), out);
      } else {
        decode(chunk.subarray(0, lastNl + 1), out);
      }
      if (lastNl + 1 < chunk.length) {
        const tail = chunk.subarray(lastNl + 1, lastNl + 1 + MAX_LINE_BYTES);
        // Copied: the chunk's memory is reused by the stream otherwise kept alive by a small tail.
        rest.push(Buffer.from(tail));
        restBytes = tail.length;
        if (tail.length < chunk.length - lastNl - 1) cut = true;
      }
      if (out.length > 0) yield out;
    }
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'Z_BUF_ERROR' || /unexpected end of file/.test(message) ? 'the gzip data ends early (unexpected end of file)' : message;
    damage.failure = { afterLine: lineNo, message: why, droppedBytes: restBytes };
    return;
  }
  if (restBytes > 0) {
    const out: string[] = [];
    decode(Buffer.concat(rest), out);
    yield out;
  }
}

const NEWLINE = Buffer.from('\n');
