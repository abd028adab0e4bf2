#!/usr/bin/env node
// The command line: flags in, exit codes out. 0 = explained, 1 = nothing to explain or
// nothing explained, 2 = the user's input or flags are wrong. I/O lives here and in views.
import { Command, CommanderError } from 'commander';
import { FilterSyntaxError, isFlowlinkError, RuleSyntaxError } from './errors.js';
import { version } from './version.js';
import { applyConfig, CONFIG_NAME, loadConfig } from './config.js';
import { REPORT_WIDTH, wrap } from './views/wrap.js';
import { registerExplain } from './commands/explain.js';
import { registerSpikes } from './commands/spikes.js';
import { registerTimeline } from './commands/timeline.js';
import { registerIngest } from './commands/ingest.js';
import { registerQuery } from './commands/query.js';
import { registerFormats } from './commands/formats.js';
import { registerRules } from './commands/rules.js';
import { registerEvents } from './commands/events.js';
import { registerFlows } from './commands/flows.js';

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
function program(): Command {
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
  registerExplain(cmd);
  registerSpikes(cmd);
  registerFlows(cmd);
  registerTimeline(cmd);
  registerIngest(cmd);
  registerQuery(cmd);
  registerEvents(cmd);
  registerFormats(cmd);
  registerRules(cmd);
  for (const sub of cmd.commands) {
    const codes = EXIT_CODES[sub.name()];
    if (codes) sub.addHelpText('after', `\n${wrap(`Exit codes: ${codes}; 70 an internal error.`, REPORT_WIDTH, '', '  ').join('\n')}\n`);
  }
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

await main(process.argv);
