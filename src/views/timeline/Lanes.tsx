// One lane per service under the chart, with a tick in each column where log events fall, so
// the ftpd uploads are seen to line up with the spike.
import React from 'react';
import { Box } from 'ink';
import { Cells, type Cell } from './Cells.js';
import { SCALE_WIDTH } from './Chart.js';
import { cursorIndex, visibleColumns } from './columns.js';
import { LANES, sumIn, type Lane } from './model.js';
import type { State } from './state.js';

const LANE_COLOR: Record<Lane, string> = { ftp: 'green', mail: 'yellow', web: 'blue', other: 'gray' };

/** '·' one event, ':' a few, '┃' many. */
export function tickFor(count: number): string {
  return count === 0 ? ' ' : count === 1 ? '·' : count < 5 ? ':' : '┃';
}

export function Lanes({ counts, state, color }: { counts: Record<Lane, Float64Array>; state: State; color: boolean }): React.JSX.Element {
  const columns = visibleColumns(state);
  const cursor = cursorIndex(state);
  return (
    <Box flexDirection="column">
      {LANES.map((lane) => {
        const cells: Cell[] = [...`${lane.padStart(SCALE_WIDTH - 2)} │`].map((ch) => ({ ch, dim: true }));
        columns.forEach((c, i) => {
          const n = c.to > c.from ? sumIn(counts[lane], c.from, c.to) : 0;
          cells.push({ ch: tickFor(n), color: LANE_COLOR[lane], inverse: i === cursor });
        });
        return <Cells key={lane} cells={cells} color={color} />;
      })}
    </Box>
  );
}
