// Starting the timeline: a terminal is required (it is interactive); without one, say so in
// one line and point to the commands that print the same answer.
import React from 'react';
import { render } from 'ink';
import { App } from './App.js';
import type { TimelineModel } from './model.js';

export interface RunTimelineOptions {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export const NO_TTY_MESSAGE =
  'flowlink: the timeline needs a terminal (stdin and stdout must be a TTY); for a report use `flowlink explain` with the same inputs, or `flowlink explain --json`\n';

/** NO_COLOR (any value, https://no-color.org) or a terminal without colours turns colours off. */
export function colorWanted(stdout: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return typeof stdout.hasColors === 'function' ? stdout.hasColors(env) : false;
}

/**
 * The one-line message when the timeline cannot run here (stdin or stdout not a TTY), else
 * undefined. The CLI may ask before reading its inputs, so a pipe fails at once.
 */
export function terminalProblem(options: Pick<RunTimelineOptions, 'stdin' | 'stdout'> = {}): string | undefined {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  return stdin.isTTY && stdout.isTTY ? undefined : NO_TTY_MESSAGE;
}

/** Runs until `q` (or Ctrl+C). Exit code: 0 after quitting, 2 without a terminal. */
export async function runTimeline(model: TimelineModel, options: RunTimelineOptions = {}): Promise<number> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const problem = terminalProblem({ stdin, stdout });
  if (problem) {
    stderr.write(problem);
    return 2;
  }
  // The alternate screen keeps the user's scrollback as it was when the timeline closes.
  stdout.write('\u001B[?1049h\u001B[H');
  try {
    const instance = render(React.createElement(App, { model, color: colorWanted(stdout, env) }), { stdin, stdout, stderr, exitOnCtrlC: true, patchConsole: false });
    await instance.waitUntilExit();
  } finally {
    stdout.write('\u001B[?1049l');
  }
  return 0;
}
