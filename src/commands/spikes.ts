// `flowlink spikes`: the spikes with their attribution and recurrence, no logs needed.
import type { Command } from 'commander';
import { closeStore } from '../store/db.js';
import { findSpikes } from '../analyses/analyse.js';
import type { ExplainedSpike } from '../event.js';
import { renderSpikes } from '../views/text.js';
import { reportJson } from '../views/json.js';
import { type CommonFlags, loadFor, reportOf, reportSkipped, spikeOptions, withCommonOptions } from './common.js';

export async function spikesCommand(inputs: string[], flags: CommonFlags): Promise<number> {
  const options = spikeOptions(flags);
  const loaded = await loadFor(inputs, flags);
  if (!loaded) return 1;
  const { data, zone, store } = loaded;
  closeStore(store);
  const { series, spikes } = findSpikes(data.flows, { spikes: options, zone });
  const listed: ExplainedSpike[] = spikes.map((spike) => ({ spike, explanations: [], unexplainedBytes: spike.bytes, unexplained: spike.flows }));
  const report = reportOf(data, zone, series!.width, listed);
  process.stdout.write(flags.json ? JSON.stringify(reportJson(report), null, 2) + '\n' : renderSpikes(report));
  reportSkipped(data);
  return spikes.length > 0 ? 0 : 1;
}

export function registerSpikes(program: Command): void {
  withCommonOptions(
    program
      .command('spikes')
      .description('list the spikes with the hosts, pairs and ports that make them up, and their recurrence')
      .argument('[inputs...]', 'capture and flow files, or folders of them (optional with --db)'),
  )
    .addHelpText(
      'after',
      '\nOnly the traffic is needed: a tcpdump -w capture, argus ra output, a zeek\n' +
        'conn.log or nfdump csv.\n' +
        '\nExamples:\n' +
        '  flowlink spikes samples/backup-spike        the spikes and who made them up\n' +
        '  flowlink spikes capture.pcap --bin 1m --sensitivity high    smaller spikes too\n' +
        '  flowlink spikes argus.txt --date 2008-03-08 --json    argus stamps need a date\n',
    )
    .action(async (inputs: string[], flags: CommonFlags) => {
      process.exitCode = await spikesCommand(inputs, flags);
    });
}
