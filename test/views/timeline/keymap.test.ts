// Keys to actions, and chunks of keys read one at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionFor, keyReducer } from '../../../src/views/timeline/keymap.js';
import { initialState, type Nav } from '../../../src/views/timeline/state.js';

const NAV: Nav = { bins: 100, spikes: [{ first: 10, last: 12, peak: 11, text: 'a' }, { first: 60, last: 62, peak: 61, text: 'b' }] };
const s0 = initialState(NAV, 100);

test('the keys of the help screen map to their actions', () => {
  const cases: [string, Record<string, boolean>, string][] = [
    ['', { leftArrow: true }, 'move'], ['h', {}, 'move'], ['l', {}, 'move'], ['', { rightArrow: true }, 'move'],
    ['+', {}, 'zoom-in'], ['-', {}, 'zoom-out'], ['n', {}, 'next-spike'], ['N', {}, 'previous-spike'],
    ['', { return: true }, 'open-detail'], ['', { escape: true }, 'escape'], ['', { tab: true }, 'focus-next'],
    ['s', {}, 'cycle-sort'], ['/', {}, 'filter-start'], ['?', {}, 'toggle-help'], ['q', {}, 'quit'],
    ['j', {}, 'scroll'], ['', { pageDown: true }, 'scroll'], ['', { home: true }, 'move-to'],
  ];
  for (const [input, key, type] of cases) assert.equal(actionFor(input, key, s0, 5)?.type, type, `${input} ${JSON.stringify(key)}`);
  assert.equal(actionFor('z', {}, s0, 5), undefined);
});

test('while typing a filter, letters are text and Enter/Esc/Backspace edit it', () => {
  const typing = { ...s0, draft: 'ab' };
  assert.deepEqual(actionFor('q', {}, typing, 5), { type: 'filter-input', text: 'q' });
  assert.equal(actionFor('', { return: true }, typing, 5)?.type, 'filter-apply');
  assert.equal(actionFor('', { escape: true }, typing, 5)?.type, 'escape');
  assert.equal(actionFor('', { backspace: true }, typing, 5)?.type, 'filter-backspace');
  assert.equal(actionFor('', { leftArrow: true }, typing, 5), undefined);
});

test('a chunk of keys is folded one key at a time, control characters included', () => {
  const s = keyReducer(s0, { type: 'key', input: 'n\r', key: {}, pageRows: 5 });
  assert.equal(s.cursor, 61);
  assert.equal(s.detail, 1);
  const f = keyReducer(s0, { type: 'key', input: '/bq\u007Fx\r', key: {}, pageRows: 5 });
  assert.equal(f.filter, 'bx');
  assert.equal(f.quit, false);
});
