// Tokens of the rule language. Order matters: chevrotain tries patterns in this order and
// takes the first that matches, so keywords come before Identifier (with `longer_alt`, so
// `titles` stays a name), addresses before quantities, quantities before plain numbers.
import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED, line_breaks: true });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

/** Anything usable as a name after `flow.` / `log.` or as a tag: identifiers and keywords alike. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });

// Inner hyphens are allowed so format names read as flowlink prints them (`as pure-ftpd`); the
// language has no minus, so `a-b` could mean nothing else.
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/, categories: [Name], label: 'a name' });

function keyword(word: string): TokenType {
  const name = word[0].toUpperCase() + word.slice(1);
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, categories: [Name], label: `'${word}'` });
}

export const Rule = keyword('rule');
export const Title = keyword('title');
export const Confidence = keyword('confidence');
export const Tags = keyword('tags');
export const Flow = keyword('flow');
export const Log = keyword('log');
export const Match = keyword('match');
export const Explain = keyword('explain');
export const And = keyword('and');
export const Or = keyword('or');
export const Not = keyword('not');
export const In = keyword('in');
export const Matches = keyword('matches');
export const Within = keyword('within');
export const Of = keyword('of');
export const Each = keyword('each');
export const With = keyword('with');
export const Require = keyword('require');
export const Before = keyword('before');
export const After = keyword('after');
export const Overlaps = keyword('overlaps');

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
/** A string with no closing quote on its line: lexed so the error can say exactly that. */
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\r\n]|\\.)*\\?/, label: 'an unterminated string' });

/**
 * IPv4 (`10.2.3.102`) or IPv6 (anything of hex digits and colons with at least two colons,
 * `fe80::1`, `::ffff:10.0.0.1`), optionally with a `/prefix`. Checked for real in compile,
 * so `10.0.0.300/8` gets a precise message instead of a lexing error.
 */
export const Address = createToken({
  name: 'Address',
  pattern: /(?:\d+(?:\.\d+){3}|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*)(?:\/\d+)?/,
  label: 'an address',
});
/** A number glued to a unit (`1MB`, `30s`, `2%`). Any letters are taken so a bad unit is reported as such. */
export const Quantity = createToken({ name: 'Quantity', pattern: /\d+(?:\.\d+)?(?:[A-Za-z]+|%)/, label: 'a quantity' });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?/, label: 'a number' });

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/, label: "']'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, label: "'..'" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });

export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison' });
export const Eq = createToken({ name: 'Eq', pattern: /==/, categories: [CompareOp], label: "'=='" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [CompareOp], label: "'!='" });
export const Lte = createToken({ name: 'Lte', pattern: /<=/, categories: [CompareOp], label: "'<='" });
export const Gte = createToken({ name: 'Gte', pattern: />=/, categories: [CompareOp], label: "'>='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: [CompareOp], label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: [CompareOp], label: "'>'" });
export const Approx = createToken({ name: 'Approx', pattern: /~=/, label: "'~='" });
/** `src -> dst` in a test case's flow. */
export const Arrow = createToken({ name: 'Arrow', pattern: /->/, label: "'->'" });

export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  // Before keywords and names: an IPv6 address may start with letters (`fe80::1`).
  Address,
  // `matches` before `match`: the first pattern that matches wins.
  // `within` before `with`: with `longer_alt`, `with` would otherwise turn `within` into a name.
  Rule, Title, Confidence, Tags, Flow, Log, Matches, Match, Explain, Each, Within, With, Require,
  And, Or, Not, In, Of, Before, After, Overlaps,
  Identifier,
  Name,
  StringLiteral,
  UnterminatedString,
  Quantity,
  NumberLiteral,
  LCurly, RCurly, LParen, RParen, LBracket, RBracket, Comma, Colon, DotDot, Dot,
  Arrow, CompareOp, Eq, NotEq, Lte, Gte, Lt, Gt, Approx,
];

export const ruleLexer = new Lexer(allTokens, { positionTracking: 'full' });

/** A problem found while lexing, with its 1-based position. */
export interface LexProblem {
  line: number;
  column: number;
  reason: string;
}

export interface LexResult {
  tokens: IToken[];
  errors: LexProblem[];
}

export function tokenize(source: string): LexResult {
  const result = ruleLexer.tokenize(source);
  const errors: LexProblem[] = result.errors.map((e) => {
    const ch = source.slice(e.offset, e.offset + e.length);
    return { line: e.line ?? 1, column: e.column ?? 1, reason: `unexpected character '${ch.slice(0, 1)}'` };
  });
  const tokens: IToken[] = [];
  for (const t of result.tokens) {
    if (t.tokenType === UnterminatedString) {
      errors.push({ line: t.startLine ?? 1, column: t.startColumn ?? 1, reason: "unterminated string (no closing '\"' on this line)" });
    } else {
      tokens.push(t);
    }
  }
  errors.sort((a, b) => a.line - b.line || a.column - b.column);
  return { tokens, errors };
}

/** The value of a string token: `\"` and `\\` are escapes; any other backslash stays, so regexes read naturally. */
export function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(["\\])/g, '$1');
}
