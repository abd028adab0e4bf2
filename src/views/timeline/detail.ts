// The rows of a spike's detail pane: every flow in its window (explained ones tagged with the
// rule, the rest unexplained), sorted as `s` says, and the matched log lines; both filtered by `/`.
import type { FlowRecord, LogEvent } from '../../event.js';
import { flowText, logText, matches, type TimelineSpike } from './model.js';
import type { SortKey } from './state.js';

export interface FlowRow {
  flow: FlowRecord;
  /** Bytes the flow put into the spike's window. */
  bytes: number;
  /** The rule that explained it; undefined when unexplained. */
  rule?: string;
}

export function flowRows(spike: TimelineSpike, sort: SortKey, filter: string): FlowRow[] {
  const x = spike.explained;
  const ruleOf = new Map<string, string>();
  for (const e of x.explanations) for (const f of e.flows) ruleOf.set(f.flowId, e.rule);
  const rows: FlowRow[] = [];
  const seen = new Set<string>();
  const add = (flow: FlowRecord, bytes: number) => {
    if (seen.has(flow.flowId)) return;
    seen.add(flow.flowId);
    const rule = ruleOf.get(flow.flowId);
    if (matches(`${flowText(flow)} ${rule ?? 'unexplained'}`, filter)) rows.push({ flow, bytes, rule });
  };
  for (const f of x.spike.flows) add(f.flow, f.bytes);
  for (const e of x.explanations) for (const f of e.flows) add(f, f.bytes);
  for (const u of x.unexplained) add(u.flow, u.bytes);
  const key: Record<SortKey, (r: FlowRow) => number> = {
    bytes: (r) => -r.bytes,
    pkts: (r) => -r.flow.pkts,
    start: (r) => r.flow.start,
    duration: (r) => -(r.flow.end - r.flow.start),
  };
  const k = key[sort];
  return rows.sort((a, b) => k(a) - k(b) || a.flow.start - b.flow.start);
}

export interface LogRow {
  log: LogEvent;
  rule: string;
}

export function logRows(spike: TimelineSpike, filter: string): LogRow[] {
  const rows: LogRow[] = [];
  for (const e of spike.explained.explanations) {
    for (const l of e.logs) if (matches(`${logText(l)} ${e.rule}`, filter)) rows.push({ log: l, rule: e.rule });
  }
  return rows.sort((a, b) => a.log.ts - b.log.ts);
}
