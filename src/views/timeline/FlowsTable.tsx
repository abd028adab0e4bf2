// The spike's flows as a table, like rasort: sorted by `s`, windowed, so a spike with a
// hundred thousand flows renders only the rows that fit.
import React from 'react';
import { Box, Text } from 'ink';
import { protoName } from '../../../parsers/port-names.js';
import { formatClock, MICROS_PER_SECOND } from '../../time.js';
import { formatBytes, formatDuration } from '../../units.js';
import type { FlowRow } from './detail.js';
import type { SortKey } from './state.js';

function endpoint(addr: string, port: number | null): string {
  const a = addr.includes(':') ? `[${addr}]` : addr;
  return port === null ? a : `${a}:${port}`;
}

/** 2501219 -> '2.5M', 68916 -> '68.9k': packet counts in six columns. */
export function compactCount(n: number): string {
  if (n < 100_000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(0)}k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

const HEAD: [SortKey | null, string, number][] = [
  ['start', 'start', 8],
  ['duration', 'dur', 6],
  ['bytes', 'in spike', 9],
  ['pkts', 'pkts', 6],
  [null, ' ', 1],
  [null, 'flow, rule', 0],
];

export function headerLine(sort: SortKey): string {
  return HEAD.map(([k, label, w]) => {
    const l = k === sort ? `${label}▼` : label;
    return w ? (k === 'start' || k === null ? l.padEnd(w) : l.padStart(w)) : l;
  }).join(' ');
}

export function rowLine(r: FlowRow, zone: string): string {
  const f = r.flow;
  return [
    formatClock(f.start, zone, false).padEnd(8),
    formatDuration((f.end - f.start) / MICROS_PER_SECOND).padStart(6),
    formatBytes(r.bytes).padStart(9),
    compactCount(f.pkts).padStart(6),
    r.rule ? '✓' : '?',
    `${protoName(f.proto)} ${endpoint(f.src, f.sport)} ${f.dir ?? '->'} ${endpoint(f.dst, f.dport)}  ${r.rule ?? 'unexplained'}`,
  ].join(' ');
}

interface Props {
  rows: FlowRow[];
  offset: number;
  visible: number;
  sort: SortKey;
  zone: string;
  focused: boolean;
  color: boolean;
}

export function FlowsTable({ rows, offset, visible, sort, zone, focused, color }: Props): React.JSX.Element {
  const shown = rows.slice(offset, offset + Math.max(0, visible - 1));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold={focused} dimColor={!focused}>
        {headerLine(sort)}
      </Text>
      {shown.map((r) => (
        <Text key={r.flow.flowId} wrap="truncate" color={color ? (r.rule ? 'green' : 'yellow') : undefined} dimColor={!focused}>
          {rowLine(r, zone)}
        </Text>
      ))}
    </Box>
  );
}
