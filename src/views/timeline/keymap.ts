// Keys to actions. Kept beside the reducer and applied inside it, so every key is mapped with
// the state as the previous key left it.
import type { Key } from 'ink';
import { reducer, type Action, type State } from './state.js';

/** The parts of ink's Key the timeline reads. */
export type KeyPress = Pick<Key, 'leftArrow' | 'rightArrow' | 'upArrow' | 'downArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'tab' | 'backspace' | 'delete' | 'ctrl' | 'meta'>;

export type KeyAction = Action | { type: 'key'; input: string; key: Partial<KeyPress>; pageRows: number };

/** A key press as the reducer's action; undefined for keys that do nothing. */
export function actionFor(input: string, key: Partial<KeyPress>, state: State, pageRows: number): Action | undefined {
  if (state.draft !== null) {
    if (key.return) return { type: 'filter-apply' };
    if (key.escape) return { type: 'escape' };
    if (key.backspace || key.delete) return { type: 'filter-backspace' };
    if (input && !key.ctrl && !key.meta && !key.tab && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow) return { type: 'filter-input', text: input };
    return undefined;
  }
  if (key.leftArrow || input === 'h') return { type: 'move', by: -1 };
  if (key.rightArrow || input === 'l') return { type: 'move', by: 1 };
  if (input === 'H') return { type: 'move', by: -10 };
  if (input === 'L') return { type: 'move', by: 10 };
  if (key.home) return { type: 'move-to', edge: 'start' };
  if (key.end) return { type: 'move-to', edge: 'end' };
  if (key.upArrow || input === 'k') return { type: 'scroll', by: -1 };
  if (key.downArrow || input === 'j') return { type: 'scroll', by: 1 };
  if (key.pageUp) return { type: 'scroll', by: -pageRows };
  if (key.pageDown) return { type: 'scroll', by: pageRows };
  if (key.return) return { type: 'open-detail' };
  if (key.escape) return { type: 'escape' };
  if (key.tab) return { type: 'focus-next' };
  switch (input) {
    case '+':
    case '=':
      return { type: 'zoom-in' };
    case '-':
    case '_':
      return { type: 'zoom-out' };
    case 'n':
      return { type: 'next-spike' };
    case 'N':
      return { type: 'previous-spike' };
    case 's':
      return { type: 'cycle-sort' };
    case '/':
      return { type: 'filter-start' };
    case '?':
      return { type: 'toggle-help' };
    case 'q':
      return { type: 'quit' };
  }
  return state.help && input ? { type: 'toggle-help' } : undefined;
}


/** A control character inside a chunk of typed or sent keys, as ink would have named it alone. */
function keyOfChar(ch: string): { input: string; key: Partial<KeyPress> } {
  if (ch === '\r' || ch === '\n') return { input: '', key: { return: true } };
  if (ch === '\t') return { input: '', key: { tab: true } };
  if (ch === '\u007F' || ch === '\b') return { input: '', key: { backspace: true } };
  return { input: ch, key: {} };
}

export function keyReducer(state: State, action: KeyAction): State {
  if (action.type !== 'key') return reducer(state, action);
  const { input, key, pageRows } = action;
  // ink hands over several characters that arrive together (tmux send-keys, a fast typist, a
  // paste) as one input; read them one by one, each against the state the last one left.
  const plain = !key.ctrl && !key.meta && !key.escape && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow;
  if (plain && [...input].length > 1) {
    return [...input].reduce((s, ch) => {
      const k = keyOfChar(ch);
      const mapped = actionFor(k.input, k.key, s, pageRows);
      return mapped ? reducer(s, mapped) : s;
    }, state);
  }
  const mapped = actionFor(input, key, state, pageRows);
  return mapped ? reducer(state, mapped) : state;
}
