// The contract between compiled rules (src/rules/compile.ts) and the correlation engine
// (src/analyses/correlate.ts). The engine only ever sees these shapes.
import type { FlowRecord, LogEvent, Micros } from '../event.js';

export type RuleEvent = FlowRecord | LogEvent;

/** What `spike.x` reads in `match:`, `with` clauses and templates. */
export interface SpikeScope {
  start: Micros;
  end: Micros;
  bytes: number;
  excessBytes: number;
}

/**
 * The events a rule is evaluated over: its flows and logs (one each, or a group when the rule
 * says `flows:` / `logs:`), the companions found for them (`with` / `require`), and the spike.
 */
export interface Bindings {
  flows: FlowRecord[];
  logs: LogEvent[];
  events?: Record<string, RuleEvent>;
  spike?: SpikeScope;
}

/** A clause that held: its confidence factor (1 = exact) and one evidence line per condition that carried it. */
export interface Outcome {
  factor: number;
  evidence: string[];
}

/** Why a pair matched: one line per condition that carried weight, for the report. */
export interface JoinResult {
  /** 0..1: the rule's base confidence lowered by how far approximate conditions were off. */
  confidence: number;
  evidence: string[];
}

/** `one`: the rule explains one event of this kind at a time (`flow:`); `many`: a group (`flows:`). */
export type Arity = 'one' | 'many';

/** A `with NAME: flow ...` (corroborating) or `require NAME: log ...` (mandatory) event. */
export interface Companion {
  name: string;
  kind: 'flow' | 'log';
  required: boolean;
  /** How far outside the rule's events' time span to look for it. */
  slack: Micros;
  /** The clause for one candidate, given the rule's events; null when it does not hold. */
  test(bindings: Bindings, candidate: RuleEvent): Outcome | null;
}

/**
 * An equality the rule requires between a log field and a flow field (`log.client ==
 * flow.src`), read as index keys: the engine finds a flow's candidate logs by key instead of
 * trying every log near it. Keys are looser than the condition (addresses normalized, text
 * lowercased), never stricter; the condition itself still decides.
 */
export interface JoinKey {
  log(log: LogEvent): string | undefined;
  flow(flow: FlowRecord): string | undefined;
  /** `log.client == flow.src`, for docs and tests. */
  label: string;
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
  flowArity: Arity;
  logArity: Arity;
  /**
   * False for a rule that names no log at all (no `log:`/`logs:` clause, no `log.x`
   * anywhere): it explains flows alone, and ranks below every explanation backed by a log.
   */
  usesLogs: boolean;
  /**
   * Alternatives: a candidate log must agree with the flow on at least one of them (`or` of
   * joins). Empty when the rule requires no such equality, so only time narrows the search.
   */
  joins: JoinKey[];
  /** The rule's `flow:` / `flows:` clause; true when absent. */
  matchesFlow(flow: FlowRecord): boolean;
  /** The rule's `log:` / `logs:` clause; true when absent. */
  matchesLog(log: LogEvent): boolean;
  /** `each:` for one flow and one log; for a one-to-one rule, `each:` and `match:` both hold here. */
  pair(flow: FlowRecord, log: LogEvent): Outcome | null;
  /** `match:` over the bound events (aggregates see the whole group); holds when absent. */
  evaluate(bindings: Bindings): Outcome | null;
  companions: Companion[];
  /**
   * A one-to-one evaluation (`each:` and `match:` for one flow and one log, no companions):
   * base confidence times both clauses' factors.
   */
  join(flow: FlowRecord, log: LogEvent): JoinResult | null;
  /**
   * The largest time tolerance in `each:` and `match:`: the engine looks for logs no further
   * than this outside the flows' own time span (plus the log's implied transfer duration).
   */
  timeSlack: Micros;
  /** The `explain` template filled in for one matched pair. */
  explain(flow: FlowRecord, log: LogEvent): string;
  /** The `explain` template filled in for bound events (groups, companions, the spike). */
  render(bindings: Bindings): string;
}

export interface RuleSet {
  rules: CompiledRule[];
  /** The files the rules came from, in load order. */
  files: string[];
  /** Their test cases (`test "..." { ... }`), run by `flowlink rules test`. */
  tests?: RuleTestCase[];
}

/** A log line of a test case, read by the real parser for its format (named, or detected). */
export interface RuleTestLog {
  text: string;
  format?: string;
  line: number;
  column: number;
}

/** `expect ftp_upload confidence >= 0.8`, `expect no ftp_upload`, `expect unexplained`. */
export interface RuleTestExpectation {
  kind: 'explained' | 'not-explained' | 'unexplained';
  rule?: string;
  op?: '==' | '!=' | '<' | '<=' | '>' | '>=';
  value?: number;
  /** As written, for reports. */
  text: string;
  line: number;
  column: number;
}

/** A `test "name" { ... }` block of a rule file: events and the verdict they should get. */
export interface RuleTestCase {
  name: string;
  file: string;
  line: number;
  flows: FlowRecord[];
  logs: RuleTestLog[];
  expects: RuleTestExpectation[];
}

/** What one rule file holds. */
export interface RuleFile {
  rules: CompiledRule[];
  tests: RuleTestCase[];
}
