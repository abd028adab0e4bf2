// The timeline model of samples/backup-spike, built the way the CLI builds a report.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers.js';
import { readInputs } from '../../../src/sources/read-inputs.js';
import { analyse } from '../../../src/analyses/analyse.js';
import { DEFAULT_SPIKE_OPTIONS } from '../../../src/analyses/spikes.js';
import { builtinRulesDir, loadRuleFiles } from '../../../src/rules/load.js';
import { buildTimelineModel, type TimelineModel } from '../../../src/views/timeline/model.js';

export const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

export async function sampleModel(zone = 'UTC'): Promise<TimelineModel> {
  const data = await readInputs([SAMPLE], { zone: 'UTC' });
  const dir = builtinRulesDir();
  const rules = await loadRuleFiles(readdirSync(dir).filter((f) => f.endsWith('.rule')).sort().map((f) => path.join(dir, f)));
  const analysis = analyse(data.flows, data.logs, rules, { spikes: DEFAULT_SPIKE_OPTIONS, zone });
  return buildTimelineModel({ series: analysis.series!, spikes: analysis.explained, logs: data.logs, zone, flowCount: data.flows.length });
}
