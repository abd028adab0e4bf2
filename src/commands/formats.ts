// `flowlink formats`: every input format flowlink reads, each with an example from its
// samples (the real lines the registry test checks each parser reads).
import type { Command } from 'commander';
import { parsers } from '../../parsers/index.js';
import type { Parser } from '../../parsers/parser.js';

const WIDTH = 160;

/** Log formats: a line. Flow tables: their header and first row (their samples start with the header). */
export function exampleLines(p: Parser): string[] {
  if (p.samples.length === 0) return ['(binary files; no text example)'];
  // Zeek's `#separator` and similar preamble lines say little; `#fields` is the header.
  const telling = p.samples.filter((l) => !l.startsWith('#') || l.startsWith('#fields'));
  const lines = p.produces === 'flows' ? telling.slice(0, 2) : telling.slice(0, 1);
  return lines.map((l) => (l.length > WIDTH ? l.slice(0, WIDTH - 1) + '…' : l));
}

export function registerFormats(program: Command): void {
  program
    .command('formats')
    .description('list the input formats flowlink reads, with an example of each (names for --format)')
    .addHelpText('after', '\nA file\'s format is detected from its first lines; these are the ones known.\n\nExamples:\n  flowlink formats\n  flowlink formats | grep -A2 pure-ftpd\n')
    .action(() => {
      for (const p of parsers) {
        process.stdout.write(`${p.name.padEnd(14)} ${p.produces.padEnd(6)} ${p.description}\n`);
        for (const l of exampleLines(p)) process.stdout.write(`    ${l}\n`);
      }
    });
}
