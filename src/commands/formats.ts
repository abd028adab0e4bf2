// `flowlink formats`: every input format flowlink reads.
import type { Command } from 'commander';
import { parsers } from '../../parsers/index.js';

export function registerFormats(program: Command): void {
  program
    .command('formats')
    .description('list the input formats flowlink reads')
    .action(() => {
      for (const p of parsers) process.stdout.write(`${p.name.padEnd(14)} ${p.produces.padEnd(6)} ${p.description}\n`);
    });
}
