// A spike's explanation: the answer, each rule's finding (confidence, summary), then the flows
// table or the matched log lines in full, whichever has the focus. Everything is windowed.
import React from 'react';
import { Box, Text } from 'ink';
import { formatPercent, formatBytes } from '../../units.js';
import { fit, wrapText } from './Cells.js';
import { terminalSafe } from '../terminal-safe.js';
import type { FlowRow, LogRow } from './detail.js';
import { FlowsTable } from './FlowsTable.js';
import type { TimelineSpike } from './model.js';
import type { State } from './state.js';

interface Props {
  spike: TimelineSpike;
  state: State;
  flows: FlowRow[];
  logs: LogRow[];
  rows: number;
  width: number;
  zone: string;
  color: boolean;
}

/** Rows the pane gives its list, after the header, the explanations and the tab line. */
export function detailLayout(spike: TimelineSpike, rows: number, width: number) {
  const x = spike.explained;
  const headline = wrapText(terminalSafe(spike.headline), width).slice(0, rows >= 14 ? 3 : 2);
  const share = x.spike.bytes > 0 ? x.unexplainedBytes / x.spike.bytes : 0;
  const notes = [
    `unexplained ${formatBytes(x.unexplainedBytes)} (${formatPercent(share)} of the spike)` +
      (x.scheduled ? `; ${x.scheduled}` : ''),
  ];
  const fixed = headline.length + notes.length + 1;
  // Two rows per explanation, at most half of what is left.
  const forExplanations = 2 * Math.max(0, Math.min(x.explanations.length, Math.floor((rows - fixed) / 4)));
  const list = Math.max(0, rows - fixed - forExplanations);
  return { headline, notes, forExplanations, list };
}

function LogLines({ logs, offset, visible, width, focused }: { logs: LogRow[]; offset: number; visible: number; width: number; focused: boolean }) {
  const lines: { key: string; text: string; first: boolean }[] = [];
  for (let i = offset; i < logs.length && lines.length < visible; i++) {
    const l = logs[i].log;
    const wrapped = wrapText(terminalSafe(`${l.origin.file}:${l.origin.line}  ${l.origin.raw}`), width);
    wrapped.forEach((text, j) => lines.push({ key: `${i}.${j}`, text, first: j === 0 }));
  }
  if (logs.length === 0) lines.push({ key: 'none', text: 'no log lines matched (or none left by the filter)', first: true });
  return (
    <Box flexDirection="column">
      {lines.slice(0, visible).map((l) => (
        <Text key={l.key} wrap="truncate" dimColor={!focused}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}

export function DetailPane({ spike, state, flows, logs, rows, width, zone, color }: Props): React.JSX.Element {
  const x = spike.explained;
  const { headline, notes, forExplanations, list } = detailLayout(spike, rows, width);
  const explanationLines: React.JSX.Element[] = [];
  const shownExplanations = Math.floor(forExplanations / 2);
  x.explanations.slice(0, shownExplanations).forEach((e, i) => {
    const more = i === shownExplanations - 1 && x.explanations.length > shownExplanations ? `  (+${x.explanations.length - shownExplanations} more)` : '';
    explanationLines.push(
      <Text key={`t${i}`} wrap="truncate">
        <Text color={color ? 'green' : undefined} bold>
          {terminalSafe(e.title)}
        </Text>
        {`  confidence ${e.confidence.toFixed(2)}  [${e.rule}]  ${formatBytes(e.bytes)}${more}`}
      </Text>,
      <Text key={`s${i}`} wrap="truncate">
        {`  ${terminalSafe(e.summary)}`}
      </Text>,
    );
  });
  const showLogs = state.focus === 'logs';
  const tabs = `${showLogs ? ' flows ' : '[flows]'} ${flows.length} by ${state.sort}   ${showLogs ? '[log lines]' : ' log lines '} ${logs.length}   Tab switches, s sorts`;
  const listRows = Math.max(0, list);
  const maxFlowOffset = Math.max(0, flows.length - (listRows - 1));
  const maxLogOffset = Math.max(0, logs.length - 1);
  return (
    <Box flexDirection="column">
      {headline.map((h, i) => (
        <Text key={`h${i}`} bold wrap="truncate">
          {h}
        </Text>
      ))}
      {notes.map((n, i) => (
        <Text key={`n${i}`} wrap="truncate" color={color ? 'yellow' : undefined}>
          {n}
        </Text>
      ))}
      {x.explanations.length === 0 ? null : explanationLines}
      <Text wrap="truncate" dimColor>
        {fit(tabs, width)}
      </Text>
      {showLogs ? (
        <LogLines logs={logs} offset={Math.min(state.scroll.logs, maxLogOffset)} visible={listRows} width={width} focused />
      ) : (
        <FlowsTable rows={flows} offset={Math.min(state.scroll.flows, maxFlowOffset)} visible={listRows} sort={state.sort} zone={zone} focused={state.focus === 'flows'} color={color} />
      )}
    </Box>
  );
}
