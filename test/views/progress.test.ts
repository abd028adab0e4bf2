// The progress bar: drawn in a real terminal (tmux), absent from pipes and CI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';
import { progressWanted, rateAndEta, shortName } from '../../src/views/progress.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');

function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_') || k === 'TMUX' || k === 'TMUX_PANE') continue;
    env[k] = v;
  }
  return { ...env, TERM: 'xterm-256color', TZ: 'UTC', NO_COLOR: '1' };
}

test('a bar only for a terminal that is not dumb and not a CI job', () => {
  assert.equal(progressWanted({ isTTY: true }, { TERM: 'xterm' }), true);
  assert.equal(progressWanted({ isTTY: false }, { TERM: 'xterm' }), false);
  assert.equal(progressWanted({ isTTY: true }, { TERM: 'xterm', CI: 'true' }), false);
  assert.equal(progressWanted({ isTTY: true }, { TERM: 'dumb' }), false);
});

test('rate and time left from bytes read and time spent', () => {
  assert.deepEqual(rateAndEta(10 * 2 ** 20, 40 * 2 ** 20, 2), { rate: '5.00 MiB/s', left: '6s left' });
  assert.deepEqual(rateAndEta(2 ** 20, 600 * 2 ** 20, 1), { rate: '1.00 MiB/s', left: '9m59s left' });
  assert.deepEqual(rateAndEta(0, 100, 0), { rate: '', left: '' });
  assert.equal(shortName('/var/log/some/deep/folder/messages', 12), 'messages');
});

test('nothing on stderr when it is a pipe: no bar, no escape codes', () => {
  const r = spawnSync(process.execPath, [CLI, 'spikes', SAMPLE], { encoding: 'utf8', env: userEnv() });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

const tmuxOk = spawnSync('tmux', ['-V']).status === 0;

test('in a real terminal: a bar with bytes read of the size, rate, time left and file, then cleared', { skip: tmuxOk ? false : 'tmux is not installed (.ci/run installs it)', timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'flowlink-progress-'));
  const socket = path.join(dir, 'socket');
  const session = `progress-${process.pid}`;
  const go = path.join(dir, 'go');
  const raw = path.join(dir, 'raw');
  t.after(() => {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  });
  const tmux = (...args: string[]) => {
    const r = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env: userEnv() });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  // The command waits (bounded) for the go file, so the capture is attached before the first byte.
  const command =
    `for i in $(seq 100); do [ -e ${JSON.stringify(go)} ] && break; sleep 0.1; done; ` +
    `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} spikes ${JSON.stringify(SAMPLE)} > /dev/null; echo "spikes exited $?"; sleep 30`;
  tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command);
  tmux('pipe-pane', '-t', session, '-o', `cat >> ${JSON.stringify(raw)}`);
  spawnSync('touch', [go]);
  let screen = '';
  for (let i = 0; i < 150 && !/spikes exited/.test(screen); i++) {
    await new Promise((r) => setTimeout(r, 100));
    screen = tmux('capture-pane', '-p', '-t', session);
  }
  assert.match(screen, /spikes exited 0/);
  assert.ok(existsSync(raw), 'pipe-pane captured the output');
  const written = readFileSync(raw, 'utf8');
  // What was drawn, frame by frame: cli-progress redraws the line from column 1 (ESC[1G).
  const frames = written.split('\x1b[1G').map((f) => f.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, ''));
  const argus = frames.find((f) => /\d+% +[\d.]+ (KiB|MiB) of 1\.21 MiB +[\d.]+ (KiB|MiB|GiB)\/s +(<1s|\d+s) left +argus\.txt/.test(f));
  assert.ok(argus, `no bar for argus.txt in:\n${frames.join('\n')}`);
  assert.ok(frames.some((f) => / of 11\.2 KiB .*messages/.test(f)), 'a bar for the log file too');
  // Cleared at the end: the screen holds no bar, only what came after.
  assert.doesNotMatch(screen, /% .* of .* left/);
});
