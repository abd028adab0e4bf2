// The timeline's whole interactive state: one pure reducer, so every key is testable without
// rendering. Components only dispatch actions and draw what the state says.

/** What the reducer needs to know about the data: bin count and where the spikes sit. */
export interface Nav {
  /** Base bins in the series. */
  bins: number;
  /** In time order. `text` is what `/` searches: hosts, rule names, summaries, log lines. */
  spikes: { first: number; last: number; peak: number; text: string }[];
}

export type Focus = 'chart' | 'flows' | 'logs';
export type SortKey = 'bytes' | 'pkts' | 'start' | 'duration';
export const SORT_KEYS: SortKey[] = ['bytes', 'pkts', 'start', 'duration'];

export interface State {
  nav: Nav;
  /** Chart columns available (terminal width less the y scale). */
  columns: number;
  /** Base bins per chart column: a power of two, from 1 up to what fits the whole span. */
  binsPerColumn: number;
  /** Base bin under the cursor. */
  cursor: number;
  /** First base bin shown, a multiple of binsPerColumn. */
  viewStart: number;
  /** Index into nav.spikes of the spike whose detail pane is open. */
  detail: number | null;
  focus: Focus;
  sort: SortKey;
  scroll: { flows: number; logs: number };
  /** The applied filter ('' = none). */
  filter: string;
  /** Text being typed after `/`; null when not typing. */
  draft: string | null;
  help: boolean;
  quit: boolean;
  /** A one-off note for the status line ("no later spike"). */
  message?: string;
}

export type Action =
  | { type: 'move'; by: number }
  | { type: 'move-to'; edge: 'start' | 'end' }
  | { type: 'zoom-in' }
  | { type: 'zoom-out' }
  | { type: 'next-spike' }
  | { type: 'previous-spike' }
  | { type: 'open-detail' }
  | { type: 'escape' }
  | { type: 'focus-next' }
  | { type: 'cycle-sort' }
  | { type: 'scroll'; by: number }
  | { type: 'filter-start' }
  | { type: 'filter-input'; text: string }
  | { type: 'filter-backspace' }
  | { type: 'filter-apply' }
  | { type: 'toggle-help' }
  | { type: 'quit' }
  | { type: 'resize'; columns: number };

/** The widest zoom: the smallest power of two that shows every bin in `columns`. */
export function fitBinsPerColumn(bins: number, columns: number): number {
  let bpc = 1;
  while (Math.ceil(bins / bpc) > Math.max(1, columns)) bpc *= 2;
  return bpc;
}

export function initialState(nav: Nav, columns: number): State {
  const bpc = fitBinsPerColumn(nav.bins, columns);
  const first = nav.spikes[0];
  return {
    nav,
    columns: Math.max(1, columns),
    binsPerColumn: bpc,
    cursor: first ? first.peak : 0,
    viewStart: 0,
    detail: null,
    focus: 'chart',
    sort: 'bytes',
    scroll: { flows: 0, logs: 0 },
    filter: '',
    draft: null,
    help: false,
    quit: false,
  };
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

/** Bins shown: [viewStart, viewEnd). */
export function viewEnd(s: State): number {
  return Math.min(s.nav.bins, s.viewStart + s.columns * s.binsPerColumn);
}

/** The base bins the cursor's column covers: [from, to). */
export function cursorColumn(s: State): { from: number; to: number } {
  const from = Math.floor(s.cursor / s.binsPerColumn) * s.binsPerColumn;
  return { from, to: Math.min(s.nav.bins, from + s.binsPerColumn) };
}

/** Keep the cursor's column in view; recentre it when it would fall off an edge. */
function follow(s: State, centre = false): State {
  const bpc = s.binsPerColumn;
  const span = s.columns * bpc;
  const col = Math.floor(s.cursor / bpc) * bpc;
  let start = s.viewStart - (s.viewStart % bpc);
  if (centre || col < start || col >= start + span) start = col - Math.floor(s.columns / 2) * bpc;
  const lastStart = Math.max(0, Math.ceil(s.nav.bins / bpc) * bpc - span);
  start = clamp(start, 0, lastStart);
  return { ...s, viewStart: start - (start % bpc) };
}

/** Spikes the applied filter keeps (all of them without a filter). */
export function matchingSpikes(s: State): number[] {
  const f = s.filter.toLowerCase();
  const out: number[] = [];
  s.nav.spikes.forEach((sp, i) => {
    if (!f || sp.text.toLowerCase().includes(f)) out.push(i);
  });
  return out;
}

/** The spike under the cursor's column, else the nearest one (by its bins), among those matching. */
export function spikeNearCursor(s: State): number | null {
  const { from, to } = cursorColumn(s);
  let best: number | null = null;
  let bestDistance = Infinity;
  for (const i of matchingSpikes(s)) {
    const sp = s.nav.spikes[i];
    const distance = sp.last < from ? from - sp.last : sp.first >= to ? sp.first - (to - 1) : 0;
    if (distance < bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}

function jumpTo(s: State, spike: number): State {
  return follow({ ...s, cursor: s.nav.spikes[spike].peak, detail: s.detail === null ? null : spike, scroll: { flows: 0, logs: 0 } });
}

function typing(s: State, action: Action): State {
  const draft = s.draft ?? '';
  switch (action.type) {
    case 'filter-input':
      return { ...s, draft: draft + action.text };
    case 'filter-backspace':
      return { ...s, draft: draft.slice(0, -1) };
    case 'filter-apply': {
      const next: State = { ...s, filter: draft.trim(), draft: null, scroll: { flows: 0, logs: 0 } };
      const n = matchingSpikes(next).length;
      return { ...next, message: next.filter ? `filter '${next.filter}': ${n} of ${s.nav.spikes.length} spikes match` : 'filter cleared' };
    }
    case 'escape':
      return { ...s, draft: null, message: 'filter not changed' };
    case 'resize':
      return { ...reducer({ ...s, draft: null }, action), draft };
    default:
      // Keys that are not text while typing (arrows, Tab) leave the draft alone.
      return s;
  }
}

export function reducer(state: State, action: Action): State {
  if (state.draft !== null) return typing(state, action);
  const s: State = state.message === undefined ? state : { ...state, message: undefined };
  if (s.help && action.type !== 'quit' && action.type !== 'resize') return { ...s, help: false };
  switch (action.type) {
    case 'move': {
      const cursor = clamp(s.cursor + action.by * s.binsPerColumn, 0, Math.max(0, s.nav.bins - 1));
      return follow({ ...s, cursor });
    }
    case 'move-to':
      return follow({ ...s, cursor: action.edge === 'start' ? 0 : Math.max(0, s.nav.bins - 1) });
    case 'zoom-in':
      if (s.binsPerColumn === 1) return { ...s, message: 'zoomed in as far as the bins go' };
      return follow({ ...s, binsPerColumn: s.binsPerColumn / 2 }, true);
    case 'zoom-out': {
      const fit = fitBinsPerColumn(s.nav.bins, s.columns);
      if (s.binsPerColumn >= fit) return { ...s, message: 'the whole span is in view' };
      return follow({ ...s, binsPerColumn: s.binsPerColumn * 2 }, true);
    }
    case 'next-spike': {
      const { to } = cursorColumn(s);
      const next = matchingSpikes(s).find((i) => s.nav.spikes[i].peak >= to);
      if (next === undefined) return { ...s, message: s.nav.spikes.length ? 'no later spike' : 'no spikes in this data' };
      return jumpTo(s, next);
    }
    case 'previous-spike': {
      const { from } = cursorColumn(s);
      const prev = matchingSpikes(s).reverse().find((i) => s.nav.spikes[i].peak < from);
      if (prev === undefined) return { ...s, message: s.nav.spikes.length ? 'no earlier spike' : 'no spikes in this data' };
      return jumpTo(s, prev);
    }
    case 'open-detail': {
      const spike = spikeNearCursor(s);
      if (spike === null) return { ...s, message: s.nav.spikes.length ? 'no spike matches the filter' : 'no spikes in this data' };
      return { ...s, detail: spike, focus: s.focus === 'chart' ? 'flows' : s.focus, scroll: { flows: 0, logs: 0 } };
    }
    case 'escape':
      if (s.detail !== null) return { ...s, detail: null, focus: 'chart' };
      if (s.filter) return { ...s, filter: '', message: 'filter cleared' };
      return s;
    case 'focus-next': {
      const order: Focus[] = s.detail === null ? ['chart'] : ['chart', 'flows', 'logs'];
      return { ...s, focus: order[(order.indexOf(s.focus) + 1) % order.length] };
    }
    case 'cycle-sort':
      return { ...s, sort: SORT_KEYS[(SORT_KEYS.indexOf(s.sort) + 1) % SORT_KEYS.length], scroll: { ...s.scroll, flows: 0 } };
    case 'scroll': {
      if (s.detail === null || s.focus === 'chart') return s;
      const key = s.focus;
      // The upper bound depends on the rows the pane can show; the component clamps it.
      return { ...s, scroll: { ...s.scroll, [key]: Math.max(0, s.scroll[key] + action.by) } };
    }
    case 'filter-start':
      return { ...s, draft: s.filter };
    case 'filter-input':
    case 'filter-backspace':
    case 'filter-apply':
      return s;
    case 'toggle-help':
      return { ...s, help: true };
    case 'quit':
      return { ...s, quit: true };
    case 'resize': {
      const columns = Math.max(1, action.columns);
      const wasFit = s.binsPerColumn >= fitBinsPerColumn(s.nav.bins, s.columns);
      const fit = fitBinsPerColumn(s.nav.bins, columns);
      return follow({ ...s, columns, binsPerColumn: wasFit ? fit : Math.min(s.binsPerColumn, fit) });
    }
  }
}
