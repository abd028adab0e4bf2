// The analyses in order, as `explain`, `spikes` and the timeline all run them: spikes (or the
// window the user picked), their recurrence across days, then the rules. Pure.
import type { BinSeries, ExplainedSpike, FlowRecord, LogEvent, Micros, Spike } from '../event.js';
import type { RuleSet } from '../rules/types.js';
import { explainSpikes } from './correlate.js';
import { estimateClockSkew, logShifter, restoreLogTimes, type ClockSkew } from './clock-skew.js';
import { findRecurrence, markScheduledJobs, DEFAULT_RECURRENCE } from './recurrence.js';
import { detectSpikes, seriesFor, windowAsSpike, type SpikeOptions } from './spikes.js';

export interface AnalyseOptions {
  spikes: SpikeOptions;
  /** Explain this window instead of the detected spikes. */
  window?: { from: Micros; to: Micros };
  /** Zone whose days and times of day recurrence is judged in. */
  zone: string;
  /** findSpikes's answer for these flows and options, when the caller already has it. */
  found?: { series?: BinSeries; spikes: Spike[] };
}

export interface Analysis {
  series?: BinSeries;
  spikes: Spike[];
  explained: ExplainedSpike[];
  /** Each log source's clock against the sensor's, where enough sure matches tell (see clock-skew.ts). */
  clockSkew: ClockSkew[];
}

export function findSpikes(flows: FlowRecord[], options: AnalyseOptions): { series?: BinSeries; spikes: Spike[] } {
  if (options.window) {
    const series = seriesFor(flows, options.spikes.binWidth);
    if (!series) return { spikes: [] };
    return { series, spikes: [windowAsSpike(flows, series, options.window.from, options.window.to, options.spikes.halfWindow)] };
  }
  const { series, spikes } = detectSpikes(flows, options.spikes);
  if (!series) return { spikes };
  const span = { start: series.start, end: series.start + series.bytes.length * series.width };
  return { series, spikes: findRecurrence(spikes, span, { ...DEFAULT_RECURRENCE, zone: options.zone }) };
}

export function analyse(flows: FlowRecord[], logs: LogEvent[], rules: RuleSet, options: AnalyseOptions): Analysis {
  const { series, spikes } = options.found ?? findSpikes(flows, options);
  // All flows, not only the spike's: a control connection may start before the spike window.
  const first = explainSpikes(spikes, rules, logs, { flows });
  // The sure matches tell each log's clock offset; matching again on the sensor's clock
  // scores time agreement fairly and finds what the offset pushed out of a tolerance.
  const clockSkew = estimateClockSkew(first);
  let explained = first;
  if (clockSkew.length > 0) {
    const shifter = logShifter(clockSkew);
    const again = explainSpikes(spikes, rules, logs, { flows, shiftLog: shifter.shift, shiftBound: shifter.bound });
    explained = restoreLogTimes(again, shifter.original, clockSkew);
  }
  return { series, spikes, explained: markScheduledJobs(explained), clockSkew };
}
