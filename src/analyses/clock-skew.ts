// How far each log source's clock is from the flow sensor's, learnt from the matches the
// engine is sure of, so the timeline can be put on the sensor's clock (the flows' times are
// the truth: packets are stamped by one clock, logs by every server's own). Pure.
//
// Only a log line that carries a transfer window (pure-ftpd's bytes and KB/s, vsftpd,
// xferlog's transfer time) says exactly when its transfer ended, so only those are used:
// the offset of one match is the line's time minus its flow's end. A mail delivery or an
// HTTP request is stamped somewhere inside its connection, which measures nothing.
import type { Explanation, ExplainedSpike, LogEvent, Micros } from '../event.js';
import type { RuleEvent } from '../rules/types.js';
import { logDuration } from '../rules/fields.js';
import { MICROS_PER_SECOND } from '../time.js';

/** Matches below this confidence do not vote. */
export const SKEW_MIN_CONFIDENCE = 0.7;
/** A source's offset is estimated (and corrected) only from at least this many matches. */
export const SKEW_MIN_MATCHES = 3;

export interface ClockSkew {
  /** The log file, as given. */
  source: string;
  /** What wrote it (the program most matched lines name, else their service): 'ftpd'. */
  program: string;
  /** Log clock minus sensor clock, the median over the matches: negative, the log runs behind. */
  offset: Micros;
  /** Median absolute deviation of the matches' offsets from `offset`. */
  spread: Micros;
  matches: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function mostCommon(xs: string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/** Each log source's offset, from one-flow-one-log explanations of at least SKEW_MIN_CONFIDENCE. */
export function estimateClockSkew(explained: ExplainedSpike[]): ClockSkew[] {
  const bySource = new Map<string, { offsets: number[]; names: string[] }>();
  const seen = new Set<LogEvent>();
  for (const x of explained) {
    for (const e of x.explanations) {
      if (e.confidence < SKEW_MIN_CONFIDENCE || e.flows.length !== 1 || e.logs.length !== 1) continue;
      const log = e.logs[0];
      if (seen.has(log) || logDuration(log) === undefined) continue;
      seen.add(log);
      const s = bySource.get(log.origin.file) ?? { offsets: [], names: [] };
      // A stamp to the whole second (RFC 3164 syslog) was written somewhere in that second:
      // count from its middle, or every such log would look half a second further behind.
      const written = log.ts % MICROS_PER_SECOND === 0 ? log.ts + MICROS_PER_SECOND / 2 : log.ts;
      s.offsets.push(written - e.flows[0].end);
      s.names.push(log.program ?? log.service);
      bySource.set(log.origin.file, s);
    }
  }
  const out: ClockSkew[] = [];
  for (const [source, s] of bySource) {
    if (s.offsets.length < SKEW_MIN_MATCHES) continue;
    const offset = median(s.offsets);
    out.push({ source, program: mostCommon(s.names), offset, spread: median(s.offsets.map((o) => Math.abs(o - offset))), matches: s.offsets.length });
  }
  return out.sort((a, b) => a.source.localeCompare(b.source));
}

/**
 * Moves a skewed source's lines onto the sensor's clock, one line at a time as the engine
 * meets them (a copy, made once per line, so the engine's claims by identity still hold), and
 * keeps the way back to the original: reports show a line as it was written. Copying only
 * what the engine looks at keeps a day of a million lines from being copied for a few spikes.
 */
export function logShifter(skew: ClockSkew[]): { shift: (log: LogEvent) => LogEvent; original: Map<LogEvent, LogEvent>; bound: Micros } {
  const offsetOf = new Map(skew.map((s) => [s.source, s.offset]));
  const original = new Map<LogEvent, LogEvent>();
  const copies = new Map<LogEvent, LogEvent>();
  const shift = (l: LogEvent): LogEvent => {
    const offset = offsetOf.get(l.origin.file);
    if (offset === undefined || offset === 0) return l;
    let moved = copies.get(l);
    if (!moved) {
      moved = { ...l, ts: l.ts - offset };
      copies.set(l, moved);
      original.set(moved, l);
    }
    return moved;
  };
  return { shift, original, bound: Math.max(0, ...skew.map((s) => Math.abs(s.offset))) };
}

const seconds = (us: Micros) => Math.abs(us / MICROS_PER_SECOND).toFixed(1);

/** `the ftpd log (samples/backup-spike/messages) runs 4.2 s behind the capture, from 6 matches` */
export function describeClockSkew(s: ClockSkew): string {
  const way = s.offset < 0 ? 'behind' : 'ahead of';
  const spread = s.spread > 0 ? `, give or take ${seconds(s.spread)} s` : '';
  return `the ${s.program} log (${s.source}) runs ${seconds(s.offset)} s ${way} the capture, from ${s.matches} matches${spread}; its times were corrected before matching`;
}

/**
 * Explanations made on corrected copies, given back their original lines, each with a line
 * of evidence saying its time was corrected and by how much.
 */
export function restoreLogTimes(explained: ExplainedSpike[], original: Map<LogEvent, LogEvent>, skew: ClockSkew[]): ExplainedSpike[] {
  if (original.size === 0) return explained;
  const bySource = new Map(skew.map((s) => [s.source, s]));
  const back = (l: LogEvent) => original.get(l) ?? l;
  return explained.map((x) => ({
    ...x,
    explanations: x.explanations.map((e) => {
      const corrected = [...new Set(e.logs.filter((l) => original.has(l)).map((l) => l.origin.file))];
      const notes = corrected.map((file) => {
        const s = bySource.get(file)!;
        return `log times moved ${s.offset < 0 ? '+' : '-'}${seconds(s.offset)} s onto the capture's clock (${file} runs ${seconds(s.offset)} s ${s.offset < 0 ? 'behind' : 'ahead'})`;
      });
      // At run time these are the engine's RuleExplanations, whose companions may be log lines too.
      const restored: Explanation & { companions?: { name: string; event: RuleEvent }[] } = { ...e, logs: e.logs.map(back), evidence: [...e.evidence, ...notes] };
      if (restored.companions) restored.companions = restored.companions.map((c) => (c.event.kind === 'log' ? { ...c, event: back(c.event) } : c));
      return restored;
    }),
  }));
}
