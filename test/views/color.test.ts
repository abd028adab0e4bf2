import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorFor } from '../../src/views/color.js';

test('colour for terminals only; NO_COLOR beats FORCE_COLOR; CI alone does not colour a pipe', () => {
  assert.equal(colorFor({ isTTY: true }, { TERM: 'xterm-256color' }), true);
  assert.equal(colorFor({ isTTY: true }, { TERM: 'dumb' }), false);
  assert.equal(colorFor({ isTTY: false }, { CI: 'true' }), false);
  assert.equal(colorFor({}, { FORCE_COLOR: '1' }), true);
  assert.equal(colorFor({}, { FORCE_COLOR: '0' }), false);
  assert.equal(colorFor({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
});
