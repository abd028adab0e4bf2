// Every input format flowlink reads. Detection asks each parser how sure it is and takes
// the most specific answer, so service logs win over generic syslog.
import { basename } from 'node:path';
import { FlowlinkError, UnknownFormatError } from '../src/errors.js';
import type { Parser } from './parser.js';
import { pcapParser } from './pcap/index.js';
import { argusText } from './argus-text.js';
import { argusBinary } from './argus-binary.js';
import { zeekConn } from './zeek-conn.js';
import { nfdump } from './nfdump.js';
import { pureFtpdParser } from './pure-ftpd.js';
import { proftpdParser } from './proftpd.js';
import { vsftpdParser } from './vsftpd.js';
import { xferlogParser } from './xferlog.js';
import { pureFtpdAltlogParser } from './pure-ftpd-altlog.js';
import { proftpdExtlogParser } from './proftpd-extlog.js';
import { postfixParser } from './postfix.js';
import { sendmailParser } from './sendmail.js';
import { accessLogParser } from './access-log.js';
import { journalJsonParser } from './journal-json.js';
import { syslogParser } from './syslog.js';

export const parsers: Parser[] = [
  argusText,
  zeekConn,
  nfdump,
  pureFtpdParser,
  proftpdParser,
  vsftpdParser,
  xferlogParser,
  pureFtpdAltlogParser,
  proftpdExtlogParser,
  postfixParser,
  sendmailParser,
  accessLogParser,
  journalJsonParser,
  syslogParser,
  pcapParser,
  argusBinary,
];

export interface Detection {
  parser: Parser;
  score: number;
}

/** The best parser for a file's head, or undefined when none claims it. */
export function detectFormat(head: Buffer, headLines: string[]): Detection | undefined {
  let best: Detection | undefined;
  for (const parser of parsers) {
    const score = parser.detect(head, headLines);
    if (score > 0 && (!best || score > best.score)) best = { parser, score };
  }
  return best;
}

/** The error for a file no parser claims, with a parser's hint when one knows what the file is. */
export function unknownFormat(file: string, headLines: string[]): UnknownFormatError {
  const names = parsers.map((p) => p.name);
  for (const parser of parsers) {
    const hint = parser.unclaimedHint?.(headLines);
    if (hint !== undefined) return new UnknownFormatError(file, names, hint);
  }
  return new UnknownFormatError(file, names);
}

/** The parser named `name` (`--format`), or a user error listing the names with the closest first. */
export function parserNamed(name: string, flag = '--format'): Parser {
  const found = parsers.find((p) => p.name === name);
  if (found) return found;
  const names = parsers.map((p) => p.name);
  const closest = closestName(name, names);
  throw new FlowlinkError(
    `${flag} '${name}' is not a format${closest ? ` (did you mean ${closest}?)` : ''}`,
    `formats: ${names.join(', ')} (\`flowlink formats\` shows an example line of each)`,
  );
}

/** The name nearest `word` by edit distance, when it is near enough to be a slip. */
export function closestName(word: string, names: string[]): string | undefined {
  const w = word.toLowerCase();
  // A name it begins (`zeek` for zeek-conn) first; then the nearest by edit distance.
  const prefixed = names.filter((n) => n.startsWith(w) || w.startsWith(n));
  if (prefixed.length === 1) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const d = editDistance(w, name);
    if (d < bestDistance) {
      bestDistance = d;
      best = name;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The parser for one file: the one `--format` names for it (by path or file name), else
 * the one for every input, else detection. An override is taken as given: its score is
 * what detection would have said, 0 when the head does not look like that format.
 */
export function chooseParser(
  file: string,
  head: Buffer,
  headLines: string[],
  override?: { format?: string; formatFor?: Map<string, string> },
): Detection | undefined {
  const name = override?.formatFor?.get(file) ?? override?.formatFor?.get(basename(file)) ?? override?.format;
  if (name === undefined) return detectFormat(head, headLines);
  const parser = parserNamed(name);
  return { parser, score: parser.detect(head, headLines) };
}
