// The contract between compiled rules (src/rules/compile.ts) and the correlation engine
// (src/analyses/correlate.ts). The engine only ever sees these shapes.
import type { FlowRecord, LogEvent, Micros } from '../event.js';

/** Why a pair matched: one line per condition that carried weight, for the report. */
export interface JoinResult {
  /** 0..1: the rule's base confidence lowered by how far approximate conditions were off. */
  confidence: number;
  evidence: string[];
}

export interface CompiledRule {
  name: string;
  title: string;
  /** Rule file and the line the rule starts on, for reports and errors. */
  file: string;
  line: number;
  /** Base confidence, 0..1, when every approximate condition matches exactly. */
  confidence: number;
  tags: string[];
  /** The rule's `flow:` clause; true when absent. */
  matchesFlow(flow: FlowRecord): boolean;
  /** The rule's `log:` clause; true when absent. */
  matchesLog(log: LogEvent): boolean;
  /** The rule's `match:` clause over one flow and one log; null when they do not match. */
  join(flow: FlowRecord, log: LogEvent): JoinResult | null;
  /**
   * The largest time tolerance in the `match:` clause: the engine looks for logs no further
   * than this outside the flows' own time span (plus the log's implied transfer duration).
   */
  timeSlack: Micros;
  /** The `explain` template filled in for one matched pair. */
  explain(flow: FlowRecord, log: LogEvent): string;
}

export interface RuleSet {
  rules: CompiledRule[];
  /** The files the rules came from, in load order. */
  files: string[];
}
