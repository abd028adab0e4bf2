import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalSafe } from '../../src/views/terminal-safe.js';

test('terminal controls in log text are shown, not obeyed: C0 and DEL in caret notation, C1 as \\x.., bidi as <U+...>', () => {
  assert.equal(terminalSafe('user \x1b[2Jroot'), 'user ^[[2Jroot');
  assert.equal(terminalSafe('fake\rreal'), 'fake^Mreal');
  assert.equal(terminalSafe('\x00\x07\x08\x0b\x0c\x1f\x7f'), '^@^G^H^K^L^_^?');
  assert.equal(terminalSafe('csi \x9b2J, nel \x85'), 'csi \\x9b2J, nel \\x85');
  assert.equal(terminalSafe('invoice\u202Efdp.exe'), 'invoice<U+202E>fdp.exe');
  assert.equal(terminalSafe('a\u2066b\u2069c\u200fd\u061ce'), 'a<U+2066>b<U+2069>c<U+200F>d<U+061C>e');
});

test('TAB, newline and printable text, any script, are kept as they are', () => {
  for (const text of ['plain ASCII', 'tab\there', 'two\nlines', 'Übertragung café ✓ 日本語', '']) assert.equal(terminalSafe(text), text);
});
