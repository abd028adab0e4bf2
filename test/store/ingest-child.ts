// A real ingest in its own process, for the crash test to kill: `node ingest-child.js DB INPUT`.
// Without arguments (the test runner loads every file under dist/test) it does nothing.
// It imports only the store, so the crash test does not depend on the rest of the CLI.
import { closeStore, openStore } from '../../src/store/db.js';
import { ingestInputs } from '../../src/store/ingest.js';

const [db, input] = process.argv.slice(2);
if (db && input) {
  const store = openStore(db);
  const report = await ingestInputs(store, [input], { zone: 'UTC', year: 2008, batchSize: 2000 });
  closeStore(store);
  process.stdout.write(`stored ${report.stored}\n`);
}
