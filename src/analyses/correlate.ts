// The rule engine's driver: for each spike, pair its flows with nearby log events through
// every rule, then keep the best pairs so that no flow and no log line is claimed twice.
import type { Explanation, ExplainedSpike, FlowRecord, LogEvent, Micros, Spike } from '../event.js';
import type { CompiledRule, RuleSet } from '../rules/types.js';
import { MICROS_PER_SECOND } from '../time.js';

interface Candidate {
  rule: CompiledRule;
  flow: FlowRecord;
  log: LogEvent;
  confidence: number;
  evidence: string[];
  bytes: number;
}

/** Index of the first log at or after t (logs sorted by ts). */
function lowerBound(logs: LogEvent[], t: Micros): number {
  let lo = 0;
  let hi = logs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (logs[mid].ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A log's implied transfer time (pure-ftpd logs bytes and rate), so a log may end long after a flow starts. */
function impliedDuration(log: LogEvent): Micros {
  const d = log.fields.duration;
  return typeof d === 'number' && Number.isFinite(d) ? d * MICROS_PER_SECOND : 0;
}

function candidatesFor(spike: Spike, rules: CompiledRule[], logs: LogEvent[]): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of rules) {
    const flows = spike.flows.filter((f) => rule.matchesFlow(f.flow));
    if (flows.length === 0) continue;
    let from = Infinity;
    let to = -Infinity;
    for (const { flow } of flows) {
      from = Math.min(from, flow.start);
      to = Math.max(to, flow.end);
    }
    const nearby: LogEvent[] = [];
    for (let i = lowerBound(logs, from - rule.timeSlack); i < logs.length && logs[i].ts <= to + rule.timeSlack; i++) {
      if (rule.matchesLog(logs[i])) nearby.push(logs[i]);
    }
    for (const { flow, bytes } of flows) {
      for (const log of nearby) {
        // Cheap time bound before the full join: the log must fall near the flow's own span.
        if (log.ts < flow.start - rule.timeSlack || log.ts - impliedDuration(log) > flow.end + rule.timeSlack) continue;
        const result = rule.join(flow, log);
        if (result) out.push({ rule, flow, log, confidence: result.confidence, evidence: result.evidence, bytes });
      }
    }
  }
  return out;
}

/** Best pairs first; each flow and each log line explains at most one thing. */
function assign(candidates: Candidate[]): Candidate[] {
  candidates.sort((a, b) => b.confidence - a.confidence || b.bytes - a.bytes);
  const usedFlows = new Set<string>();
  const usedLogs = new Set<LogEvent>();
  const chosen: Candidate[] = [];
  for (const c of candidates) {
    if (usedFlows.has(c.flow.flowId) || usedLogs.has(c.log)) continue;
    usedFlows.add(c.flow.flowId);
    usedLogs.add(c.log);
    chosen.push(c);
  }
  return chosen;
}

function toExplanation(c: Candidate): Explanation {
  return {
    rule: c.rule.name,
    title: c.rule.title,
    confidence: c.confidence,
    summary: c.rule.explain(c.flow, c.log),
    evidence: c.evidence,
    flows: [c.flow],
    logs: [c.log],
    bytes: c.bytes,
  };
}

export function explainSpike(spike: Spike, rules: RuleSet, logs: LogEvent[]): ExplainedSpike {
  const chosen = assign(candidatesFor(spike, rules.rules, logs));
  const explanations = chosen.map(toExplanation).sort((a, b) => a.flows[0].start - b.flows[0].start);
  const explained = new Set(chosen.map((c) => c.flow.flowId));
  const explainedBytes = chosen.reduce((sum, c) => sum + c.bytes, 0);
  const unexplained = spike.flows.filter((f) => !explained.has(f.flow.flowId));
  const unexplainedBytes = Math.max(0, spike.bytes - explainedBytes);
  return { spike, explanations, unexplainedBytes, unexplained };
}

export function explainSpikes(spikes: Spike[], rules: RuleSet, logs: LogEvent[]): ExplainedSpike[] {
  return spikes.map((s) => explainSpike(s, rules, logs));
}
