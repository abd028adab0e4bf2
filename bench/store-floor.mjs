// What SQLite itself costs for the store's rows on this machine, with nothing of flowlink's
// parsing in the way: the rows of a store written by bench/store-ingest.mjs are copied into a
// new store of the same schema, one transaction per DEFAULT_BATCH rows as ingest commits
// them, in one thread (SQLite has one writer per file). Two ways:
//   - `INSERT ... SELECT` from the attached store: SQLite's own work per row, no JavaScript;
//   - the rows read into JavaScript first, then bound 32 rows per statement as rows.ts does.
// Each with the schema's indices as a bulk ingest keeps them (time and service indices kept up
// to date, the address ones built after the rows), and with the primary keys alone; with
// the store's WAL, a rollback journal or none. The packs are copied as they are (deflated).
// And the narrowest crash-safe store that still keeps every record: each flow and event as
// its id (input and ordinal), line, time and raw text, primary keys only, WAL (what no design
// holding the raw lines can go below).
// Prints a Markdown table, or with FLOOR_JSON=1 one JSON line (bench/store-bound.mjs reads
// it); rows/s is records per wall second.
//   node bench/store-ingest.mjs 1000000 250000 1 && [FLOOR_ONLY=0,1,2] node bench/store-floor.mjs [STORE]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, closeStore } from '../dist/src/store/db.js';
import { RECORD_INDICES } from '../dist/src/store/schema.js';
import { DEFAULT_BATCH } from '../dist/src/store/ingest.js';
import { DEFERRED_INDICES, ensureRecordIndices } from '../dist/src/store/indices.js';
import { ROWS_PER_INSERT } from '../dist/src/store/rows.js';

const source = process.argv[2] ?? path.join(tmpdir(), 'flowlink-store-bench-1000000-250000', 'case.db');
if (!existsSync(source)) throw new Error(`${source}: no store; run node bench/store-ingest.mjs first`);
const RECORD_TABLES = ['flow_rows', 'flow_parts', 'event_rows'];
const PACK_TABLES = ['flow_packs', 'event_packs'];
const RECORDS = ['flow_rows', 'event_rows'];
/** The column a table's rows are batched by. */
const keyOf = (table) => (table === 'flow_parts' ? 'flow_row' : table.endsWith('_packs') ? 'first_id' : 'id');
const removeStore = (file) => {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
};

function freshStore(file, withIndices, journal, narrow) {
  removeStore(file);
  const db = openStore(file);
  if (narrow) {
    db.exec('CREATE TABLE narrow_flows (id INTEGER PRIMARY KEY, line INTEGER NOT NULL, start_us INTEGER NOT NULL, raw TEXT NOT NULL)');
    db.exec('CREATE TABLE narrow_events (id INTEGER PRIMARY KEY, line INTEGER NOT NULL, ts_us INTEGER NOT NULL, raw TEXT NOT NULL)');
  }
  if (journal !== 'WAL') {
    db.pragma(`journal_mode = ${journal}`);
    if (journal === 'OFF') db.pragma('synchronous = OFF');
  }
  // As a bulk ingest does: the address indices are built after the rows (indices.ts).
  for (const spec of withIndices ? DEFERRED_INDICES : RECORD_INDICES) db.exec(`DROP INDEX ${spec.slice(0, spec.indexOf(' '))}`);
  db.exec(`ATTACH '${source.replace(/'/g, "''")}' AS src`);
  db.exec('INSERT INTO main.inputs SELECT * FROM src.inputs');
  return db;
}

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Copies every table in batches of DEFAULT_BATCH rows by `copyBatch`; wall and CPU seconds. */
function timedCopy(db, copyBatch, tables, withIndices) {
  const t0 = performance.now();
  const c0 = cpu();
  let rows = 0;
  for (const table of tables) {
    const key = keyOf(table);
    const keys = db.prepare(`SELECT DISTINCT ${key} FROM src.${table} ORDER BY ${key}`).pluck().all();
    for (let k = 0; k < keys.length; k += DEFAULT_BATCH) {
      const last = keys[Math.min(keys.length, k + DEFAULT_BATCH) - 1];
      const n = db.transaction(() => copyBatch(table, key, keys[k], last)).immediate();
      if (RECORDS.includes(table)) rows += n;
    }
  }
  if (withIndices) ensureRecordIndices(db);
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { rows, wall: (performance.now() - t0) / 1000, cpu: cpu() - c0 };
}

const bySql = (db) => (table, key, from, to) =>
  db.prepare(`INSERT INTO main.${table} SELECT * FROM src.${table} WHERE ${key} BETWEEN ? AND ?`).run(from, to).changes;

/** The record tables' id (input and ordinal), line, time and raw text into the narrow tables. */
const NARROW = { flow_rows: ['narrow_flows', 'start_us'], event_rows: ['narrow_events', 'ts_us'] };
const byNarrowSql = (db) => (table, key, from, to) => {
  const [into, time] = NARROW[table];
  return db.prepare(`INSERT INTO main.${into} SELECT id, line, ${time}, raw FROM src.${table} WHERE ${key} BETWEEN ? AND ?`).run(from, to).changes;
};

/** Rows read into arrays before the clock starts, then bound ROWS_PER_INSERT per statement. */
function byBinding(db, tables) {
  const loaded = new Map();
  const next = new Map();
  for (const table of tables) {
    const key = keyOf(table);
    const stmt = db.prepare(`SELECT ${key} AS k, * FROM src.${table} ORDER BY ${key}`).raw();
    loaded.set(table, stmt.all());
  }
  const statements = new Map();
  const insert = (table, columns, n) => {
    const name = `${table}/${n}`;
    if (!statements.has(name)) {
      const row = `(${new Array(columns).fill('?').join(', ')})`;
      statements.set(name, db.prepare(`INSERT INTO main.${table} VALUES ${new Array(n).fill(row).join(', ')}`));
    }
    return statements.get(name);
  };
  return (table, _key, from, to) => {
    const rows = loaded.get(table);
    let i = next.get(table) ?? 0;
    while (rows[i][0] < from) i++;
    let n = 0;
    const columns = rows[0].length - 1;
    const values = new Array(columns * ROWS_PER_INSERT);
    while (i < rows.length && rows[i][0] <= to) {
      const take = Math.min(ROWS_PER_INSERT, rows.length - i);
      let m = 0;
      while (m < take && rows[i + m][0] <= to) m++;
      const v = m === ROWS_PER_INSERT ? values : new Array(columns * m);
      for (let r = 0; r < m; r++) for (let c = 0; c < columns; c++) v[r * columns + c] = rows[i + r][c + 1];
      insert(table, columns, m).run(v);
      i += m;
      n += m;
    }
    next.set(table, i);
    return n;
  };
}

const out = path.join(tmpdir(), `flowlink-store-floor-${process.pid}.db`);
const results = [];
const SQL = 'INSERT ... SELECT (SQLite alone)';
const JS = 'bound from JavaScript, 32 rows per statement';
const JOURNAL = {
  WAL: 'WAL, synchronous=NORMAL',
  TRUNCATE: 'rollback journal (TRUNCATE), synchronous=NORMAL',
  OFF: 'no journal, synchronous=OFF (not crash-safe)',
};
const all = [
  { how: SQL, packs: true, indices: true, journal: 'WAL' },
  { how: SQL, packs: true, indices: true, journal: 'TRUNCATE' },
  { how: SQL, packs: true, indices: true, journal: 'OFF' },
  { how: SQL, packs: false, indices: true, journal: 'WAL' },
  { how: SQL, packs: false, indices: false, journal: 'WAL' },
  { how: SQL, packs: false, indices: false, journal: 'OFF' },
  { how: JS, packs: true, indices: true, journal: 'WAL' },
  { how: JS, packs: true, indices: true, journal: 'TRUNCATE' },
  { how: SQL, packs: false, indices: false, journal: 'WAL', narrow: true },
];
// FLOOR_ONLY=0,1,2 runs only those variants (by their place in the list).
const only = process.env.FLOOR_ONLY?.split(',').map(Number);
const variants = only ? all.filter((_, i) => only.includes(i)) : all;
for (const v of variants) {
  const tables = v.narrow ? RECORDS : v.packs ? [...RECORD_TABLES, ...PACK_TABLES] : RECORD_TABLES;
  const db = freshStore(out, v.indices, v.journal, v.narrow);
  const copy = v.narrow ? byNarrowSql(db) : v.how === SQL ? bySql(db) : byBinding(db, tables);
  const r = timedCopy(db, copy, tables, v.indices);
  closeStore(db);
  const rows = v.narrow ? 'id, line, time and raw text only' : v.packs ? 'rows and packs' : 'rows';
  results.push({ variant: all.indexOf(v), how: v.how, what: `${rows}; ${v.indices ? 'schema indices' : 'primary keys only'}; ${JOURNAL[v.journal]}`, ...r });
}
removeStore(out);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
if (process.env.FLOOR_JSON === '1') {
  console.log(JSON.stringify({ source, load, results }));
  process.exit(0);
}
console.log(`source ${source}; batches of ${DEFAULT_BATCH} rows, one thread; load ${load}`);
console.log('| copy | tables; indices; journal | records | wall s | CPU s | records/s wall |');
console.log('|---|---|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.how} | ${r.what} | ${r.rows.toLocaleString('en')} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${Math.round(r.rows / r.wall).toLocaleString('en')} |`);
}
