// The flow assembly settings a capture's stored flows were made with (`--idle-timeout`,
// `--status-interval`, `--max-flows`, defaults filled in): recorded with the input, since other
// settings give other flows, and compared with what a later run asks for.
import type { FlowAssemblyOptions, Parser } from '../../parsers/parser.js';
import { DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FLOWS, DEFAULT_STATUS_INTERVAL } from '../../parsers/pcap/flows.js';
import { formatDuration } from '../units.js';

export type StoredAssembly = Required<FlowAssemblyOptions>;

/** Parsers that assemble flows from packets, and so take the assembly settings. */
const ASSEMBLES_FLOWS = new Set(['pcap']);

/** The settings `options` ask for, for a parser that assembles packets into flows; undefined for any other. */
export function assemblyOf(parser: Parser, options: FlowAssemblyOptions): StoredAssembly | undefined {
  if (!ASSEMBLES_FLOWS.has(parser.name)) return undefined;
  return {
    idleTimeout: options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT,
    statusInterval: options.statusInterval ?? DEFAULT_STATUS_INTERVAL,
    maxFlows: options.maxFlows ?? DEFAULT_MAX_FLOWS,
  };
}

/** inputs.assembly (JSON or NULL) back to settings. */
export function storedAssembly(column: string | null): StoredAssembly | undefined {
  return column === null ? undefined : (JSON.parse(column) as StoredAssembly);
}

const FLAGS: { key: keyof StoredAssembly; flag: string; show(v: number): string }[] = [
  { key: 'idleTimeout', flag: '--idle-timeout', show: (v) => formatDuration(v / 1e6) },
  { key: 'statusInterval', flag: '--status-interval', show: (v) => formatDuration(v / 1e6) },
  { key: 'maxFlows', flag: '--max-flows', show: (v) => String(v) },
];

/** A note per setting the stored flows were not made with: they are kept as they are. */
export function assemblyDifference(stored: StoredAssembly, asked: StoredAssembly): string[] {
  return FLAGS.filter((f) => stored[f.key] !== asked[f.key]).map(
    (f) => `flows kept as stored with ${f.flag} ${f.show(stored[f.key])}, not ${f.show(asked[f.key])}: the flag applies to captures read for the first time (ingest into a new case file to apply it)`,
  );
}
