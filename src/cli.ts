#!/usr/bin/env node
// The command line: flags in, exit codes out. 0 = explained, 1 = nothing to explain or
// nothing explained, 2 = the user's input or flags are wrong. I/O lives here and in views.
import { Command, CommanderError } from 'commander';
import { FilterSyntaxError, isFlowlinkError, RuleSyntaxError } from './errors.js';
import { version } from './version.js';
import { applyConfig, CONFIG_NAME, loadConfig } from './config.js';
import { REPORT_WIDTH, wrap } from './views/wrap.js';

type Register = (program: Command) => void;

/**
 * Every command, in the order --help lists them, with the module that registers it. A
 * module is imported only when its command runs (see `commandsToLoad`): `explain` pulls in
 * the rules (chevrotain) and SQLite, `timeline` ink and react, about a second of start-up
 * that `events` or `--version` should not pay.
 */
const COMMANDS: [name: string, load: () => Promise<Register>][] = [
  ['explain', async () => (await import('./commands/explain.js')).registerExplain],
  ['spikes', async () => (await import('./commands/spikes.js')).registerSpikes],
  ['flows', async () => (await import('./commands/flows.js')).registerFlows],
  ['timeline', async () => (await import('./commands/timeline.js')).registerTimeline],
  ['ingest', async () => (await import('./commands/ingest.js')).registerIngest],
  ['query', async () => (await import('./commands/query.js')).registerQuery],
  ['events', async () => (await import('./commands/events.js')).registerEvents],
  ['formats', async () => (await import('./commands/formats.js')).registerFormats],
  ['rules', async () => (await import('./commands/rules.js')).registerRules],
];

/** Options of the program itself that take a value: skipped when looking for the command word. */
const PROGRAM_VALUE_OPTIONS = new Set(['--config']);

/**
 * Which commands to register for `argv`: the one named, when it is a command; none for a
 * bare `--version`; every one otherwise (top-level help lists them all, `help CMD` and a
 * mistyped command need their names for the answer and the suggestion).
 */
function commandsToLoad(args: string[]): string[] {
  const all = COMMANDS.map(([name]) => name);
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (PROGRAM_VALUE_OPTIONS.has(a)) {
      k++;
      continue;
    }
    if (a.startsWith('-')) {
      if (a === '-V' || a === '--version') return [];
      continue;
    }
    return all.includes(a) ? [a] : all;
  }
  return all;
}

const TOP_HELP = `
Examples:
  flowlink explain samples/backup-spike        the bundled sample: flows, syslog
  flowlink explain capture.pcap /var/log/messages --tz Europe/Berlin
  flowlink explain capture.pcap messages --html report.html    to send on
  flowlink spikes argus.txt --bin 1m           the spikes and who made them up
  flowlink flows capture.pcap --top 10         the largest connections, filtered
  flowlink timeline capture.pcap /var/log/     browse it in the terminal
  flowlink COMMAND --help                      a command's flags and examples

Inputs are files or folders; each file's format (pcap, pcapng, argus ra output,
zeek conn.log, nfdump csv, syslog, pure-ftpd, vsftpd, xferlog, postfix,
sendmail, access logs) is detected from its first lines, .gz is undone.
\`flowlink formats\` lists them. Defaults for flags: ./${CONFIG_NAME} (see README).

Exit codes:
  0   at least one spike explained (spikes: at least one spike found)
  1   nothing to report: no flows, no spikes, or no spike explained
  2   user error: bad flag, unreadable or unknown input, rule or config error
  70  internal error (please report it)
`;

/** Each command's exit codes, for its --help (flows and rules say their own). */
const EXIT_CODES: Record<string, string> = {
  explain: '0 a spike explained, 1 no flows, no spike or none explained, 2 a user error (flag, input, rule or config file)',
  spikes: '0 spikes found, 1 no flows or no spike, 2 a user error',
  timeline: '0 after q, 1 no flows, 2 no terminal or a user error',
  ingest: '0 inputs read, 2 a user error (unreadable input, unknown format, case file)',
  query: '0 the rows printed (none too), 2 bad SQL or case file',
  events: '0 events listed, 1 none matched, 2 a user error',
  formats: '0 the formats listed',
  rules: '0 rules fine (and their tests pass), 1 a rule test failed, 2 a rule file error',
};

// Each command lives in src/commands/ and registers itself here, in the order --help lists them.
async function program(argv: string[]): Promise<Command> {
  const cmd = new Command('flowlink')
    .description(
      'Explain network traffic spikes by linking flow records to the service logs that caused them. ' +
        'Give it what you have: a tcpdump capture or argus/zeek/nfdump flows, plus the syslog of the ' +
        'servers involved; it finds the spikes and names the host, service, user and file behind each.',
    )
    .version(version, '-V, --version', 'print the version')
    .option('--config <file>', `defaults for the flags (TOML); without it ./${CONFIG_NAME} is read when present`)
    .showSuggestionAfterError()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText('after', TOP_HELP);
  // Config defaults go in just before a command runs: only then is it known which flags it has.
  cmd.hook('preAction', (_root, action) => {
    const config = loadConfig(cmd.opts<{ config?: string }>().config);
    if (config) applyConfig(action, config);
  });
  const wanted = new Set(commandsToLoad(argv.slice(2)));
  const chosen = COMMANDS.filter(([name]) => wanted.has(name));
  // Imported side by side, registered in the listed order.
  const registers = await Promise.all(chosen.map(([, load]) => load()));
  for (const register of registers) register(cmd);
  for (const sub of cmd.commands) {
    const codes = EXIT_CODES[sub.name()];
    if (codes) sub.addHelpText('after', `\n${wrap(`Exit codes: ${codes}; 70 an internal error.`, REPORT_WIDTH, '', '  ').join('\n')}\n`);
  }
  return cmd;
}

async function main(argv: string[]): Promise<void> {
  try {
    await (await program(argv)).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message; help and version are not errors.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof RuleSyntaxError || error instanceof FilterSyntaxError) {
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

// A reader that stops early (`flowlink events big.log | head`) closes the pipe: that ends
// the output, it is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

await main(process.argv);
