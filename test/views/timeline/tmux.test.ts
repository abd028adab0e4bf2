// The timeline in a real terminal: tmux runs it at 80x24, keys go in with send-keys, the
// screen comes back with capture-pane. Skipped, with the reason, where tmux is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../../helpers.js';

const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const SAMPLE = path.join(ROOT, 'samples', 'backup-spike');
// A private server socket (removed afterwards) and a session named after this process:
// no other tmux server or session is touched.
let socketDir = '';
const socket = () => path.join(socketDir, 'socket');
const SESSION = `timeline-${process.pid}`;

const tmuxVersion = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
const skip = tmuxVersion.status === 0 ? false : 'tmux is not installed (Debian package tmux; .ci/run installs it)';

/** The environment of an interactive user: no CI markers (ink draws only a final frame in CI). */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_') || k === 'TMUX' || k === 'TMUX_PANE') continue;
    env[k] = v;
  }
  return { ...env, TERM: 'xterm-256color', TZ: 'UTC', NO_COLOR: '1' };
}

function tmux(...args: string[]) {
  const r = spawnSync('tmux', ['-S', socket(), ...args], { encoding: 'utf8', env: userEnv() });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const screen = () => tmux('capture-pane', '-p', '-t', SESSION);

async function waitFor(what: RegExp, timeoutMs = 15_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    last = screen();
    if (what.test(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`screen never showed ${what}; last screen:\n${last}`);
}

const statusOf = (s: string) => s.split('\n').find((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d \+/.test(l)) ?? '';

test('in a real 80x24 terminal: find the spike, read its FTP explanation, quit', { skip, timeout: 60_000 }, async (t) => {
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} timeline ${JSON.stringify(SAMPLE)}; echo "timeline exited $?"; sleep 60`;
  socketDir = mkdtempSync(path.join(tmpdir(), 'flowlink-tmux-'));
  t.after(() => {
    spawnSync('tmux', ['-S', socket(), 'kill-session', '-t', SESSION]);
    rmSync(socketDir, { recursive: true, force: true });
  });
  tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '24', command);
  assert.equal(tmux('display-message', '-p', '-t', SESSION, '#{pane_width}x#{pane_height}').trim(), '80x24');

  let s = await waitFor(/^flowlink timeline {2}3882 flows, 116 log events/m);
  assert.match(s, /GiB┤/);
  assert.match(s, /[▲◆]/, 'the spikes are marked');
  assert.match(s, /^ +ftp │.*[·:┃]/m, 'ftp events in their lane');
  assert.match(statusOf(s), /spike 1/, 'the cursor starts on the first spike');
  assert.ok(s.split('\n').every((l) => [...l].length <= 80));

  const before = statusOf(s);
  tmux('send-keys', '-t', SESSION, 'Right');
  s = await waitFor(/^\d{4}-\d\d-\d\d \d\d:\d\d \+/m);
  await new Promise((r) => setTimeout(r, 300));
  s = screen();
  assert.notEqual(statusOf(s), before, 'the cursor moved');

  tmux('send-keys', '-t', SESSION, 'n');
  s = await waitFor(/^2008-03-08 .*spike 2/m);

  tmux('send-keys', '-t', SESSION, 'Enter');
  s = await waitFor(/FTP upload {2}confidence/);
  assert.match(s, /^Spike 2008-03-08 03:20-03:45 on 10\.2\.3\.102, 1\.72 GiB: 3 FTP uploads by/m);
  assert.match(s, /xxx@xxx\.com uploaded \/home\/xxx\//);
  assert.match(s, /unexplained 54\.9 MiB \(3\.1% of the spike\)/);
  assert.match(s, /✓ tcp 192\.168\.134\.56:39448 -> 10\.2\.3\.102:46743/);

  tmux('send-keys', '-t', SESSION, 'q');
  s = await waitFor(/timeline exited 0/);
});
