// The cursor's column in words: when, how many bytes, how many log events of which service.
import React from 'react';
import { Text } from 'ink';
import { formatClock, MICROS_PER_SECOND } from '../../time.js';
import { formatBytes, formatDuration } from '../../units.js';

/** 300 s -> '5m', 7200 s -> '2h', 7680 s -> '2h08m', 90 s -> '1m30s'. */
export function shortDuration(seconds: number): string {
  if (seconds >= 3600) return seconds % 3600 === 0 ? `${seconds / 3600}h` : formatDuration(seconds);
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return formatDuration(seconds);
}
import { LANES, sumIn, type Lane, type TimelineModel } from './model.js';
import { cursorColumn, type State } from './state.js';

export function statusText(model: TimelineModel, state: State, counts: Record<Lane, Float64Array>): string {
  const { from, to } = cursorColumn(state);
  const start = model.start + from * model.width;
  const width = (to - from) * model.width;
  const bytes = sumIn(model.cumBytes, from, to);
  const perLane = LANES.map((l) => [l, sumIn(counts[l], from, to)] as const).filter(([, n]) => n > 0);
  const events = perLane.reduce((s, [, n]) => s + n, 0);
  const lanes = perLane.length ? ` (${perLane.map(([l, n]) => `${l} ${n}`).join(', ')})` : '';
  const spike = model.spikes.find((s) => s.first < to && s.last >= from);
  const parts = [
    `${formatClock(start, model.zone).slice(0, 16)} +${shortDuration(width / MICROS_PER_SECOND)}`,
    formatBytes(bytes),
    `${events} ${events === 1 ? 'event' : 'events'}${lanes}`,
  ];
  if (spike) parts.push(`spike ${spike.id}${spike.recurring ? ' (recurring)' : ''}`);
  if (state.filter) parts.push(`filter '${state.filter}'`);
  return parts.join('  ');
}

export function StatusLine({ model, state, counts }: { model: TimelineModel; state: State; counts: Record<Lane, Float64Array> }): React.JSX.Element {
  return (
    <Text wrap="truncate" bold>
      {statusText(model, state, counts)}
    </Text>
  );
}

/** The last line: what keys do now, or the filter being typed, or a note from the last key. */
export function KeyLine({ state }: { state: State }): React.JSX.Element {
  if (state.draft !== null) return <Text wrap="truncate">/{state.draft}█ <Text dimColor>Enter apply · Esc cancel · host, service or text</Text></Text>;
  if (state.message) return <Text wrap="truncate" color="yellow">{state.message}</Text>;
  const keys = state.detail === null ? '←→ move  +/- zoom  n/N spike  Enter explain  / filter  ? keys  q quit' : '←→ move  Tab focus  ↑↓ scroll  s sort  Esc close  ? keys  q quit';
  return (
    <Text wrap="truncate" dimColor>
      {keys}
    </Text>
  );
}
