// Text from logs, made safe to print on a terminal. A log line is written by whoever can reach
// the daemon (an FTP user name, a mail address, a URL path): printed as it is, an ESC or CSI
// in it would be obeyed by the admin's terminal (recolour, move the cursor, retitle the
// window, hide the rest of a line), a CR would overwrite what came before it on the line,
// and a bidirectional override would show the text in another order than it has. So the
// text views show such characters instead: C0 controls and DEL in caret notation, as
// `cat -v` (`^[`, `^M`, `^?`), C1 controls and the bidi controls as `\x9b` / `<U+202E>`.
// TAB and newline are kept (continuation lines, aligned messages). JSON output is not
// touched: it is data, and JSON.stringify escapes the C0 controls itself.

const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

function shown(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return '^' + String.fromCharCode(c + 64);
  if (c === 0x7f) return '^?';
  if (c <= 0x9f) return '\\x' + c.toString(16);
  return `<U+${c.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** `text` with every terminal control character in it shown (see above); itself when it has none. */
export function terminalSafe(text: string): string {
  return UNSAFE.test(text) ? text.replace(UNSAFE_ALL, shown) : text;
}
