// The rule engine's driver. Per spike and rule:
//   1. candidates: the spike's flows that pass `flow:`, the logs near them (a time index:
//      logs sorted by time, searched by binary search) that pass `log:`;
//   2. explanations: one flow and one log (`flow:` / `log:`), or a group on one side
//      (`flows:` / `logs:`) found by a bounded subset search, or groups on both sides;
//   3. companions (`with` / `require`) looked up around each explanation's events;
//   4. assignment: best rank first (confidence, a group GROUP_RANK_MARGIN below one-to-one),
//      so no flow and no log line is claimed twice; an explanation that lost a member searches
//      again among what is still free.
// Documented in docs/rules.md ("How the engine evaluates a rule").
import type { Explanation, ExplainedSpike, FlowRecord, LogEvent, Micros, Spike } from '../event.js';
import type { Bindings, CompiledRule, Outcome, RuleEvent, RuleSet, SpikeScope } from '../rules/types.js';
import { MICROS_PER_SECOND } from '../time.js';
import { clockTime } from '../rules/format.js';

/** At most this many candidates enter a group's subset search (the closest in time to the other side). */
export const MAX_GROUP_CANDIDATES = 200;
/** Up to this many candidates every subset is tried; beyond, runs of consecutive candidates in time order. */
export const EXHAUSTIVE_GROUP_LIMIT = 12;
/** How much of the way to 1 a found `with` event takes the confidence (times its own factor). */
export const COMPANION_LIFT = 0.5;
/**
 * In assignment a group (several log lines summed against a flow, or several flows against a
 * line) ranks this far below its confidence: when one line fits a connection by itself, a sum
 * of other lines that happens to fit it too is the less likely story (each of those lines
 * would have had to miss its own connection), so the one-to-one explanations of similar
 * confidence claim their events first and the group searches again among what they left.
 */
export const GROUP_RANK_MARGIN = 0.05;

export interface CorrelateOptions {
  /**
   * Every flow read, sorted or not: where `with NAME: flow` companions are looked for (a
   * control connection may lie outside the spike's window). Defaults to the spike's flows.
   */
  flows?: FlowRecord[];
  /**
   * Puts a log line on the sensor's clock (clock-skew.ts): applied to every line the engine
   * looks at, which it then looks for up to `shiftBound` further out in the time index.
   */
  shiftLog?: (log: LogEvent) => LogEvent;
  shiftBound?: Micros;
}

/** An explanation with the companion events that corroborated it (not claimed: they can corroborate several). */
export interface RuleExplanation extends Explanation {
  companions: { name: string; event: RuleEvent }[];
}

interface Candidate {
  rule: CompiledRule;
  flows: FlowRecord[];
  logs: LogEvent[];
  events: Record<string, RuleEvent>;
  confidence: number;
  evidence: string[];
  bytes: number;
  /**
   * The explanation searched again among the events still free, after a better one claimed
   * some of its members (a group's subset search runs again; a fixed side must stay free).
   */
  reselect?: (free: Free) => Candidate | null;
}

/** Which events assignment has not yet given to another explanation. */
interface Free {
  flow: (f: FlowRecord) => boolean;
  log: (l: LogEvent) => boolean;
}

const ALL_FREE: Free = { flow: () => true, log: () => true };

/**
 * Events sorted by one end of their span (`start` for flows, `end` for log lines: a line is
 * stamped when its transfer ends, so inputs come that way round and need no sorting), with the
 * longest span, so "everything overlapping [from, to]" is a binary search and a short scan.
 */
class TimeIndex<E> {
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly events: E[];
  private readonly longest: Micros;

  constructor(events: E[], span: (e: E) => [Micros, Micros], private readonly key: 'start' | 'end' = 'start') {
    const n = events.length;
    let starts = new Float64Array(n);
    let ends = new Float64Array(n);
    let longest = 0;
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const [s, e] = span(events[i]);
      starts[i] = s;
      ends[i] = e;
      if (e - s > longest) longest = e - s;
      if (i > 0 && (key === 'start' ? s < starts[i - 1] : e < ends[i - 1])) sorted = false;
    }
    let ordered = events;
    if (!sorted) {
      const keys = key === 'start' ? starts : ends;
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
      ordered = order.map((i) => events[i]);
      starts = Float64Array.from(order, (i) => starts[i]);
      ends = Float64Array.from(order, (i) => ends[i]);
    }
    this.starts = starts;
    this.ends = ends;
    this.events = ordered;
    this.longest = longest;
  }

  /** Events whose span comes within [from, to]. */
  overlapping(from: Micros, to: Micros): E[] {
    const out: E[] = [];
    const keys = this.key === 'start' ? this.starts : this.ends;
    // By start: every overlap starts in [from - longest, to]; by end: it ends in [from, to + longest].
    const first = this.key === 'start' ? from - this.longest : from;
    const last = this.key === 'start' ? to : to + this.longest;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < first) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < keys.length && keys[i] <= last; i++) {
      if (this.ends[i] >= from && this.starts[i] <= to) out.push(this.events[i]);
    }
    return out;
  }
}

/** A log's implied transfer time (bytes / rate or a logged duration), so a log may end long after a flow starts. */
function impliedDuration(log: LogEvent): Micros {
  const d = log.fields.duration;
  if (typeof d === 'number' && Number.isFinite(d)) return d * MICROS_PER_SECOND;
  const bytes = Number(log.fields.bytes);
  const rate = Number(log.fields.rate);
  return Number.isFinite(bytes) && Number.isFinite(rate) && rate > 0 ? (bytes / rate) * MICROS_PER_SECOND : 0;
}

function logSpan(log: LogEvent): [Micros, Micros] {
  return [log.ts - impliedDuration(log), log.ts];
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 1;
}

/**
 * The best subset of `items` by `score` (null: does not hold). Every non-empty subset up to
 * EXHAUSTIVE_GROUP_LIMIT items, else every run of consecutive items (callers sort by time:
 * a split upload's connections and a session's deliveries follow each other). Ties go to
 * the larger subset, so nothing that fits is left out.
 */
export function bestSubset<T, R extends { confidence: number }>(items: T[], score: (subset: T[]) => R | null): R | null {
  let best: R | null = null;
  let bestSize = 0;
  const consider = (subset: T[]) => {
    const r = score(subset);
    if (!r) return;
    if (!best || r.confidence > best.confidence + 1e-9 || (Math.abs(r.confidence - best.confidence) <= 1e-9 && subset.length > bestSize)) {
      best = r;
      bestSize = subset.length;
    }
  };
  if (items.length <= EXHAUSTIVE_GROUP_LIMIT) {
    for (let mask = 1; mask < 1 << items.length; mask++) consider(items.filter((_, i) => mask & (1 << i)));
  } else {
    for (let i = 0; i < items.length; i++) for (let j = i + 1; j <= items.length; j++) consider(items.slice(i, j));
  }
  return best;
}

interface Context {
  spike: SpikeScope;
  /** Bytes each of the spike's flows put into it. */
  bytesOf: Map<string, number>;
  flowIndex: TimeIndex<FlowRecord>;
  logIndex: TimeIndex<LogEvent>;
  /** Lines on the sensor's clock: the time index holds them as written, so look `shiftBound` wider. */
  shift: (log: LogEvent) => LogEvent;
  shiftBound: Micros;
}

/** Logs near [from, to] as the engine sees them: on the sensor's clock, when a source's skew is known. */
function logsAround(ctx: Context, from: Micros, to: Micros): LogEvent[] {
  const found = ctx.logIndex.overlapping(from - ctx.shiftBound, to + ctx.shiftBound);
  return ctx.shiftBound > 0 ? found.map(ctx.shift) : found;
}

function spanOf(flows: FlowRecord[], logs: LogEvent[]): [Micros, Micros] {
  let from = Infinity;
  let to = -Infinity;
  for (const f of flows) [from, to] = [Math.min(from, f.start), Math.max(to, f.end)];
  for (const l of logs) {
    const [a, b] = logSpan(l);
    [from, to] = [Math.min(from, a), Math.max(to, b)];
  }
  return [from, to];
}

/**
 * Scores bound events: base × mean `each:` factor × `match:` factor, then the companions:
 * a `require` event must be found (its factor multiplies in), a found `with` event lifts the
 * confidence COMPANION_LIFT of the way to 1 (times its own factor).
 */
function score(rule: CompiledRule, flows: FlowRecord[], logs: LogEvent[], pairs: Outcome[], ctx: Context, withCompanions: boolean): Candidate | null {
  const bindings: Bindings = { flows, logs, spike: ctx.spike };
  const m = rule.evaluate(bindings);
  if (!m) return null;
  let confidence = rule.confidence * mean(pairs.map((p) => p.factor)) * m.factor;
  const evidence = [...new Set(pairs.flatMap((p) => p.evidence)), ...m.evidence];
  const events: Record<string, RuleEvent> = {};
  if (withCompanions) {
    const own = new Set<RuleEvent>([...flows, ...logs]);
    const [from, to] = spanOf(flows, logs);
    for (const c of rule.companions) {
      const pool: RuleEvent[] = c.kind === 'flow' ? ctx.flowIndex.overlapping(from - c.slack, to + c.slack) : logsAround(ctx, from - c.slack, to + c.slack);
      let best: { event: RuleEvent; outcome: Outcome } | undefined;
      for (const e of pool) {
        if (own.has(e)) continue;
        const o = c.test({ ...bindings, events }, e);
        if (o && (!best || o.factor > best.outcome.factor)) best = { event: e, outcome: o };
      }
      if (!best) {
        if (c.required) return null;
        continue;
      }
      events[c.name] = best.event;
      confidence = c.required ? confidence * best.outcome.factor : confidence + (1 - confidence) * COMPANION_LIFT * best.outcome.factor;
      evidence.push(`${c.name}: ${describeEvent(best.event)}`, ...best.outcome.evidence.map((e) => `  ${e}`));
    }
  }
  const bytes = flows.reduce((s, f) => s + (ctx.bytesOf.get(f.flowId) ?? 0), 0);
  return { rule, flows, logs, events, confidence, evidence, bytes };
}

function describeEvent(e: RuleEvent): string {
  if (e.kind === 'log') return `log ${e.origin.file}:${e.origin.line} at ${clockTime(e.ts)}`;
  const proto = e.proto === 6 ? 'tcp' : e.proto === 17 ? 'udp' : String(e.proto);
  const port = (p: number | null) => (p === null ? '' : `:${p}`);
  return `flow ${clockTime(e.start)}-${clockTime(e.end)} ${proto} ${e.src}${port(e.sport)} ${e.dir ?? '->'} ${e.dst}${port(e.dport)}`;
}

/**
 * Finds one rule's candidate logs for a flow. The logs that pass `log:` around the rule's
 * flows come from the time index once; when the rule joins a log field to a flow field
 * (`log.client == flow.src`), they are also keyed by that field, so a flow only meets the
 * logs that carry its address, each key's logs again time-indexed. No flow is tried against
 * every log.
 */
function logFinder(rule: CompiledRule, flows: FlowRecord[], ctx: Context): (f: FlowRecord) => LogEvent[] {
  const slack = rule.timeSlack;
  let from = Infinity;
  let to = -Infinity;
  for (const f of flows) [from, to] = [Math.min(from, f.start), Math.max(to, f.end)];
  const pool = logsAround(ctx, from - slack, to + slack).filter((l) => rule.matchesLog(l));
  const near = (f: FlowRecord, index: TimeIndex<LogEvent> | undefined) =>
    index ? index.overlapping(f.start - slack, f.end + slack).filter((l) => l.ts >= f.start - slack) : [];
  if (rule.joins.length === 0) {
    const index = new TimeIndex(pool, logSpan, 'end');
    return (f) => near(f, index);
  }
  const byKey = rule.joins.map((join) => {
    const groups = new Map<string, LogEvent[]>();
    for (const l of pool) {
      const k = join.log(l);
      if (k === undefined) continue;
      const g = groups.get(k);
      if (g) g.push(l);
      else groups.set(k, [l]);
    }
    return { join, index: new Map([...groups].map(([k, ls]) => [k, new TimeIndex(ls, logSpan, 'end')])) };
  });
  return (f) => {
    const found = new Set<LogEvent>();
    for (const { join, index } of byKey) {
      const k = join.flow(f);
      if (k !== undefined) for (const l of near(f, index.get(k))) found.add(l);
    }
    return [...found].sort((a, b) => a.ts - b.ts);
  };
}

/** Every explanation one rule offers for a spike, before assignment. */
function candidatesFor(rule: CompiledRule, spikeFlows: FlowRecord[], ctx: Context): Candidate[] {
  const flows = spikeFlows.filter((f) => rule.matchesFlow(f));
  if (flows.length === 0) return [];
  if (!rule.usesLogs) return flowOnlyCandidates(rule, flows, ctx);
  /** Logs that pass `log:` near one flow (its span, plus the slack, plus the log's own transfer time). */
  const logsNear = logFinder(rule, flows, ctx);
  const pairOf = new Map<FlowRecord, Map<LogEvent, Outcome>>();
  const partners = (f: FlowRecord): Map<LogEvent, Outcome> => {
    let m = pairOf.get(f);
    if (!m) {
      m = new Map();
      for (const l of logsNear(f)) {
        const p = rule.pair(f, l);
        if (p) m.set(l, p);
      }
      pairOf.set(f, m);
    }
    return m;
  };
  const out: Candidate[] = [];
  const push = (c: Candidate | null) => c && out.push(c);

  if (rule.flowArity === 'one' && rule.logArity === 'one') {
    for (const f of flows) for (const [l, p] of partners(f)) push(score(rule, [f], [l], [p], ctx, true));
    return out;
  }

  if (rule.flowArity === 'one') {
    // One flow, a group of logs: the logs pairing with the flow, the best-fitting subset.
    for (const f of flows) {
      const m = partners(f);
      const build = (ls: LogEvent[], companions: boolean) =>
        ls.length === 0 ? null : score(rule, [f], ls, ls.map((l) => m.get(l)!), ctx, companions);
      const search = (free: Free): Candidate | null => {
        if (!free.flow(f)) return null;
        const logs = nearest([...m.keys()].filter(free.log), (l) => Math.abs(l.ts - f.end)).sort((a, b) => a.ts - b.ts);
        const best = bestSubset(logs, (ls) => build(ls, false));
        const c = best && build(best.logs, true);
        if (c) c.reselect = search;
        return c;
      };
      push(search(ALL_FREE));
    }
    return out;
  }

  if (rule.logArity === 'one') {
    // A group of flows, one log: the flows pairing with the log (one upload over several connections).
    const byLog = new Map<LogEvent, Map<FlowRecord, Outcome>>();
    for (const f of flows) {
      for (const [l, p] of partners(f)) {
        if (!byLog.has(l)) byLog.set(l, new Map());
        byLog.get(l)!.set(f, p);
      }
    }
    for (const [l, m] of byLog) {
      const build = (group: FlowRecord[], companions: boolean) =>
        group.length === 0 ? null : score(rule, group, [l], group.map((f) => m.get(f)!), ctx, companions);
      const search = (free: Free): Candidate | null => {
        if (!free.log(l)) return null;
        const fs = nearest([...m.keys()].filter(free.flow), (f) => Math.abs(f.end - l.ts)).sort((a, b) => a.start - b.start);
        const best = bestSubset(fs, (group) => build(group, false));
        const c = best && build(best.flows, true);
        if (c) c.reselect = search;
        return c;
      };
      push(search(ALL_FREE));
    }
    return out;
  }

  // Groups on both sides (many deliveries against the spike's mail flows): every flow and log
  // that pairs with something on the other side, as one explanation.
  const fs = flows.filter((f) => partners(f).size > 0);
  const ls = [...new Set(fs.flatMap((f) => [...partners(f).keys()]))].sort((a, b) => a.ts - b.ts);
  const build = (group: FlowRecord[], logs: LogEvent[], companions: boolean) => {
    if (group.length === 0 || logs.length === 0) return null;
    const ps: Outcome[] = [];
    for (const f of group) {
      const m = partners(f);
      for (const l of logs) {
        const p = m.get(l);
        if (p) ps.push(p);
      }
    }
    return score(rule, group, logs, ps, ctx, companions);
  };
  if (fs.length > 0) push(withReselect(build(fs, ls, true), fs, ls, build));
  return out;
}

/**
 * A rule that names no log (the port fallback): each flow alone, or with `flows:` all of them
 * as one group, shrinking as log-backed explanations claim members.
 */
function flowOnlyCandidates(rule: CompiledRule, flows: FlowRecord[], ctx: Context): Candidate[] {
  const build = (group: FlowRecord[], _logs: LogEvent[], companions: boolean) =>
    group.length === 0 ? null : score(rule, group, [], group.map(() => ({ factor: 1, evidence: [] })), ctx, companions);
  if (rule.flowArity === 'one') return flows.map((f) => build([f], [], true)).filter((c): c is Candidate => c !== null);
  const c = withReselect(build(flows, [], true), flows, [], build);
  return c ? [c] : [];
}

/** The `limit` items with the smallest distance (all of them when there are fewer). */
function nearest<T>(items: T[], distance: (x: T) => number, limit = MAX_GROUP_CANDIDATES): T[] {
  if (items.length <= limit) return items;
  return [...items].sort((a, b) => distance(a) - distance(b)).slice(0, limit);
}

/** A group on both sides (or of flows alone): searched again, it keeps the members still free. */
function withReselect(
  c: Candidate | null,
  flows: FlowRecord[],
  logs: LogEvent[],
  build: (flows: FlowRecord[], logs: LogEvent[], companions: boolean) => Candidate | null,
): Candidate | null {
  if (c) {
    c.reselect = (free) => {
      const fs = flows.filter(free.flow);
      const ls = logs.filter(free.log);
      return withReselect(build(fs, ls, true), fs, ls, build);
    };
  }
  return c;
}

const isGroup = (c: Candidate) => c.flows.length > 1 || c.logs.length > 1;
const rankOf = (c: Candidate) => c.confidence - (isGroup(c) ? GROUP_RANK_MARGIN : 0);

/**
 * Log-backed explanations first, whatever their confidence: a guess from the port never beats
 * a log line. Then by confidence, a group GROUP_RANK_MARGIN lower; then the one with fewer
 * events (the simpler story); then the most bytes.
 */
function byRank(a: Candidate, b: Candidate): number {
  return (
    Number(b.rule.usesLogs) - Number(a.rule.usesLogs) ||
    rankOf(b) - rankOf(a) ||
    a.flows.length + a.logs.length - (b.flows.length + b.logs.length) ||
    b.bytes - a.bytes
  );
}

/**
 * Best first; each flow and each log line explains at most one thing. An explanation that lost
 * a member to a better one searches again among the events still free (a connection whose
 * best-fitting sum of deliveries was taken apart may still fit its own delivery) and goes back
 * in line at its new rank. Claims only grow and each search uses only free events, so every
 * explanation is searched again at most once per event of its own that is claimed.
 */
function assign(candidates: Candidate[]): Candidate[] {
  const queue = [...candidates].sort(byRank);
  const usedFlows = new Set<string>();
  const usedLogs = new Set<LogEvent>();
  // Companions corroborate any number of log-backed explanations, but are not left to a guess.
  const corroborating = new Set<string>();
  const chosen: Candidate[] = [];
  while (queue.length) {
    const c = queue.shift()!;
    const free: Free = {
      flow: (f) => !usedFlows.has(f.flowId) && (c.rule.usesLogs || !corroborating.has(f.flowId)),
      log: (l) => !usedLogs.has(l),
    };
    if (!c.flows.every(free.flow) || !c.logs.every(free.log)) {
      const again = c.reselect?.(free);
      if (again) {
        const at = queue.findIndex((q) => byRank(again, q) < 0);
        queue.splice(at < 0 ? queue.length : at, 0, again);
      }
      continue;
    }
    for (const f of c.flows) usedFlows.add(f.flowId);
    for (const l of c.logs) usedLogs.add(l);
    for (const e of Object.values(c.events)) if (e.kind === 'flow') corroborating.add(e.flowId);
    chosen.push(c);
  }
  return chosen;
}

function toExplanation(c: Candidate): RuleExplanation {
  const bindings: Bindings = { flows: c.flows, logs: c.logs, events: c.events };
  return {
    rule: c.rule.name,
    title: c.rule.title,
    confidence: c.confidence,
    summary: c.rule.render(bindings),
    evidence: c.evidence,
    flows: [...c.flows].sort((a, b) => a.start - b.start),
    logs: [...c.logs].sort((a, b) => a.ts - b.ts),
    bytes: c.bytes,
    companions: Object.entries(c.events).map(([name, event]) => ({ name, event })),
  };
}

/**
 * The time index of a log array, built once: a run matches twice over the same logs (again on
 * the sensor's clock once the skew is known), and a day of a million lines is worth keeping.
 * Inputs are never changed after reading, so an array's index stays true.
 */
const logIndexes = new WeakMap<LogEvent[], TimeIndex<LogEvent>>();
function logIndexOf(logs: LogEvent[]): TimeIndex<LogEvent> {
  let index = logIndexes.get(logs);
  if (!index) logIndexes.set(logs, (index = new TimeIndex(logs, logSpan, 'end')));
  return index;
}

export function explainSpike(spike: Spike, rules: RuleSet, logs: LogEvent[], options: CorrelateOptions = {}): ExplainedSpike {
  const spikeFlows = spike.flows.map((f) => f.flow);
  const ctx: Context = {
    spike: { start: spike.start, end: spike.end, bytes: spike.bytes, excessBytes: spike.excessBytes },
    bytesOf: new Map(spike.flows.map((f) => [f.flow.flowId, f.bytes])),
    flowIndex: new TimeIndex(options.flows ?? spikeFlows, (f) => [f.start, f.end]),
    logIndex: logIndexOf(logs),
    shift: options.shiftLog ?? ((l) => l),
    shiftBound: options.shiftLog ? (options.shiftBound ?? 0) : 0,
  };
  return explainWith(spike, rules, ctx);
}

function explainWith(spike: Spike, rules: RuleSet, ctx: Context): ExplainedSpike {
  const spikeFlows = spike.flows.map((f) => f.flow);
  const chosen = assign(rules.rules.flatMap((r) => candidatesFor(r, spikeFlows, ctx)));
  // In time order, guesses from the port after everything a log backs.
  const guess = new Set(chosen.filter((c) => !c.rule.usesLogs).map((c) => c.rule.name));
  const explanations = chosen.map(toExplanation).sort((a, b) => Number(guess.has(a.rule)) - Number(guess.has(b.rule)) || a.flows[0].start - b.flows[0].start);
  // Companion flows in the spike are explained too (a control connection's few bytes), once.
  const explained = new Set<string>();
  // A guess from the port labels flows but is no evidence: their bytes stay unexplained.
  for (const c of chosen.filter((x) => x.rule.usesLogs)) {
    for (const f of c.flows) explained.add(f.flowId);
    for (const e of Object.values(c.events)) if (e.kind === 'flow') explained.add(e.flowId);
  }
  const explainedBytes = [...explained].reduce((s, id) => s + (ctx.bytesOf.get(id) ?? 0), 0);
  const unexplained = spike.flows.filter((f) => !explained.has(f.flow.flowId));
  const unexplainedBytes = Math.max(0, spike.bytes - explainedBytes);
  return { spike, explanations, unexplainedBytes, unexplained };
}

export function explainSpikes(spikes: Spike[], rules: RuleSet, logs: LogEvent[], options: CorrelateOptions = {}): ExplainedSpike[] {
  // One log index for every spike.
  const logIndex = logIndexOf(logs);
  const allFlows = options.flows ? new TimeIndex(options.flows, (f: FlowRecord) => [f.start, f.end]) : undefined;
  return spikes.map((spike) =>
    explainWith(spike, rules, {
      spike: { start: spike.start, end: spike.end, bytes: spike.bytes, excessBytes: spike.excessBytes },
      bytesOf: new Map(spike.flows.map((f) => [f.flow.flowId, f.bytes])),
      flowIndex: allFlows ?? new TimeIndex(spike.flows.map((f) => f.flow), (f) => [f.start, f.end]),
      logIndex,
      shift: options.shiftLog ?? ((l: LogEvent) => l),
      shiftBound: options.shiftLog ? (options.shiftBound ?? 0) : 0,
    }),
  );
}
