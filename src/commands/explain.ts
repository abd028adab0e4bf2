// `flowlink explain`: find the spikes and explain them with log lines.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { closeStore } from '../store/db.js';
import { saveExplainedSpikes } from '../store/queries.js';
import { analyse, findSpikes } from '../analyses/analyse.js';
import { LOG_WINDOW_MARGIN, logWindowsFor } from '../store/log-windows.js';
import type { FlowRecord } from '../event.js';
import type { RuleSet } from '../rules/types.js';
import { renderText } from '../views/text.js';
import { writeHtmlReport } from '../views/html-file.js';
import { reportJson } from '../views/json.js';
import { version } from '../version.js';
import { type ExplainFlags, loadFor, loadRules, pickedWindow, reportOf, reportSkipped, spikeOptions, withCommonOptions, withRuleOptions, zones } from './common.js';

/** Identifies the rules an explanation was made with, for explanations saved in a case file. */
function rulesVersion(rules: RuleSet): string {
  const hash = createHash('sha256');
  for (const file of rules.files) hash.update(file).update(readFileSync(file));
  return `${version}+${hash.digest('hex').slice(0, 12)}`;
}

export async function explain(inputs: string[], flags: ExplainFlags): Promise<number> {
  const spikes = spikeOptions(flags);
  const { zone: displayZone } = zones(flags.tz);
  const window = pickedWindow(flags, displayZone ?? 'UTC');
  const rules = await loadRules(flags.rules, flags.builtinRules);
  // Only the log events near the spikes are read from the store: a day of logs is large.
  const slack = Math.max(0, ...rules.rules.map((r) => r.timeSlack));
  // The spikes found to choose the windows are the analysis's too: detection runs once.
  const windowZone = displayZone ?? 'UTC';
  let found: { flows: FlowRecord[]; spikes: ReturnType<typeof findSpikes> } | undefined;
  const logWindows = (flows: FlowRecord[]) => {
    found = { flows, spikes: findSpikes(flows, { spikes, window, zone: windowZone }) };
    return logWindowsFor(found.spikes.spikes, Math.max(LOG_WINDOW_MARGIN, 2 * slack));
  };
  const loaded = await loadFor(inputs, flags, { logWindows });
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  try {
    const reuse = found && found.flows === data.flows && zone === windowZone ? found.spikes : undefined;
    const analysis = analyse(data.flows, data.logs, rules, { spikes, window, zone, found: reuse });
    if (flags.db) saveExplainedSpikes(store, analysis.explained, rulesVersion(rules), { binWidth: analysis.series!.width });
    const report = reportOf(data, zone, analysis.series!.width, analysis.explained, analysis.clockSkew);
    if (flags.html) writeHtmlReport(flags.html, report, analysis.series!);
    process.stdout.write(flags.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : renderText(report));
    reportSkipped(data);
    return analysis.explained.some((x) => x.explanations.length > 0) ? 0 : 1;
  } finally {
    closeStore(store);
  }
}

export function registerExplain(program: Command): void {
  withRuleOptions(
    withCommonOptions(
      program
        .command('explain')
        .description('find the spikes in flow records and explain them with log lines')
        .argument('[inputs...]', 'capture, flow and log files, or folders of them (optional with --db)'),
    ),
  )
    .option('--at <time>', 'explain the 30 minutes around this time instead of the detected spikes')
    .option('--from <time>', 'explain this window (with --to) instead of the detected spikes')
    .option('--to <time>', 'end of the window given with --from')
    .option('--html <file>', 'also write the report as one self-contained HTML page (chart, spikes, evidence) to FILE')
    .addHelpText(
      'after',
      '\nGive it the traffic (a tcpdump -w capture, argus ra output, a zeek conn.log,\n' +
        'nfdump csv) and the logs of the servers involved (syslog, vsftpd.log, xferlog,\n' +
        'maillog, access.log): it finds the spikes and, for each, the log lines that\n' +
        'account for its bytes, and how sure it is.\n' +
        '\nExamples:\n' +
        '  # the bundled sample, a folder of argus flows and a syslog\n' +
        '  flowlink explain samples/backup-spike\n' +
        '  # a capture from tcpdump -w and the FTP server\'s syslog, logged in Berlin time\n' +
        '  flowlink explain capture.pcap /var/log/messages --tz Europe/Berlin\n' +
        '  # a moment you saw on a graph, even if no spike is detected there\n' +
        '  flowlink explain capture.pcap messages --at 2008-03-08T03:30\n' +
        '  # a page to send a colleague, and the JSON for scripts\n' +
        '  flowlink explain capture.pcap messages --html report.html\n' +
        '  flowlink explain capture.pcap messages --json | jq -r .spikes[0].summary\n',
    )
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await explain(inputs, flags);
    });
}
