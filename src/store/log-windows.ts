// Which stretches of the log a run of the rules can look at, so `explain --db` reads those
// log events from the store instead of all of them (a day of syslog is a million lines; the
// rules look at minutes around a few spikes). A rule looks for logs within its time slack of
// the spike's flows, and a log's span reaches back by its transfer time from its stamp; the
// margin covers both with room for a log clock that runs off the sensor's (clock-skew.ts).
import type { Micros, Spike } from '../event.js';

export interface TimeWindow {
  from: Micros;
  to: Micros;
}

/** One hour: longer than any built-in rule's slack plus a log's own transfer time past its flow's end. */
export const LOG_WINDOW_MARGIN: Micros = 3600 * 1_000_000;

/** The windows around each spike and its flows, widened by `margin` and merged where they meet, in time order. */
export function logWindowsFor(spikes: Spike[], margin: Micros = LOG_WINDOW_MARGIN): TimeWindow[] {
  const raw: TimeWindow[] = [];
  for (const s of spikes) {
    let from = s.start;
    let to = s.end;
    for (const { flow } of s.flows) {
      if (flow.start < from) from = flow.start;
      if (flow.end > to) to = flow.end;
    }
    raw.push({ from: from - margin, to: to + margin });
  }
  raw.sort((a, b) => a.from - b.from);
  const merged: TimeWindow[] = [];
  for (const w of raw) {
    const last = merged.at(-1);
    if (last && w.from <= last.to) last.to = Math.max(last.to, w.to);
    else merged.push({ ...w });
  }
  return merged;
}
