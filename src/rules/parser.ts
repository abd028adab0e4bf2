// The grammar of the rule language, and nothing else: meaning and checks live in compile.ts.
// Rules are class properties (chevrotain's TypeScript style) so a misspelt rule does not compile.
//
//   file        := (ruleDecl | testDecl)*
//   ruleDecl    := 'rule' NAME '{' clause* '}'
//   testDecl    := 'test' STRING '{' (testFlow | testLog | testExpect)* '}'   (docs/rules.md "Test cases")
//   testFlow    := 'flow' NAME endpoint '->' endpoint (NAME value)*
//   endpoint    := ADDRESS (':' NUMBER)? | '[' ADDRESS ']' (':' NUMBER)?
//   testLog     := 'log' STRING ('as' NAME | 'as' STRING)?
//   testExpect  := 'expect' NAME NAME? ('confidence' CMP NUMBER)?
// `test`, `expect` and `as` are names the grammar gates on, not keywords, so no field or
// rule name is taken from anyone.
//   clause      := 'title' STRING | 'confidence' NUMBER | 'tags' NAME (',' NAME)*
//                | 'flow' ':' expression | 'log' ':' expression | 'match' ':' expression
//                | ('flows' | 'logs') ':' expression        (a group of events; see groupClause)
//                | 'each' ':' expression
//                | ('with' | 'require') NAME ':' ('flow' | 'log') expression
//                | 'explain' STRING
//   expression  := conjunction ('or' conjunction)*
//   conjunction := negation ('and' negation)*
//   negation    := 'not' negation | primary
//   primary     := '(' expression ')' | condition
//   condition   := operand ( CMP operand | 'in' set | 'matches' STRING
//                          | '~=' operand 'within' amount | 'within' amount 'of' operand
//                          | ('before' | 'after' | 'overlaps') operand ('within' amount)? )
//   operand     := aggregate | fieldRef | literal
//   aggregate   := NAME '(' fieldRef ')'                   (count, sum, min, max, distinct: checked in compile)
//   fieldRef    := ('flow' | 'log' | NAME) ('.' NAME)?     (`flow` alone is the event itself)
//   literal     := STRING | NUMBER | QUANTITY | ADDRESS
//   set         := '[' setItem (',' setItem)* ']' | setItem
//   setItem     := ADDRESS | STRING | NAME | amount ('..' amount)?
//   amount      := NUMBER | QUANTITY
import type { CstNode, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from 'chevrotain';
import { CstParser, EOF } from './chevrotain.js';
import * as T from './lexer.js';

const CLAUSES = "a clause (title, confidence, tags, flow:, flows:, log:, logs:, each:, match:, with, require, explain) or '}'";

const TEST_ITEMS = "flow, log, expect or '}' in a test";

/** `flows:` and `logs:` are names to the lexer (so `log.flows` and tags stay names) and clause words here. */
const GROUP_CLAUSES = new Set(['flows', 'logs']);

function found(token: IToken): string {
  return token.tokenType === EOF ? 'end of file' : `'${token.image}'`;
}

function label(type: TokenType): string {
  return type === EOF ? 'end of file' : (type.LABEL ?? type.name);
}

/** First tokens of each alternative, for "expected one of ..." messages. */
function firstTokens(paths: TokenType[][][]): string[] {
  const out = new Set<string>();
  for (const alt of paths) for (const path of alt) if (path[0]) out.add(label(path[0]));
  return [...out];
}

function oneOf(items: string[]): string {
  if (items.length <= 1) return items[0] ?? 'something else';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    // clause* stops at anything that does not start a clause; only then is '}' expected, so
    // a misspelt clause keyword shows up here.
    if (expected === T.RCurly && ruleName === 'ruleDecl' && actual.tokenType !== T.Rule && actual.tokenType !== EOF) {
      return `expected ${CLAUSES} but found ${found(actual)}`;
    }
    if (expected === T.RCurly && ruleName === 'testDecl' && actual.tokenType !== EOF) {
      return `expected ${TEST_ITEMS} but found ${found(actual)}`;
    }
    return `expected ${label(expected)} but found ${found(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected 'rule' or 'test' but found ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, ruleName }) {
    const token = actual[0];
    // A name where a clause may start: only `flows` and `logs` are clauses (see GROUP_CLAUSES).
    if (ruleName === 'clause') return `expected ${CLAUSES} but found ${found(token)}`;
    if (ruleName === 'testItem') return `expected ${TEST_ITEMS} but found ${found(token)}`;
    if (ruleName === 'condition') {
      return `expected a comparison (==, !=, <, <=, >, >=, ~=, in, matches, within, before, after, overlaps) after '${previous.image}' but found ${found(token)}`;
    }
    if (ruleName === 'primary' || ruleName === 'operand' || ruleName === 'fieldRef' || ruleName === 'negation' || ruleName === 'aggregate') {
      return `expected a field, a value or '(' but found ${found(token)}`;
    }
    return `expected ${oneOf(firstTokens(expectedPathsPerAlt))} but found ${found(token)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual }) {
    return `expected ${oneOf(firstTokens([expectedIterationPaths]))} but found ${found(actual[0])}`;
  },
};

export class RuleParser extends CstParser {
  constructor() {
    super(T.allTokens, { errorMessageProvider: messages, recoveryEnabled: false });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.ruleDecl) },
        { GATE: () => this.LA(1).image === 'test', ALT: () => this.SUBRULE(this.testDecl) },
      ]),
    );
  });

  /** `test "name" { flow ...  log "..."  expect ... }`: a rule file's own test case. */
  testDecl = this.RULE('testDecl', () => {
    this.CONSUME(T.Identifier, { LABEL: 'keyword' });
    this.CONSUME(T.StringLiteral, { LABEL: 'name' });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.testItem));
    this.CONSUME(T.RCurly);
  });

  testItem = this.RULE('testItem', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.testFlow) },
      { ALT: () => this.SUBRULE(this.testLog) },
      { GATE: () => this.LA(1).image === 'expect', ALT: () => this.SUBRULE(this.testExpect) },
    ]);
  });

  testFlow = this.RULE('testFlow', () => {
    this.CONSUME(T.Flow);
    this.CONSUME(T.Identifier, { LABEL: 'proto' });
    this.SUBRULE(this.endpoint, { LABEL: 'src' });
    this.CONSUME(T.Arrow);
    this.SUBRULE2(this.endpoint, { LABEL: 'dst' });
    this.MANY({
      GATE: () => this.LA(1).image !== 'expect',
      DEF: () => {
        this.CONSUME2(T.Identifier, { LABEL: 'key' });
        this.OR([
          { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: 'value' }) },
          { ALT: () => this.CONSUME(T.NumberLiteral, { LABEL: 'value' }) },
          { ALT: () => this.CONSUME(T.Quantity, { LABEL: 'value' }) },
          { ALT: () => this.CONSUME3(T.Identifier, { LABEL: 'value' }) },
        ]);
      },
    });
  });

  endpoint = this.RULE('endpoint', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Address) },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.CONSUME2(T.Address);
          this.CONSUME(T.RBracket);
        },
      },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.CONSUME(T.NumberLiteral, { LABEL: 'port' });
    });
  });

  testLog = this.RULE('testLog', () => {
    this.CONSUME(T.Log);
    this.CONSUME(T.StringLiteral, { LABEL: 'text' });
    this.OPTION({
      GATE: () => this.LA(1).image === 'as',
      DEF: () => {
        this.CONSUME(T.Identifier, { LABEL: 'as' });
        this.OR([{ ALT: () => this.CONSUME2(T.Identifier, { LABEL: 'format' }) }, { ALT: () => this.CONSUME2(T.StringLiteral, { LABEL: 'format' }) }]);
      },
    });
  });

  /** `expect RULE`, `expect no RULE`, `expect unexplained`, each optionally `confidence >= N`. */
  testExpect = this.RULE('testExpect', () => {
    this.CONSUME(T.Identifier, { LABEL: 'keyword' });
    this.CONSUME2(T.Identifier, { LABEL: 'words' });
    this.OPTION({ GATE: () => this.LA(1).image !== 'expect', DEF: () => this.CONSUME3(T.Identifier, { LABEL: 'words' }) });
    this.OPTION2(() => {
      this.CONSUME(T.Confidence);
      this.CONSUME(T.CompareOp);
      this.CONSUME(T.NumberLiteral, { LABEL: 'value' });
    });
  });

  ruleDecl = this.RULE('ruleDecl', () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.clause));
    this.CONSUME(T.RCurly);
  });

  clause = this.RULE('clause', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.titleClause) },
      { ALT: () => this.SUBRULE(this.confidenceClause) },
      { ALT: () => this.SUBRULE(this.tagsClause) },
      { ALT: () => this.SUBRULE(this.flowClause) },
      { ALT: () => this.SUBRULE(this.logClause) },
      { ALT: () => this.SUBRULE(this.matchClause) },
      { ALT: () => this.SUBRULE(this.explainClause) },
      { GATE: () => GROUP_CLAUSES.has(this.LA(1).image), ALT: () => this.SUBRULE(this.groupClause) },
      { ALT: () => this.SUBRULE(this.eachClause) },
      { ALT: () => this.SUBRULE(this.companionClause) },
    ]);
  });

  /** `flows: EXPR` / `logs: EXPR`: the rule explains a group of such events together. */
  groupClause = this.RULE('groupClause', () => {
    this.CONSUME(T.Identifier, { LABEL: 'group' });
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  /** `each: EXPR`: holds for every flow and log of the explanation, pairwise. */
  eachClause = this.RULE('eachClause', () => {
    this.CONSUME(T.Each);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  /** `with NAME: flow EXPR` (corroborates when found) or `require NAME: log EXPR` (must be found). */
  companionClause = this.RULE('companionClause', () => {
    this.OR([{ ALT: () => this.CONSUME(T.With, { LABEL: 'mode' }) }, { ALT: () => this.CONSUME(T.Require, { LABEL: 'mode' }) }]);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.Colon);
    this.OR2([{ ALT: () => this.CONSUME(T.Flow, { LABEL: 'kind' }) }, { ALT: () => this.CONSUME(T.Log, { LABEL: 'kind' }) }]);
    this.SUBRULE(this.expression);
  });

  titleClause = this.RULE('titleClause', () => {
    this.CONSUME(T.Title);
    this.CONSUME(T.StringLiteral);
  });

  confidenceClause = this.RULE('confidenceClause', () => {
    this.CONSUME(T.Confidence);
    this.CONSUME(T.NumberLiteral);
  });

  tagsClause = this.RULE('tagsClause', () => {
    this.CONSUME(T.Tags);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Name) });
  });

  flowClause = this.RULE('flowClause', () => {
    this.CONSUME(T.Flow);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  logClause = this.RULE('logClause', () => {
    this.CONSUME(T.Log);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  matchClause = this.RULE('matchClause', () => {
    this.CONSUME(T.Match);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expression);
  });

  explainClause = this.RULE('explainClause', () => {
    this.CONSUME(T.Explain);
    this.CONSUME(T.StringLiteral);
  });

  expression = this.RULE('expression', () => {
    this.SUBRULE(this.conjunction);
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.conjunction);
    });
  });

  conjunction = this.RULE('conjunction', () => {
    this.SUBRULE(this.negation);
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.negation);
    });
  });

  negation = this.RULE('negation', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.negation);
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  primary = this.RULE('primary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.condition) },
    ]);
  });

  condition = this.RULE('condition', () => {
    this.SUBRULE(this.operand, { LABEL: 'lhs' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.CompareOp);
          this.SUBRULE2(this.operand, { LABEL: 'rhs' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.In);
          this.SUBRULE(this.set);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Matches);
          this.CONSUME(T.StringLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Approx);
          this.SUBRULE3(this.operand, { LABEL: 'rhs' });
          this.CONSUME(T.Within);
          this.SUBRULE(this.amount, { LABEL: 'tolerance' });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Within);
          this.SUBRULE2(this.amount, { LABEL: 'distance' });
          this.CONSUME(T.Of);
          this.SUBRULE4(this.operand, { LABEL: 'rhs' });
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Before, { LABEL: 'relation' }) },
            { ALT: () => this.CONSUME(T.After, { LABEL: 'relation' }) },
            { ALT: () => this.CONSUME(T.Overlaps, { LABEL: 'relation' }) },
          ]);
          this.SUBRULE5(this.operand, { LABEL: 'rhs' });
          this.OPTION(() => {
            this.CONSUME3(T.Within);
            this.SUBRULE3(this.amount, { LABEL: 'tolerance' });
          });
        },
      },
    ]);
  });

  operand = this.RULE('operand', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.aggregate) },
      { ALT: () => this.SUBRULE(this.fieldRef) },
      { ALT: () => this.SUBRULE(this.literal) },
    ]);
  });

  aggregate = this.RULE('aggregate', () => {
    this.CONSUME(T.Identifier, { LABEL: 'fn' });
    this.CONSUME(T.LParen);
    this.SUBRULE(this.fieldRef, { LABEL: 'arg' });
    this.CONSUME(T.RParen);
  });

  fieldRef = this.RULE('fieldRef', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Flow, { LABEL: 'scope' }) },
      { ALT: () => this.CONSUME(T.Log, { LABEL: 'scope' }) },
      { ALT: () => this.CONSUME(T.Identifier, { LABEL: 'scope' }) },
    ]);
    this.OPTION(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.Name, { LABEL: 'field' });
    });
  });

  literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.Quantity) },
      { ALT: () => this.CONSUME(T.Address) },
    ]);
  });

  set = this.RULE('set', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.setItem) });
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.SUBRULE2(this.setItem) },
    ]);
  });

  setItem = this.RULE('setItem', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Address) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.SUBRULE(this.amount, { LABEL: 'from' });
          this.OPTION(() => {
            this.CONSUME(T.DotDot);
            this.SUBRULE2(this.amount, { LABEL: 'to' });
          });
        },
      },
    ]);
  });

  amount = this.RULE('amount', () => {
    this.OR([{ ALT: () => this.CONSUME(T.NumberLiteral) }, { ALT: () => this.CONSUME(T.Quantity) }]);
  });
}

/** One parser for the process: chevrotain parsers are reusable by resetting `input`. */
export const ruleParser = new RuleParser();

/** A parse problem with its 1-based position. */
export interface ParseProblem {
  line: number;
  column: number;
  reason: string;
}

export interface ParseResult {
  cst: CstNode | undefined;
  lexErrors: T.LexProblem[];
  parseErrors: ParseProblem[];
}

/** Where an error token sits; end of file is placed just after the last real token. */
function positionOf(e: IRecognitionException, tokens: IToken[]): { line: number; column: number } {
  const t = e.token;
  if (t.tokenType !== EOF && t.startLine !== undefined && !Number.isNaN(t.startLine)) {
    return { line: t.startLine, column: t.startColumn ?? 1 };
  }
  const last = tokens[tokens.length - 1];
  if (!last) return { line: 1, column: 1 };
  return { line: last.endLine ?? last.startLine ?? 1, column: (last.endColumn ?? last.startColumn ?? 0) + 1 };
}

/** Lex and parse; errors come back as values, never thrown. */
export function parseRuleText(source: string): ParseResult {
  const lexed = T.tokenize(source);
  if (lexed.errors.length) return { cst: undefined, lexErrors: lexed.errors, parseErrors: [] };
  ruleParser.input = lexed.tokens;
  const cst = ruleParser.file();
  const parseErrors = ruleParser.errors.map((e) => ({ ...positionOf(e, lexed.tokens), reason: e.message }));
  return { cst: parseErrors.length ? undefined : cst, lexErrors: [], parseErrors };
}
