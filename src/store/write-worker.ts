// The write worker: a file store's batches are committed here, on the second core, while the
// main thread parses the next ones (batch-sink.ts). It opens its own connection to the file
// the main thread opened and checked (db.ts), and only ever runs BatchApplier's transactions.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { BatchApplier, type Batch } from './batch-write.js';

export interface WorkerSetup {
  path: string;
  busyTimeoutMs: number;
}

export type ToWorker = { seq: number; batch: Batch } | { seq: number; close: true };
export type FromWorker =
  | { seq: number; skipped: number }
  | { seq: number; closed: true }
  | { seq: number; error: { message: string; code?: string } };

if (parentPort) {
  const port = parentPort;
  const setup = workerData as WorkerSetup;
  let db: Database.Database | undefined;
  let applier: BatchApplier | undefined;
  port.on('message', (m: ToWorker) => {
    try {
      if ('close' in m) {
        db?.close();
        db = undefined;
        port.postMessage({ seq: m.seq, closed: true } satisfies FromWorker);
        return;
      }
      if (!db) {
        db = new Database(setup.path, { timeout: setup.busyTimeoutMs });
        // Per connection: the main thread's settings (db.ts) are not this one's.
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
        applier = new BatchApplier(db);
      }
      port.postMessage({ seq: m.seq, skipped: applier!.apply(m.batch) } satisfies FromWorker);
    } catch (error) {
      const e = error as Error & { code?: string };
      port.postMessage({ seq: m.seq, error: { message: e.message, code: e.code } } satisfies FromWorker);
    }
  });
}
