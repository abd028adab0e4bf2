// The timeline as a user sees it: keys written to stdin, the frame read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Text } from 'ink';
import { App, MIN_COLUMNS, MIN_ROWS } from '../../../src/views/timeline/App.js';
import { Cells } from '../../../src/views/timeline/Cells.js';
import { colorWanted } from '../../../src/views/timeline/run.js';
import { dayModel } from './synthetic.js';
import { KEY, mount, statusLine } from './keys.js';

const SIZE = { columns: 80, rows: 24 };
const app = (size = SIZE) => mount(<App model={dayModel()} color={false} size={size} />);

test('the first frame fits 80x24 and shows the chart, its scale, the spikes, the lanes and the status line', async () => {
  const t = await app();
  const lines = t.frame().split('\n');
  assert.ok(lines.length <= 23, `${lines.length} lines`);
  assert.ok(lines.every((l) => [...l].length <= 80), 'no line wider than the terminal');
  assert.match(lines[0], /^flowlink timeline {2}3 flows, 5 log events, 40m per column, UTC, 2 spikes/);
  assert.match(t.frame(), /^ 2\.64 GiB┤/m);
  assert.match(t.frame(), /^ +0┤/m);
  assert.match(t.frame(), /▲/, 'the spike is marked');
  assert.match(t.frame(), /◆/, 'the recurring spike is marked differently');
  for (const lane of ['ftp', 'mail', 'web', 'other']) assert.match(t.frame(), new RegExp(`^ +${lane} │`, 'm'));
  assert.match(t.frame(), /^ {10}03-08 {4}06:00 {4}12:00 {4}18:00$/m, 'time labels');
  assert.match(statusLine(t.frame()), /^2008-03-08 03:20 \+40m {2}2\.64 GiB {2}2 events \(ftp 2\) {2}spike 1$/);
  t.unmount();
});

test('moving the cursor changes the status line', async () => {
  const t = await app();
  const before = statusLine(t.frame());
  await t.press(KEY.right);
  const after = statusLine(t.frame());
  assert.notEqual(after, before);
  assert.match(after, /^2008-03-08 04:00 \+40m {2}8\.00 MiB {2}0 events$/);
  await t.press('h');
  assert.equal(statusLine(t.frame()), before);
  t.unmount();
});

test('n jumps to the next spike, N back', async () => {
  const t = await app();
  await t.press('n');
  assert.match(statusLine(t.frame()), /^2008-03-08 14:40 .* spike 2 \(recurring\)$/);
  await t.press('N');
  assert.match(statusLine(t.frame()), /spike 1$/);
  t.unmount();
});

test('a user name with terminal escapes is shown, not obeyed, in the explanation and the log lines', async () => {
  const t = await mount(<App model={dayModel('UTC', 'x\u001b[2J\u001b]0;pwned\u0007y@example.com')} color={false} size={SIZE} />);
  await t.press(KEY.enter);
  const raw = () => t.lastFrame() ?? '';
  assert.match(raw(), /x\^\[\[2J\^\[\]0;pwned\^Gy@example\.com uploaded \/home\/xxx\/backup\.tar/);
  await t.press(KEY.tab);
  assert.match(raw(), /messages:98 {2}Mar {2}8 03:44:00 server ftpd:\n\(x\^\[\[2J\^\[\]0;pwned\^Gy@example\.com@192/);
  // ink's own frame has no colours here (color false): no ESC at all may be in it.
  assert.ok(!raw().includes('\u001b[2J') && !raw().includes('\u0007'), raw());
  t.unmount();
});

test('Enter shows the explanation, Tab the matched log lines, s re-sorts, Esc closes', async () => {
  const t = await app();
  await t.press(KEY.enter);
  let f = t.frame();
  assert.match(f, /Spike 2008-03-08 03:30-03:45 on 10\.2\.3\.102/);
  assert.match(f, /FTP upload {2}confidence 0\.90 {2}\[ftp_upload\]/);
  assert.match(f, /xxx@xxx\.com uploaded \/home\/xxx\/backup\.tar/);
  assert.match(f, /unexplained 220 MiB \(8\.2% of the spike\)/);
  assert.match(f, /in spike▼/);
  assert.match(f, / ✓ tcp 192\.168\.134\.56:\d+ -> 10\.2\.3\.102:21  ft/);
  assert.match(f, / \? tcp 192\.168\.200\.77:\d+ -> 10\.2\.3\.102:21  un/);
  assert.doesNotMatch(f, /^ +ftp │/m, 'the pane takes the lanes\' place');
  await t.press('s');
  assert.match(t.frame(), /pkts▼/);
  await t.press(KEY.tab);
  f = t.frame();
  assert.match(f, /\[log lines\] 1/);
  assert.match(f, /messages:98 {2}Mar {2}8 03:44:00 server ftpd: \(xxx@xxx\.com@192\.168\.134\.56\) \[NOTICE\]/);
  await t.press(KEY.escape);
  f = t.frame();
  assert.doesNotMatch(f, /FTP upload {2}confidence/);
  assert.match(f, /^ +ftp │/m);
  t.unmount();
});

test('/ filters: typing shows the draft, Enter applies it to spikes and lanes', async () => {
  const t = await app();
  await t.press('/', 'm', 'a', 'i', 'l');
  assert.match(t.frame(), /^\/mail█/m);
  await t.press('q'); // typed, not quit
  await t.press(KEY.backspace, KEY.enter);
  const f = t.frame();
  assert.match(f, /filter 'mail': 0 of 2 spikes match/);
  const ftpLane = f.split('\n').find((l) => /^ +ftp │/.test(l)) ?? '';
  const mailLane = f.split('\n').find((l) => /^ +mail │/.test(l)) ?? '';
  assert.doesNotMatch(ftpLane.slice(10), /[·:┃]/, 'ftp events filtered out');
  assert.match(mailLane.slice(10), /[·:┃]/);
  await t.press(KEY.enter);
  assert.match(t.frame(), /no spike matches the filter/);
  await t.press(KEY.escape);
  assert.doesNotMatch(statusLine(t.frame()), /filter/);
  t.unmount();
});

test('? shows the keys; any key closes them', async () => {
  const t = await app();
  await t.press('?');
  assert.match(t.frame(), /^Keys$/m);
  assert.match(t.frame(), /n N +jump to the next \/ previous spike/);
  await t.press('x');
  assert.doesNotMatch(t.frame(), /^Keys$/m);
  t.unmount();
});

test('+ and - zoom: the column width in the title follows', async () => {
  const t = await app();
  await t.press('+');
  assert.match(t.frame().split('\n')[0], /20m per column/);
  await t.press('-', '-');
  assert.match(t.frame().split('\n')[0], /40m per column/);
  assert.match(t.frame(), /the whole span is in view/);
  t.unmount();
});

test('q exits: ink unmounts and stops reading keys', async () => {
  const t = await app();
  assert.ok(t.stdin.listenerCount('readable') > 0);
  await t.press('q');
  assert.equal(t.stdin.listenerCount('readable'), 0);
  t.unmount();
});

test('a terminal smaller than the minimum gets one line asking to enlarge it', async () => {
  const t = await app({ columns: 50, rows: 12 });
  const f = t.frame();
  assert.equal(f.split('\n').length, 1);
  assert.match(f, new RegExp(`^Please enlarge the terminal to ${MIN_COLUMNS}x${MIN_ROWS} for the timeline \\(now 50x12\\)$`));
  t.unmount();
});

test('the layout follows resize events of the terminal', async () => {
  const t = await mount(<App model={dayModel()} color={false} />);
  const stdout = t.stdout as unknown as { emit(e: string): void };
  Object.defineProperty(t.stdout, 'columns', { value: 70, configurable: true });
  Object.defineProperty(t.stdout, 'rows', { value: 20, configurable: true });
  stdout.emit('resize');
  await new Promise((r) => setTimeout(r, 50));
  const lines = t.frame().split('\n');
  assert.ok(lines.length <= 19, `${lines.length} lines`);
  assert.ok(lines.every((l) => [...l].length <= 70));
  Object.defineProperty(t.stdout, 'columns', { value: 40, configurable: true });
  stdout.emit('resize');
  await new Promise((r) => setTimeout(r, 50));
  assert.match(t.frame(), /Please enlarge the terminal/);
  t.unmount();
});

test('colours follow NO_COLOR, FORCE_COLOR and the terminal', async () => {
  const tty = { hasColors: () => true } as unknown as NodeJS.WriteStream;
  const dumb = { hasColors: () => false } as unknown as NodeJS.WriteStream;
  assert.equal(colorWanted(tty, {}), true);
  assert.equal(colorWanted(tty, { NO_COLOR: '1' }), false);
  assert.equal(colorWanted(dumb, {}), false);
  assert.equal(colorWanted(dumb, { FORCE_COLOR: '1' }), true);
  // Without colour a cell keeps its character and inverse, not its colour.
  const t = await mount(<Cells cells={[{ ch: 'a', color: 'red' }, { ch: 'b', color: 'red' }]} color={false} />);
  assert.equal(t.frame(), 'ab');
  t.unmount();
  void Text;
});

test('keys that arrive together are each read after the one before (paste, tmux send-keys)', async () => {
  const t = await app();
  for (const k of ['/', 'm', 'a', 'i', 'l', KEY.enter]) t.stdin.write(k);
  await new Promise((r) => setTimeout(r, 50));
  assert.match(statusLine(t.frame()), /filter 'mail'$/);
  t.unmount();
});

test('several keys in one chunk are read one by one', async () => {
  const t = await app();
  t.stdin.write('++n');
  await new Promise((r) => setTimeout(r, 50));
  assert.match(t.frame().split('\n')[0], /10m per column/);
  assert.match(statusLine(t.frame()), /spike 2/);
  t.stdin.write('\r');
  await new Promise((r) => setTimeout(r, 50));
  assert.match(t.frame(), /^Spike 2008-03-08 15:00/m);
  t.unmount();
});
