// Every input format flowlink reads. Detection asks each parser how sure it is and takes
// the most specific answer, so service logs win over generic syslog.
import type { Parser } from './parser.js';

export const parsers: Parser[] = [
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
