// `flowlink explain`: find the spikes and explain them with log lines.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { closeStore } from '../store/db.js';
import { saveExplainedSpikes } from '../store/queries.js';
import { analyse } from '../analyses/analyse.js';
import type { RuleSet } from '../rules/types.js';
import { renderText } from '../views/text.js';
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
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  try {
    const analysis = analyse(data.flows, data.logs, rules, { spikes, window, zone });
    if (flags.db) saveExplainedSpikes(store, analysis.explained, rulesVersion(rules), { binWidth: analysis.series!.width });
    const report = reportOf(data, zone, analysis.series!.width, analysis.explained);
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
    .addHelpText(
      'after',
      '\nExamples:\n  flowlink explain samples/backup-spike\n  flowlink explain argus.txt /var/log/messages --tz Europe/Berlin --json\n  flowlink explain capture.pcap messages --at 2008-03-08T03:30\n',
    )
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await explain(inputs, flags);
    });
}
