// A real ingest in its own process, for the crash test to kill: `node ingest-child.js DB INPUT`.
// Without arguments (the test runner loads every file under dist/test) it does nothing.
import { ingestCommand } from '../../src/commands/ingest.js';

const [db, input] = process.argv.slice(2);
if (db && input) {
  const report = await ingestCommand(db, [input], { zone: 'UTC', year: 2008, batchSize: 2000 });
  process.stdout.write(`stored ${report.stored}\n`);
}
