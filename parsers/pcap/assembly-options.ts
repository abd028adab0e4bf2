// The flow assembly flags (`--idle-timeout 2m`, `--status-interval 5s`, `--max-flows 200000`)
// turned into FlowAssemblyOptions, with a one-line error naming the flag for a bad value.
import type { Micros } from '../../src/event.js';
import { FlowlinkError } from '../../src/errors.js';
import type { FlowAssemblyOptions } from '../parser.js';

export interface FlowAssemblyFlags {
  idleTimeout?: string;
  statusInterval?: string;
  maxFlows?: string;
}

const UNIT_MICROS: Record<string, number> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000, h: 3_600_000_000 };

/** `90`, `90s`, `1.5m`, `500ms`, `1h` to microseconds; a bare number is seconds (argus's `-S 5`). */
export function parseDuration(text: string): Micros | undefined {
  const m = /^(\d+(?:\.\d+)?)(us|ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const micros = Math.round(Number(m[1]) * UNIT_MICROS[m[2] ?? 's']);
  return micros > 0 ? micros : undefined;
}

function duration(flag: string, text: string): Micros {
  const micros = parseDuration(text);
  if (micros === undefined) throw new FlowlinkError(`${flag} '${text}' is not a duration above zero`, `use e.g. ${flag} 30s, 2m or 500ms (a bare number is seconds)`);
  return micros;
}

export function flowAssemblyFromFlags(flags: FlowAssemblyFlags): FlowAssemblyOptions {
  const out: FlowAssemblyOptions = {};
  if (flags.idleTimeout !== undefined) out.idleTimeout = duration('--idle-timeout', flags.idleTimeout);
  if (flags.statusInterval !== undefined) out.statusInterval = duration('--status-interval', flags.statusInterval);
  if (flags.maxFlows !== undefined) {
    const text = flags.maxFlows.trim().replace(/_/g, '');
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && Number.isSafeInteger(n))) throw new FlowlinkError(`--max-flows '${flags.maxFlows}' is not a whole number of flows above zero`, 'use e.g. --max-flows 200000');
    out.maxFlows = n;
  }
  return out;
}
