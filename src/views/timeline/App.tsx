// The timeline screen: keys become reducer actions, the layout follows the terminal's size,
// and every component draws from the model's aggregates and the state.
import React, { useEffect, useMemo, useReducer, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { plural } from '../../units.js';
import { MICROS_PER_SECOND } from '../../time.js';
import { Chart, SCALE_WIDTH } from './Chart.js';
import { DetailPane, detailLayout } from './DetailPane.js';
import { flowRows, logRows } from './detail.js';
import { Help, HELP_LINES } from './Help.js';
import { Lanes } from './Lanes.js';
import { laneCounts, logText, matches, navOf, type TimelineModel } from './model.js';
import { KeyLine, shortDuration, StatusLine } from './StatusLine.js';
import { keyReducer } from './keymap.js';
import { initialState } from './state.js';

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 16;
/** Title, spike marks, cursor, time axis, status line, key line. */
const FIXED_ROWS = 6;
const LANE_ROWS = 4;

export interface Size {
  columns: number;
  rows: number;
}

/** The terminal's size, following its resize events; `fixed` pins it (tests). */
function useTerminalSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const read = (): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState<Size>(() => fixed ?? read());
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

export interface AppProps {
  model: TimelineModel;
  /** False under NO_COLOR or on a terminal without colours. */
  color?: boolean;
  /** Pins the size instead of following the terminal (tests). */
  size?: Size;
}

export function App({ model, color = true, size: fixedSize }: AppProps): React.JSX.Element {
  const size = useTerminalSize(fixedSize);
  const { exit } = useApp();
  const chartColumns = Math.max(1, size.columns - SCALE_WIDTH - 1);
  const nav = useMemo(() => navOf(model), [model]);
  const [state, dispatch] = useReducer(keyReducer, undefined, () => initialState(nav, chartColumns));
  useEffect(() => {
    if (state.columns !== chartColumns) dispatch({ type: 'resize', columns: chartColumns });
  }, [chartColumns, state.columns]);
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);

  // Lanes are recounted once per filter, never per frame.
  const counts = useMemo(
    () => (state.filter ? laneCounts(model.logs, model.start, model.width, model.bins, (e) => matches(logText(e), state.filter)) : model.cumEvents),
    [model, state.filter],
  );
  const spike = state.detail === null ? undefined : model.spikes[state.detail];
  const flows = useMemo(() => (spike ? flowRows(spike, state.sort, state.filter) : []), [spike, state.sort, state.filter]);
  const logs = useMemo(() => (spike ? logRows(spike, state.filter) : []), [spike, state.filter]);

  // Ink clears the whole screen when a frame is as tall as the terminal; one row less avoids it.
  const rows = size.rows - 1;
  const lower = spike || state.help;
  const chartHeight = lower ? Math.max(3, Math.min(6, rows - FIXED_ROWS - 14)) : Math.max(4, rows - FIXED_ROWS - LANE_ROWS);
  const lowerRows = rows - FIXED_ROWS - chartHeight;
  const width = size.columns;
  const pageRows = spike ? Math.max(1, detailLayout(spike, lowerRows, width).list - 1) : 1;

  // Keys are read against the state the reducer holds, not this render's: keys that arrive
  // together (a paste, tmux send-keys) each see the previous one's effect.
  useInput((input, key) => dispatch({ type: 'key', input, key, pageRows }));

  if (size.columns < MIN_COLUMNS || size.rows < MIN_ROWS) {
    return (
      <Text wrap="wrap">
        Please enlarge the terminal to {MIN_COLUMNS}x{MIN_ROWS} for the timeline (now {size.columns}x{size.rows})
      </Text>
    );
  }
  const title =
    `flowlink timeline  ${plural(model.flowCount, 'flow')}, ${plural(model.logCount, 'log event')}, ` +
    `${shortDuration((state.binsPerColumn * model.width) / MICROS_PER_SECOND)} per column, ${model.zone}, ${plural(model.spikes.length, 'spike')}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>
        {title}
      </Text>
      <Chart model={model} state={state} height={chartHeight} color={color} />
      {state.help ? (
        <Help rows={Math.min(lowerRows, HELP_LINES.length)} />
      ) : spike ? (
        <DetailPane spike={spike} state={state} flows={flows} logs={logs} rows={lowerRows} width={width} zone={model.zone} color={color} />
      ) : (
        <Lanes counts={counts} state={state} color={color} />
      )}
      <StatusLine model={model} state={state} counts={counts} />
      <KeyLine state={state} />
    </Box>
  );
}
