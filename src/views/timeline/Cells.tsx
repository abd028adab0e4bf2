// One terminal line built cell by cell: runs of equal style become one <Text>, so a row of the
// chart is a handful of nodes however wide the terminal is.
import React from 'react';
import { Text } from 'ink';

export interface Cell {
  ch: string;
  color?: string;
  inverse?: boolean;
  dim?: boolean;
  bold?: boolean;
}

const sameStyle = (a: Cell, b: Cell) => a.color === b.color && !!a.inverse === !!b.inverse && !!a.dim === !!b.dim && !!a.bold === !!b.bold;

/** `color` false drops colours (NO_COLOR) but keeps inverse, dim and bold. */
export function Cells({ cells, color }: { cells: Cell[]; color: boolean }): React.JSX.Element {
  const runs: { style: Cell; text: string }[] = [];
  for (const cell of cells) {
    const last = runs[runs.length - 1];
    if (last && sameStyle(last.style, cell)) last.text += cell.ch;
    else runs.push({ style: cell, text: cell.ch });
  }
  return (
    <Text wrap="truncate">
      {runs.map((r, i) => (
        <Text key={i} color={color ? r.style.color : undefined} inverse={r.style.inverse} dimColor={r.style.dim} bold={r.style.bold}>
          {r.text}
        </Text>
      ))}
    </Text>
  );
}

export function cellsOf(text: string, style: Omit<Cell, 'ch'> = {}): Cell[] {
  return [...text].map((ch) => ({ ch, ...style }));
}

/** Pad or cut to exactly `width` characters. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length >= width ? chars.slice(0, width).join('') : text + ' '.repeat(width - chars.length);
}

/** Wrap to `width` at spaces where it can, hard where a word is longer; for panes that must know how many rows a text takes. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let rest = [...line];
    if (rest.length === 0) out.push('');
    while (rest.length > 0) {
      if (rest.length <= w) {
        out.push(rest.join(''));
        break;
      }
      const space = rest.lastIndexOf(' ', w);
      const cut = space > 0 ? space : w;
      out.push(rest.slice(0, cut).join(''));
      rest = rest.slice(space > 0 ? cut + 1 : cut);
    }
  }
  return out;
}
