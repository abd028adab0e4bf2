// Without a terminal the timeline says so in one line and exits 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../helpers.js';
import { NO_TTY_MESSAGE, runTimeline, terminalProblem } from '../../../src/views/timeline/run.js';
import { dayModel } from './synthetic.js';

function fakeStreams(stdinTTY: boolean, stdoutTTY: boolean) {
  const written: string[] = [];
  const stderr = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const stdin = { isTTY: stdinTTY } as unknown as NodeJS.ReadStream;
  const stdout = { isTTY: stdoutTTY, write: () => assert.fail('nothing may be drawn') } as unknown as NodeJS.WriteStream;
  return { stdin, stdout, stderr, written };
}

for (const [stdinTTY, stdoutTTY] of [[false, false], [true, false], [false, true]] as const) {
  test(`stdin ${stdinTTY ? 'a TTY' : 'piped'}, stdout ${stdoutTTY ? 'a TTY' : 'piped'}: one line on stderr, exit 2`, async () => {
    const s = fakeStreams(stdinTTY, stdoutTTY);
    assert.equal(await runTimeline(dayModel(), s), 2);
    assert.deepEqual(s.written, [NO_TTY_MESSAGE]);
    assert.equal(terminalProblem(s), NO_TTY_MESSAGE);
    assert.equal(NO_TTY_MESSAGE.trimEnd().split('\n').length, 1);
    assert.match(NO_TTY_MESSAGE, /needs a terminal/);
    assert.match(NO_TTY_MESSAGE, /flowlink explain/);
    assert.match(NO_TTY_MESSAGE, /--json/);
  });
}

test('a real process with pipes gets the message and exit code 2', () => {
  const script = path.join(ROOT, 'dist', 'test', 'views', 'timeline', 'open-sample.js');
  const r = spawnSync(process.execPath, [script, '--open'], { encoding: 'utf8', input: '' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, NO_TTY_MESSAGE);
  assert.equal(r.stdout, '');
});

test('with both a TTY there is no problem to report', () => {
  const tty = { isTTY: true } as unknown as NodeJS.ReadStream & NodeJS.WriteStream;
  assert.equal(terminalProblem({ stdin: tty, stdout: tty }), undefined);
});
