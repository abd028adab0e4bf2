#!/usr/bin/env node
// The command line: flags in, exit codes out. 0 = explained, 1 = nothing to explain or
// nothing explained, 2 = the user's input or flags are wrong. I/O lives here and in views.
import { Command, CommanderError } from 'commander';
import { isFlowlinkError, RuleSyntaxError } from './errors.js';
import { version } from './version.js';
import { registerExplain } from './commands/explain.js';
import { registerSpikes } from './commands/spikes.js';
import { registerTimeline } from './commands/timeline.js';
import { registerIngest } from './commands/ingest.js';
import { registerQuery } from './commands/query.js';
import { registerFormats } from './commands/formats.js';

// Each command lives in src/commands/ and registers itself here, in the order --help lists them.
function program(): Command {
  const cmd = new Command('flowlink')
    .description('Explain network traffic spikes by linking flow records to the service logs that caused them.')
    .version(version)
    .showSuggestionAfterError()
    .exitOverride();
  registerExplain(cmd);
  registerSpikes(cmd);
  registerTimeline(cmd);
  registerIngest(cmd);
  registerQuery(cmd);
  registerFormats(cmd);
  return cmd;
}

async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message; help and version are not errors.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof RuleSyntaxError) {
      process.stderr.write(`flowlink: ${error.detailed}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    if (isFlowlinkError(error)) {
      process.stderr.write(`flowlink: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`flowlink: internal error (please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}

await main(process.argv);
