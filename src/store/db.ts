// Opening the case file: in memory for a one-off run, a file in WAL mode for `--db`. Every way
// a file can be unusable (not SQLite, damaged, newer schema, write-protected, locked) becomes
// a StoreError before anything is written to it, so a bad file is reported, never repaired.
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { FlowlinkError } from '../errors.js';
import { ensureRecordIndices } from './indices.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type Store = Database.Database;

export class StoreError extends FlowlinkError {
  override name = 'StoreError';
}

export const MEMORY = ':memory:';

export interface OpenOptions {
  /** Open for reading only (query): the file must exist and is never written. */
  readonly?: boolean;
  /** How long to wait for another process's write lock, in ms. */
  busyTimeoutMs?: number;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** The first 16 bytes say whether a file is SQLite at all; checked before SQLite touches it. */
function checkHeader(path: string): 'empty' | 'sqlite' {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new StoreError(`${path}: cannot open the store (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n === 0) return 'empty';
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new StoreError(`${path} is not a flowlink store (not an SQLite database)`, 'give a new file name to --db, or the file an earlier `flowlink ingest` wrote');
    }
    return 'sqlite';
  } finally {
    closeSync(fd);
  }
}

export function isSqliteError(error: unknown): error is Error & { code: string } {
  return error instanceof Database.SqliteError;
}

/** SQLite's errors in words the user can act on; any other error is returned as it is. */
export function storeErrorFrom(error: unknown, path: string): unknown {
  if (!isSqliteError(error)) return error;
  const code = error.code;
  const message = error.message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(`${path} is locked by another process`, 'wait for the other flowlink (an ingest?) to finish, then run this again');
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(`${path} is read-only: cannot write to it`, 'make the file and its folder writable, or work on a copy');
  }
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) {
    return new StoreError(`${path} is damaged (${message})`, 'the file was left as it is; restore a copy or ingest into a new file');
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StoreError(`${path}: cannot open the store (${message})`, 'check that the folder exists and is writable');
  }
  if (code.startsWith('SQLITE_FULL')) {
    return new StoreError(`${path}: the disk is full`, 'the last batch was rolled back; free space and run ingest again');
  }
  if (code.startsWith('SQLITE_IOERR')) return new StoreError(`${path}: I/O error (${message})`);
  return new StoreError(`${path}: ${message}`);
}

function isWriteProtected(path: string): boolean {
  // Root may write anywhere, so the permission bits are checked rather than access(2):
  // a store the user write-protected is treated as read-only even for root.
  return (statSync(path).mode & 0o222) === 0;
}

/**
 * Opens (and creates, unless read-only) a store. `path` ':memory:' is a store for one run.
 * Files use WAL with synchronous=NORMAL: a killed process loses at most the batch it was
 * writing, never the file's consistency.
 */
export function openStore(path: string = MEMORY, options: OpenOptions = {}): Store {
  const memory = path === MEMORY;
  if (!memory) {
    let exists = true;
    try {
      statSync(path);
    } catch {
      exists = false;
    }
    if (!exists && options.readonly) {
      throw new StoreError(`${path}: no such store`, 'create it with `flowlink ingest --db FILE INPUT...`');
    }
    if (!exists && !existsSync(dirname(resolve(path)))) {
      throw new StoreError(`${path}: cannot create the store: folder ${dirname(resolve(path))} does not exist`);
    }
    if (exists) {
      checkHeader(path);
      if (!options.readonly && isWriteProtected(path)) {
        throw new StoreError(`${path} is read-only (write-protected): cannot add to it`, 'make it writable (chmod u+w), or query it with `flowlink query`');
      }
    }
  }
  let db: Store | undefined;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 5000 });
    // The version is checked before anything is written: a foreign or newer file stays as it is.
    const version = checkVersion(db, path);
    if (!memory && !options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    // Off while migrating: a migration rebuilds tables, and dropping one with references on
    // would null them (ON DELETE SET NULL). The references are checked before it commits.
    db.pragma('foreign_keys = OFF');
    migrate(db, path, version, options.readonly ?? false);
    db.pragma('foreign_keys = ON');
    // An ingest killed while its indices were dropped (indices.ts) left the store without them.
    if (!options.readonly) ensureRecordIndices(db);
    return db;
  } catch (error) {
    db?.close();
    throw storeErrorFrom(error, path);
  }
}

/** The schema version a store records; 0 for an empty database. */
export function schemaVersionOf(db: Store): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
    return tables.n === 0 ? 0 : -1;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : -1;
}

function checkVersion(db: Store, path: string): number {
  const version = schemaVersionOf(db);
  if (version === -1) {
    throw new StoreError(`${path} is an SQLite database but not a flowlink store`, 'give --db a new file name');
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `${path} was written by a newer flowlink (store schema ${version}; this flowlink reads up to ${SCHEMA_VERSION})`,
      'upgrade flowlink to read this store; it was left unchanged',
    );
  }
  return version;
}

function migrate(db: Store, path: string, version: number, readonly: boolean): void {
  if (version === SCHEMA_VERSION) return;
  if (readonly) {
    throw new StoreError(`${path} has store schema ${version}, older than this flowlink's ${SCHEMA_VERSION}`, 'run `flowlink ingest --db` on it once to upgrade it');
  }
  // One transaction for all steps: an interrupted upgrade leaves the old schema intact.
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      if (m.to <= version) continue;
      m.up(db);
    }
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(SCHEMA_VERSION));
    const broken = db.prepare('PRAGMA foreign_key_check').all();
    if (broken.length > 0) throw new StoreError(`${path}: upgrading the store to schema ${SCHEMA_VERSION} would break ${broken.length} references; it was left unchanged`);
  }).immediate();
}

/** Closes a store, folding the WAL back into the file so it can be copied alone. */
export function closeStore(db: Store): void {
  if (!db.open) return;
  try {
    if (!db.readonly && db.name !== MEMORY) db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Another reader holds the WAL: it is checkpointed by whoever closes last.
  }
  db.close();
}
