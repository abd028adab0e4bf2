// What reading inputs takes and gives. The reading itself is the store's ingest
// (src/store/ingest.ts): every run goes through a store, in memory without `--db`.
import type { FlowRecord, InputSummary, LogEvent, Micros } from '../event.js';
import type { LocalDate } from '../time.js';

export interface ReadOptions {
  /** Zone for stamps that carry none. */
  zone: string;
  /** Per-input zones, keyed by file name or path (`--tz maillog=America/New_York`). */
  zoneFor?: Map<string, string>;
  year?: number;
  date?: LocalDate;
  /** `--format NAME`: the parser for every input, instead of detection. */
  format?: string;
  /** Per-input formats, keyed by file name or path (`--format messages=pure-ftpd`). */
  formatFor?: Map<string, string>;
  /** Flow assembly from packet captures: `--idle-timeout`, `--status-interval`, `--max-flows`. */
  idleTimeout?: Micros;
  statusInterval?: Micros;
  maxFlows?: number;
  /** Called as inputs are read, for a progress display. */
  onInput?: (file: string, format: string) => void;
  /** Called as a file's bytes are read (on disk, so compressed bytes for .gz), for a progress bar. */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
}

export interface Dataset {
  flows: FlowRecord[];
  /** Sorted by time. */
  logs: LogEvent[];
  /** How many log events were read, when `logs` holds only those the analyses look at (store/log-windows.ts). */
  logCount?: number;
  inputs: InputSummary[];
  /** Files in a folder that no parser claims: listed, not fatal. */
  ignored: { file: string; reason: string }[];
}
