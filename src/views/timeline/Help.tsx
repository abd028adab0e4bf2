// The `?` screen: every key, and how to read the chart. The only documentation a first look needs.
import React from 'react';
import { Box, Text } from 'ink';
import { RECURRING_MARK, SPIKE_MARK } from './Chart.js';

export const HELP_LINES = [
  'Keys',
  '  ← → or h l   move the cursor one column      Home End  first / last bin',
  '  + -          zoom in / out',
  '  n N          jump to the next / previous spike',
  '  Enter        explain the spike under (or nearest) the cursor',
  '  Esc          close the explanation; again: clear the filter',
  '  Tab          focus: chart, flows table, log lines',
  '  ↑ ↓ or j k   scroll the focused list (PgUp PgDn: a page)',
  '  s            sort flows by bytes, packets, start, duration',
  '  /            filter by host, service or text (Enter applies, Esc cancels)',
  '  ?            this screen        q  quit',
  `Chart: bytes per column. ${SPIKE_MARK.peak}${SPIKE_MARK.span} spike (peak), ${RECURRING_MARK.peak}${RECURRING_MARK.span} recurring spike, ↑ cursor.`,
  'Lanes: a tick where log events fall (· one, : a few, ┃ many).',
  'Any key closes this screen.',
];

export function Help({ rows }: { rows: number }): React.JSX.Element {
  return (
    <Box flexDirection="column">
      {HELP_LINES.slice(0, rows).map((l, i) => (
        <Text key={i} wrap="truncate" bold={i === 0}>
          {l}
        </Text>
      ))}
    </Box>
  );
}
