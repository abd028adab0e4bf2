// The timeline's keys as reducer actions, without rendering anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cursorColumn, fitBinsPerColumn, initialState, matchingSpikes, reducer, spikeNearCursor, viewEnd, type Action, type Nav, type State } from '../../../src/views/timeline/state.js';

// 400 bins; spikes around bins 50, 200 and 350.
const NAV: Nav = {
  bins: 400,
  spikes: [
    { first: 48, last: 52, peak: 50, text: '10.0.0.1 ftp_upload xxx@xxx.com' },
    { first: 198, last: 203, peak: 200, text: '10.0.0.2 smtp mail' },
    { first: 349, last: 351, peak: 350, text: '10.0.0.1 ftp_upload backup' },
  ],
};

const run = (s: State, ...actions: Action[]) => actions.reduce(reducer, s);
const start = (columns = 100) => initialState(NAV, columns);

test('the initial zoom fits every bin and the cursor starts on the first spike', () => {
  const s = start(100);
  assert.equal(s.binsPerColumn, 4);
  assert.equal(fitBinsPerColumn(400, 100), 4);
  assert.equal(fitBinsPerColumn(400, 400), 1);
  assert.equal(s.cursor, 50);
  assert.equal(s.viewStart, 0);
  assert.equal(viewEnd(s), 400);
});

test('move steps one column of bins and stops at the ends', () => {
  const s = start(100);
  assert.equal(run(s, { type: 'move', by: 1 }).cursor, 54);
  assert.equal(run(s, { type: 'move', by: -1 }).cursor, 46);
  assert.equal(run(s, { type: 'move', by: -1000 }).cursor, 0);
  assert.equal(run(s, { type: 'move', by: 1000 }).cursor, 399);
  assert.equal(run(s, { type: 'move-to', edge: 'end' }).cursor, 399);
  assert.equal(run(s, { type: 'move-to', edge: 'start' }).cursor, 0);
});

test('zoom in halves the bins per column and keeps the cursor in view; zoom out stops at the whole span', () => {
  let s = start(100);
  s = run(s, { type: 'move', by: 50 }); // cursor 250
  s = run(s, { type: 'zoom-in' }, { type: 'zoom-in' });
  assert.equal(s.binsPerColumn, 1);
  assert.ok(s.cursor >= s.viewStart && s.cursor < viewEnd(s), 'cursor in view');
  assert.equal(s.viewStart % s.binsPerColumn, 0);
  const further = run(s, { type: 'zoom-in' });
  assert.equal(further.binsPerColumn, 1);
  assert.match(further.message ?? '', /zoomed in as far/);
  s = run(s, { type: 'zoom-out' }, { type: 'zoom-out' }, { type: 'zoom-out' });
  assert.equal(s.binsPerColumn, 4);
  assert.match(s.message ?? '', /whole span/);
  assert.equal(s.viewStart, 0);
});

test('moving past the right edge when zoomed in scrolls the view', () => {
  let s = run(start(100), { type: 'zoom-in' }, { type: 'zoom-in' }); // 1 bin per column, 100 columns
  s = run(s, { type: 'move-to', edge: 'start' });
  assert.equal(s.viewStart, 0);
  for (let i = 0; i < 150; i++) s = reducer(s, { type: 'move', by: 1 });
  assert.equal(s.cursor, 150);
  assert.ok(s.viewStart > 50 && s.viewStart <= 150);
  assert.ok(s.cursor < viewEnd(s));
});

test('n and N jump between spike peaks and say when there is none', () => {
  let s = start(100);
  s = run(s, { type: 'next-spike' });
  assert.equal(s.cursor, 200);
  s = run(s, { type: 'next-spike' });
  assert.equal(s.cursor, 350);
  const end = run(s, { type: 'next-spike' });
  assert.equal(end.cursor, 350);
  assert.equal(end.message, 'no later spike');
  s = run(s, { type: 'previous-spike' }, { type: 'previous-spike' });
  assert.equal(s.cursor, 50);
  assert.equal(run(s, { type: 'previous-spike' }).message, 'no earlier spike');
  // A message lasts one key.
  assert.equal(run(end, { type: 'move', by: -1 }).message, undefined);
});

test('Enter opens the spike under the cursor, else the nearest; Esc closes it', () => {
  let s = start(100);
  s = run(s, { type: 'open-detail' });
  assert.equal(s.detail, 0);
  assert.equal(s.focus, 'flows');
  s = run(s, { type: 'escape' });
  assert.equal(s.detail, null);
  assert.equal(s.focus, 'chart');
  s = run(s, { type: 'move-to', edge: 'start' }, { type: 'move', by: 60 }); // bin 240: nearest is the spike at 198-203
  assert.equal(spikeNearCursor(s), 1);
  s = run(s, { type: 'open-detail' });
  assert.equal(s.detail, 1);
  // n with the pane open moves the pane to the next spike.
  s = run(s, { type: 'next-spike' });
  assert.equal(s.detail, 2);
});

test('Enter without spikes says so', () => {
  const s = initialState({ bins: 10, spikes: [] }, 80);
  assert.equal(s.cursor, 0);
  const after = reducer(s, { type: 'open-detail' });
  assert.equal(after.detail, null);
  assert.equal(after.message, 'no spikes in this data');
  assert.equal(reducer(s, { type: 'next-spike' }).message, 'no spikes in this data');
});

test('Tab cycles the focus through the panes that are open', () => {
  let s = start();
  assert.equal(run(s, { type: 'focus-next' }).focus, 'chart');
  s = run(s, { type: 'open-detail' });
  const order = [s.focus];
  for (let i = 0; i < 3; i++) {
    s = reducer(s, { type: 'focus-next' });
    order.push(s.focus);
  }
  assert.deepEqual(order, ['flows', 'logs', 'chart', 'flows']);
});

test('s cycles the sort through bytes, pkts, start, duration and resets the flows scroll', () => {
  let s = run(start(), { type: 'open-detail' }, { type: 'scroll', by: 5 });
  assert.equal(s.scroll.flows, 5);
  const sorts = [s.sort];
  for (let i = 0; i < 4; i++) {
    s = reducer(s, { type: 'cycle-sort' });
    sorts.push(s.sort);
  }
  assert.deepEqual(sorts, ['bytes', 'pkts', 'start', 'duration', 'bytes']);
  assert.equal(s.scroll.flows, 0);
});

test('scroll moves the focused list only, never below zero', () => {
  let s = run(start(), { type: 'scroll', by: 3 });
  assert.deepEqual(s.scroll, { flows: 0, logs: 0 }, 'no pane open');
  s = run(s, { type: 'open-detail' }, { type: 'scroll', by: 3 }, { type: 'focus-next' }, { type: 'scroll', by: 2 }, { type: 'scroll', by: -9 });
  assert.deepEqual(s.scroll, { flows: 3, logs: 0 });
});

test('/ types a filter: Enter applies it, Esc cancels, and keys are text while typing', () => {
  let s = run(start(), { type: 'filter-start' });
  assert.equal(s.draft, '');
  s = run(s, { type: 'filter-input', text: 'smtx' }, { type: 'filter-backspace' }, { type: 'filter-input', text: 'p' });
  assert.equal(s.draft, 'smtp');
  // Keys that would navigate do nothing while typing; q does not quit.
  assert.equal(run(s, { type: 'next-spike' }, { type: 'quit' }).quit, false);
  const applied = run(s, { type: 'filter-apply' });
  assert.equal(applied.filter, 'smtp');
  assert.equal(applied.draft, null);
  assert.deepEqual(matchingSpikes(applied), [1]);
  assert.match(applied.message ?? '', /1 of 3 spikes/);
  // n only visits spikes the filter keeps.
  assert.equal(run(applied, { type: 'move-to', edge: 'start' }, { type: 'next-spike' }).cursor, 200);
  assert.equal(run(applied, { type: 'move-to', edge: 'start' }, { type: 'open-detail' }).detail, 1);
  // Cancelling keeps the filter that was applied before.
  const cancelled = run(applied, { type: 'filter-start' }, { type: 'filter-input', text: 'xyz' }, { type: 'escape' });
  assert.equal(cancelled.filter, 'smtp');
  assert.equal(cancelled.draft, null);
  // Esc with nothing open clears the filter.
  assert.equal(run(applied, { type: 'escape' }).filter, '');
});

test('a filter matching no spike leaves Enter with a note', () => {
  const s = run(start(), { type: 'filter-start' }, { type: 'filter-input', text: 'nothing-like-this' }, { type: 'filter-apply' });
  assert.deepEqual(matchingSpikes(s), []);
  assert.equal(run(s, { type: 'open-detail' }).message, 'no spike matches the filter');
});

test('? opens the help, the next key closes it, q quits from anywhere', () => {
  let s = run(start(), { type: 'toggle-help' });
  assert.equal(s.help, true);
  const moved = run(s, { type: 'move', by: 1 });
  assert.equal(moved.help, false);
  assert.equal(moved.cursor, s.cursor, 'the key only closed the help');
  assert.equal(run(s, { type: 'quit' }).quit, true);
  assert.equal(run(start(), { type: 'quit' }).quit, true);
});

test('resize keeps a fitted view fitted and the cursor in view', () => {
  let s = start(100);
  s = run(s, { type: 'resize', columns: 40 });
  assert.equal(s.columns, 40);
  assert.equal(s.binsPerColumn, 16);
  assert.ok(s.cursor >= s.viewStart && s.cursor < viewEnd(s));
  s = run(s, { type: 'resize', columns: 400 });
  assert.equal(s.binsPerColumn, 1);
  // A zoomed-in view stays zoomed in when the terminal grows.
  let z = run(start(100), { type: 'zoom-in' }, { type: 'resize', columns: 120 });
  assert.equal(z.binsPerColumn, 2);
  z = run(z, { type: 'resize', columns: 60 });
  assert.ok(z.cursor >= z.viewStart && z.cursor < viewEnd(z));
  assert.equal(cursorColumn(z).to - cursorColumn(z).from, z.binsPerColumn);
});

test('resize while typing keeps the draft', () => {
  const s = run(start(), { type: 'filter-start' }, { type: 'filter-input', text: 'ab' }, { type: 'resize', columns: 50 });
  assert.equal(s.draft, 'ab');
  assert.equal(s.columns, 50);
});
