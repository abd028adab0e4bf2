// The chart's columns at the current zoom: which base bins each one sums.
import type { State } from './state.js';

export interface Column {
  /** Base bins [from, to); empty (from === to) past the end of the data. */
  from: number;
  to: number;
}

export function visibleColumns(s: State): Column[] {
  const out: Column[] = [];
  for (let c = 0; c < s.columns; c++) {
    const from = Math.min(s.nav.bins, s.viewStart + c * s.binsPerColumn);
    out.push({ from, to: Math.min(s.nav.bins, from + s.binsPerColumn) });
  }
  return out;
}

/** Index of the cursor's column on screen, or -1 when it is out of view. */
export function cursorIndex(s: State): number {
  const c = Math.floor((s.cursor - s.viewStart) / s.binsPerColumn);
  return c >= 0 && c < s.columns ? c : -1;
}
