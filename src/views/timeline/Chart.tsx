// Bytes per column in block characters over a labelled y scale, the spikes marked under it,
// the cursor, and a time axis that fits the zoom.
import React from 'react';
import { Box, Text } from 'ink';
import { formatBytes } from '../../units.js';
import { Cells, fit, type Cell } from './Cells.js';
import { cursorIndex, visibleColumns, type Column } from './columns.js';
import { sumIn, type TimelineModel } from './model.js';
import { matchingSpikes, type State } from './state.js';
import { axisLine, timeTicks } from './time-axis.js';

/** Width of the y scale, its '┤' included; lanes use the same so columns line up. */
export const SCALE_WIDTH = 10;
const BLOCKS = '▁▂▃▄▅▆▇█';
export const SPIKE_MARK = { peak: '▲', span: '─' };
export const RECURRING_MARK = { peak: '◆', span: '┄' };

export function columnBytes(model: TimelineModel, columns: Column[]): number[] {
  return columns.map((c) => (c.to > c.from ? sumIn(model.cumBytes, c.from, c.to) : 0));
}

/** Rows of block characters, top first; any traffic at all shows at least '▁'. */
export function barRows(values: number[], height: number, max: number): string[] {
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    const fromBottom = height - 1 - r;
    let line = '';
    for (const v of values) {
      let eighths = max > 0 ? Math.round((v / max) * height * 8) : 0;
      if (v > 0 && eighths === 0) eighths = 1;
      const fill = Math.max(0, Math.min(8, eighths - fromBottom * 8));
      line += fill === 0 ? ' ' : BLOCKS[fill - 1];
    }
    rows.push(line);
  }
  return rows;
}

interface Props {
  model: TimelineModel;
  state: State;
  height: number;
  color: boolean;
}

export function Chart({ model, state, height, color }: Props): React.JSX.Element {
  const columns = visibleColumns(state);
  const values = columnBytes(model, columns);
  const max = Math.max(0, ...values);
  const rows = barRows(values, height, max);
  const cursor = cursorIndex(state);
  const matching = new Set(matchingSpikes(state));
  // Which spike each column shows, and whether its peak is there.
  const spikeAt: ({ index: number; peak: boolean } | undefined)[] = columns.map((c) => {
    if (c.to <= c.from) return undefined;
    let found: { index: number; peak: boolean } | undefined;
    model.spikes.forEach((s, index) => {
      if (s.first < c.to && s.last >= c.from) {
        const peak = s.peak >= c.from && s.peak < c.to;
        if (!found || peak) found = { index, peak };
      }
    });
    return found;
  });
  const spikeColor = (i: number) => (model.spikes[i].recurring ? 'magenta' : 'red');
  const scale = (r: number) => {
    const label = r === 0 ? formatBytes(max) : r === height - 1 ? '0' : r === Math.floor((height - 1) / 2) ? formatBytes(max / 2) : '';
    return `${label.padStart(SCALE_WIDTH - 1)}${label ? '┤' : '│'}`;
  };
  const chartLines = rows.map((row, r) => {
    const cells: Cell[] = [...scale(r)].map((ch) => ({ ch, dim: true }));
    [...row].forEach((ch, c) => {
      const spike = spikeAt[c];
      cells.push({
        ch,
        color: spike && matching.has(spike.index) ? spikeColor(spike.index) : 'cyan',
        inverse: c === cursor,
      });
    });
    return <Cells key={`r${r}`} cells={cells} color={color} />;
  });
  const marks: Cell[] = [...' '.repeat(SCALE_WIDTH)].map((ch) => ({ ch }));
  spikeAt.forEach((s) => {
    if (!s) return marks.push({ ch: ' ' });
    const m = model.spikes[s.index].recurring ? RECURRING_MARK : SPIKE_MARK;
    marks.push({ ch: s.peak ? m.peak : m.span, color: spikeColor(s.index), dim: !matching.has(s.index) });
  });
  const withData = columns.filter((c) => c.to > c.from).length;
  const ticks = timeTicks(model.start + state.viewStart * model.width, state.binsPerColumn * model.width, withData, model.zone);
  const cursorLine = cursor >= 0 ? ' '.repeat(SCALE_WIDTH + cursor) + '↑' : fit(' '.repeat(SCALE_WIDTH) + (state.cursor < state.viewStart ? '← cursor' : ''), SCALE_WIDTH + state.columns);
  return (
    <Box flexDirection="column">
      {chartLines}
      <Cells cells={marks} color={color} />
      <Text wrap="truncate">{cursorLine}</Text>
      <Text wrap="truncate" dimColor>
        {(' '.repeat(SCALE_WIDTH) + axisLine(ticks, state.columns)).trimEnd()}
      </Text>
    </Box>
  );
}
