// `flowlink timeline`: the interactive terminal timeline.
import type { Command } from 'commander';
import { closeStore } from '../store/db.js';
import { analyse } from '../analyses/analyse.js';
import { buildTimelineModel } from '../views/timeline/model.js';
import { runTimeline, terminalProblem } from '../views/timeline/run.js';
import { type ExplainFlags, loadFor, loadRules, pickedWindow, reportSkipped, spikeOptions, withCommonOptions, withRuleOptions, zones } from './common.js';

/** `flowlink timeline`: the same analysis as `explain`, browsed in the terminal. */
export async function timeline(inputs: string[], flags: ExplainFlags): Promise<number> {
  // Before reading anything: without a terminal there is nothing to show it on.
  const problem = terminalProblem();
  if (problem) {
    process.stderr.write(problem);
    return 2;
  }
  const spikes = spikeOptions(flags);
  const window = pickedWindow(flags, zones(flags.tz).zone ?? 'UTC');
  const rules = await loadRules(flags.rules, flags.builtinRules);
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  let model;
  try {
    const analysis = analyse(data.flows, data.logs, rules, { spikes, window, zone });
    model = buildTimelineModel({ series: analysis.series!, spikes: analysis.explained, logs: data.logs, zone, flowCount: data.flows.length });
  } finally {
    closeStore(store);
  }
  const code = await runTimeline(model);
  // After the screen is restored: anything written while it is open garbles it.
  reportSkipped(data);
  return code;
}

export function registerTimeline(program: Command): void {
  withRuleOptions(
    withCommonOptions(
      program
        .command('timeline')
        .description('browse the traffic, the spikes and the log events on one time axis in the terminal')
        .argument('[inputs...]', 'capture, flow and log files, or folders of them (optional with --db)'),
    ),
  )
    .addHelpText('after', '\nKeys: left/right (h/l) move, +/- zoom, n/N next/previous spike, Enter details,\nEsc close, Tab focus, s sort, / filter, ? keys, q quit.\nIt needs a terminal of 60x16 or more; in a pipe, use `flowlink explain`.\n\nExamples:\n  flowlink timeline samples/backup-spike\n  flowlink timeline capture.pcap /var/log/messages\n  flowlink timeline --db case.db --tz Europe/Berlin\n')
    .action(async (inputs: string[], flags: ExplainFlags) => {
      process.exitCode = await timeline(inputs, flags);
    });
}
