// Where ingest sends its batches. A file store's go to the write worker (write-worker.ts):
// the main thread parses while the worker commits, at most MAX_IN_FLIGHT batches ahead, so
// memory stays bounded. An in-memory store cannot be shared with a thread: its batches are
// committed at once, on the main thread. Either way a batch is one transaction (batch-write.ts).
import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { Store } from './db.js';
import { MEMORY } from './db.js';
import { BatchApplier, type Batch } from './batch-write.js';
import { encodeFlowPack } from './flow-pack.js';
import { encodeEventPack } from './event-pack.js';
import type { FromWorker, ToWorker, WorkerSetup } from './write-worker.js';

export interface BatchSink {
  /** Hands a batch over; resolves when another may be sent. `committed` is told its new skipped lines once it is in. */
  submit(batch: Batch, committed: (skipped: number) => void): Promise<void>;
  /** Resolves when every batch handed over is committed (rejects with the first failure). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** Batches in flight to the worker: one being committed, one waiting. */
export const MAX_IN_FLIGHT = 2;

class InlineSink implements BatchSink {
  private readonly applier: BatchApplier;
  constructor(db: Store) {
    this.applier = new BatchApplier(db);
  }
  async submit(batch: Batch, committed: (skipped: number) => void): Promise<void> {
    committed(this.applier.apply(batch));
  }
  async drain(): Promise<void> {}
  async close(): Promise<void> {}
}

class WorkerSink implements BatchSink {
  private readonly worker: Worker;
  private seq = 0;
  private readonly pending = new Map<number, { committed: (skipped: number) => void; done: () => void; fail: (e: unknown) => void }>();
  private failure: unknown;
  private room: (() => void) | undefined;

  constructor(path: string, busyTimeoutMs: number) {
    this.worker = new Worker(new URL('./write-worker.js', import.meta.url), { workerData: { path, busyTimeoutMs } satisfies WorkerSetup });
    this.worker.on('message', (m: FromWorker) => this.answer(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (this.pending.size > 0) this.fail(new Error(`the store's write worker stopped (exit ${code}) with ${this.pending.size} batches not committed`));
    });
  }

  private answer(m: FromWorker): void {
    const p = this.pending.get(m.seq);
    if (!p) return;
    this.pending.delete(m.seq);
    if ('error' in m) {
      // Rebuilt as SQLite's own error, so storeErrorFrom words it as on the main thread.
      const e = m.error.code ? new Database.SqliteError(m.error.message, m.error.code) : new Error(m.error.message);
      this.failure ??= e;
      p.fail(e);
    } else {
      if ('skipped' in m) p.committed(m.skipped);
      p.done();
    }
    this.room?.();
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.fail(e);
    this.pending.clear();
    this.room?.();
  }

  private send(message: ToWorker, committed: (skipped: number) => void): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.pending.set(message.seq, { committed, done, fail });
      const transfer = 'batch' in message ? [message.batch.flows.pack, message.batch.eventPack].filter((b) => b !== undefined).map((b) => b.buffer as ArrayBuffer) : [];
      this.worker.postMessage(message, transfer);
    });
  }

  async submit(batch: Batch, committed: (skipped: number) => void): Promise<void> {
    if (this.failure) throw this.failure;
    const { records, ...flows } = batch.flows;
    // Flows cross as one transferable pack: cheaper to clone than 20,000 objects.
    const pack = records && records.length > 0 ? new Uint8Array(encodeFlowPack(flows.ids, flows.lines, records)) : undefined;
    const eventPack = batch.events.length > 0 ? encodeEventPack(batch.events) : undefined;
    const sent = this.send({ seq: ++this.seq, batch: { ...batch, flows: { ids: [], lines: [], pack }, events: [], eventPack } }, committed);
    sent.catch(() => undefined); // seen through drain() or the next submit
    while (this.pending.size >= MAX_IN_FLIGHT && !this.failure) await new Promise<void>((r) => (this.room = r));
    this.room = undefined;
    if (this.failure) throw this.failure;
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.failure) await new Promise<void>((r) => (this.room = r));
    this.room = undefined;
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    if (!this.failure) {
      try {
        await this.send({ seq: ++this.seq, close: true }, () => undefined);
      } catch {
        // Closing after a failure: the worker is stopped below either way.
      }
    }
    await this.worker.terminate();
  }
}

/** The sink for `db`: the write worker for a file store, unless FLOWLINK_STORE_WORKER=0. */
export function batchSinkFor(db: Store, busyTimeoutMs = 5000): BatchSink {
  if (db.name === MEMORY || db.memory || process.env.FLOWLINK_STORE_WORKER === '0') return new InlineSink(db);
  return new WorkerSink(db.name, busyTimeoutMs);
}
