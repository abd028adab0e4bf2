// Fitting report lines to a terminal's width: prose is wrapped (nothing lost), quoted raw
// log lines are cut with an ellipsis (the whole line stays in --json).

/** What the text report is laid out for: the classic terminal, and what a pasted report survives. */
export const REPORT_WIDTH = 80;

const UNIT = /(\d) (B|KiB|MiB|GiB|TiB|pkts|packets|bytes)\b/g;

export interface WrapOptions {
  /** Break only between fields (runs of two or more spaces), as in a flow line. */
  fields?: boolean;
}

/**
 * Word-wraps `text` to `width` columns, the first line after `indent`, the others after `hang`.
 * Runs of spaces inside a line are kept (the report aligns fields with two); a word longer
 * than a whole line is broken across lines rather than cut, so no fact goes missing.
 */
export function wrap(text: string, width = REPORT_WIDTH, indent = '', hang = indent + '  ', options: WrapOptions = {}): string[] {
  const lines: string[] = [];
  let line = indent;
  let fresh = true;
  // "475 MiB", "2446101 pkts": a number and its unit stay on one line.
  const glued = text.replace(UNIT, '$1\u00a0$2');
  const parts = glued.split(options.fields ? /( {2,})/ : /( +)/).map((p) => p.replace(/\u00a0/g, ' '));
  for (let i = 0; i < parts.length; i += 2) {
    const sep = i === 0 ? '' : parts[i - 1];
    let word = parts[i];
    if (word === '') continue;
    if (!fresh && line.length + sep.length + word.length <= width) {
      line += sep + word;
      continue;
    }
    if (!fresh) {
      lines.push(line);
      line = hang;
    }
    // A word wider than a line (a long path, an IPv6 flow key): break it, keep every character.
    while (line.length + word.length > width && width - line.length > 0) {
      const room = width - line.length;
      lines.push(line + word.slice(0, room));
      word = word.slice(room);
      line = hang;
    }
    line += word;
    fresh = false;
  }
  lines.push(line);
  return lines;
}

/** `text` cut to `width` columns with an ellipsis, for quoting raw lines. */
export function cut(text: string, width = REPORT_WIDTH): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}
