// Shared test plumbing: fixture paths and reading a parser's output from a real file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseItem } from '../src/event.js';
import { openInput } from '../src/sources/input.js';
import type { Parser } from '../parsers/parser.js';
import type { TimeContext } from '../src/time.js';

/** Tests run from dist/test; fixtures stay in the source tree. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function fixture(...parts: string[]): string {
  return path.join(ROOT, 'test', 'fixtures', ...parts);
}

export async function parseFile(parser: Parser, file: string, time: TimeContext): Promise<ParseItem[]> {
  const items: ParseItem[] = [];
  for await (const item of parser.parse(await openInput(file), time)) items.push(item);
  return items;
}

export const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();
