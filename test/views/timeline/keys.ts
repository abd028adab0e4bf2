// Driving an ink-testing-library render with key presses and reading its frames.
import type React from 'react';
import { render } from 'ink-testing-library';

export const KEY = { right: '\u001B[C', left: '\u001B[D', up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', tab: '\t', backspace: '\u007F' };

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;?]*[A-Za-z]/g;

export const settle = () => new Promise((resolve) => setTimeout(resolve, 25));

export async function mount(tree: React.ReactElement) {
  const r = render(tree);
  await settle();
  return {
    ...r,
    frame: () => (r.lastFrame() ?? '').replace(ANSI, '').split('\n').map((l) => l.trimEnd()).join('\n'),
    async press(...keys: string[]) {
      for (const k of keys) {
        const before = r.lastFrame();
        r.stdin.write(k);
        await settle();
        // On a loaded machine (CI runs tests in parallel) a frame can take longer than 25 ms:
        // wait for it, but not forever, since some keys change nothing.
        for (let waited = 0; r.lastFrame() === before && waited < 500; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** The frame's line that starts with a date: the status line. */
export function statusLine(frame: string): string {
  return frame.split('\n').find((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d \+/.test(l)) ?? '';
}
