// Every input format flowlink reads. Detection asks each parser how sure it is and takes
// the most specific answer, so service logs win over generic syslog.
import type { Parser } from './parser.js';
import { pcapParser } from './pcap/index.js';
import { argusText } from './argus-text.js';
import { argusBinary } from './argus-binary.js';
import { zeekConn } from './zeek-conn.js';
import { nfdump } from './nfdump.js';
import { pureFtpdParser } from './pure-ftpd.js';
import { vsftpdParser } from './vsftpd.js';
import { xferlogParser } from './xferlog.js';
import { postfixParser } from './postfix.js';
import { sendmailParser } from './sendmail.js';
import { accessLogParser } from './access-log.js';
import { syslogParser } from './syslog.js';

export const parsers: Parser[] = [
  argusText,
  zeekConn,
  nfdump,
  pureFtpdParser,
  vsftpdParser,
  xferlogParser,
  postfixParser,
  sendmailParser,
  accessLogParser,
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
