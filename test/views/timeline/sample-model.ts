// The timeline model of samples/backup-spike, built the way the CLI builds a report.
import path from 'node:path';
import { ROOT } from '../../helpers.js';
import { closeStore, openStore } from '../../../src/store/db.js';
import { ingestInputs } from '../../../src/store/ingest.js';
import { datasetFromStore } from '../../../src/store/queries.js';
import { analyse } from '../../../src/analyses/analyse.js';
import { DEFAULT_SPIKE_OPTIONS } from '../../../src/analyses/spikes.js';
import { builtinRuleFiles, loadRuleFiles } from '../../../src/rules/load.js';
import { buildTimelineModel, type TimelineModel } from '../../../src/views/timeline/model.js';

export const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

export async function sampleModel(zone = 'UTC'): Promise<TimelineModel> {
  const store = openStore();
  await ingestInputs(store, [SAMPLE], { zone: 'UTC' });
  const data = datasetFromStore(store);
  closeStore(store);
  const rules = await loadRuleFiles(builtinRuleFiles());
  const analysis = analyse(data.flows, data.logs, rules, { spikes: DEFAULT_SPIKE_OPTIONS, zone });
  return buildTimelineModel({ series: analysis.series!, spikes: analysis.explained, logs: data.logs, zone, flowCount: data.flows.length });
}
