// `flowlink query --db case.db "SQL"`: the user's own questions, on a store opened read-only.
// An aligned table for a terminal, CSV or JSON for scripts.
import type { Command } from 'commander';
import { FlowlinkError } from '../errors.js';
import { closeStore, isSqliteError, openStore, storeErrorFrom, type Store } from '../store/db.js';
import { terminalSafe } from '../views/terminal-safe.js';

export type QueryFormat = 'table' | 'csv' | 'json';

export class QueryError extends FlowlinkError {
  override name = 'QueryError';
}

const HINT = 'views: flows, events, spikes, explanations, skipped; tables and examples in docs/store.md';

export interface QueryResult {
  columns: string[];
  rows: unknown[][];
}

/** Runs one read-only statement; SQL mistakes become one-line QueryErrors. */
export function runQuery(db: Store, sql: string): QueryResult {
  let stmt;
  try {
    stmt = db.prepare(sql);
  } catch (error) {
    if (isSqliteError(error)) throw new QueryError(`query failed: ${error.message}`, HINT);
    const message = (error as Error).message ?? String(error);
    if (/more than one statement/.test(message)) throw new QueryError('query failed: give one SQL statement at a time', HINT);
    if (/no statements/.test(message)) throw new QueryError('query failed: the SQL is empty', HINT);
    throw error;
  }
  if (!stmt.reader) {
    throw new QueryError(`query only reads: '${sql.trim().split(/\s+/)[0]}' would change the store`, 'use SELECT (or WITH ... SELECT); ingest and explain write the store');
  }
  try {
    const columns = stmt.columns().map((c) => c.name);
    const rows = stmt.raw(true).all() as unknown[][];
    return { columns, rows };
  } catch (error) {
    if (isSqliteError(error) && error.code === 'SQLITE_ERROR') throw new QueryError(`query failed: ${error.message}`, HINT);
    throw error;
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return String(v);
}

const MAX_CELL = 60;

/** Column-aligned text, numbers right-aligned; long or multi-line cells shortened to one line, control characters shown. */
export function formatTable(result: QueryResult): string {
  const { columns, rows } = result;
  const cells = rows.map((r) =>
    r.map((v) => {
      // Log text from the store: shown terminal-safe, as the other text views show it.
      const t = terminalSafe(cellText(v).replace(/\r?\n/g, '⏎').replace(/\t/g, ' '));
      return t.length > MAX_CELL ? t.slice(0, MAX_CELL - 1) + '…' : t;
    }),
  );
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]): string =>
    vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return out.join('\n') + '\n';
}

function csvCell(v: unknown): string {
  const t = cellText(v);
  return /[",\r\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** RFC 4180 CSV with a header row; NULL is an empty field. */
export function formatCsv(result: QueryResult): string {
  return [result.columns, ...result.rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** An array of objects keyed by column name. */
export function formatJson(result: QueryResult): string {
  const objects = result.rows.map((r) => Object.fromEntries(result.columns.map((c, i) => [c, Buffer.isBuffer(r[i]) ? (r[i] as Buffer).toString('hex') : r[i]])));
  return JSON.stringify(objects, null, 2) + '\n';
}

/** Opens `dbPath` read-only, runs `sql` and returns the output to print. */
export function queryCommand(dbPath: string, sql: string, format: QueryFormat = 'table'): string {
  const db = openStore(dbPath, { readonly: true });
  try {
    const result = runQuery(db, sql);
    return format === 'csv' ? formatCsv(result) : format === 'json' ? formatJson(result) : formatTable(result);
  } catch (error) {
    throw storeErrorFrom(error, dbPath);
  } finally {
    closeStore(db);
  }
}

export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('run SQL on a case file (read-only); views: flows, events, spikes, explanations (docs/store.md)')
    .argument('<sql>', 'the query')
    .requiredOption('--db <file>', 'the case file')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  # the top talkers, like racluster -m saddr daddr | rasort -m bytes\n' +
        '  flowlink query --db case.db \\\n' +
        '    "SELECT src, dst, sum(bytes) FROM flows GROUP BY 1, 2 ORDER BY 3 DESC"\n' +
        '  # which rules explained each spike, as CSV\n' +
        '  flowlink query --db case.db --csv \\\n' +
        '    "SELECT spike, rule, count(*) FROM explanations GROUP BY 1, 2"\n',
    )
    .action((sql: string, flags: { db: string; csv?: boolean; json?: boolean }) => {
      process.stdout.write(queryCommand(flags.db, sql, flags.json ? 'json' : flags.csv ? 'csv' : 'table'));
    });
}
