// What reading inputs takes and gives. The reading itself is the store's ingest
// (src/store/ingest.ts): every run goes through a store, in memory without `--db`.
import type { FlowRecord, InputSummary, LogEvent } from '../event.js';
import type { LocalDate } from '../time.js';

export interface ReadOptions {
  /** Zone for stamps that carry none. */
  zone: string;
  /** Per-input zones, keyed by file name or path (`--tz maillog=America/New_York`). */
  zoneFor?: Map<string, string>;
  year?: number;
  date?: LocalDate;
  /** Called as inputs are read, for a progress display. */
  onInput?: (file: string, format: string) => void;
}

export interface Dataset {
  flows: FlowRecord[];
  /** Sorted by time. */
  logs: LogEvent[];
  inputs: InputSummary[];
  /** Files in a folder that no parser claims: listed, not fatal. */
  ignored: { file: string; reason: string }[];
}
