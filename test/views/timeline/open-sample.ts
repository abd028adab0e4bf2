// Opens the timeline on samples/backup-spike, built the way the CLI builds a report, for the
// tmux test. Does nothing unless started with --open (the test runner imports every file here).
import { runTimeline } from '../../../src/views/timeline/run.js';
import { sampleModel } from './sample-model.js';

if (process.argv.includes('--open')) {
  process.exitCode = await runTimeline(await sampleModel(process.env.FLOWLINK_TZ ?? 'UTC'));
}
