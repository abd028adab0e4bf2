// From parse tree to CompiledRule. Two steps: a CST visitor turns the tree into a small AST
// (plain objects that keep their tokens for error positions), then a checker resolves fields,
// checks types and units, and builds the closures the correlation engine calls.
import { isIP } from 'node:net';
import type { CstNode, IToken } from 'chevrotain';
import type { FlowRecord, LogEvent } from '../event.js';
import { RuleSyntaxError } from '../errors.js';
import { MICROS_PER_SECOND } from '../time.js';
import { formatDuration } from '../units.js';
import * as T from './lexer.js';
import { unquote } from './lexer.js';
import { parseRuleText, ruleParser } from './parser.js';
import {
  FLOW_FIELD_NAMES, flowField, flowSpan, isRange, LOG_FIELDS, logField, logSpan, PROTOCOLS, SPIKE_FIELD_NAMES, SPIKE_FIELDS,
  type Range, type Value, type ValueType,
} from './fields.js';
import { evidenceValue, FORMATTER_NAMES, FORMATTERS, renderValue, splitTemplate, type TemplateSlot } from './format.js';
import type {
  Arity, Bindings, Companion, CompiledRule, JoinKey, JoinResult, Outcome as RuleOutcome, RuleEvent, RuleFile, RuleTestCase, RuleTestExpectation, RuleTestLog,
} from './types.js';

export const DEFAULT_CONFIDENCE = 0.8;
/** How far outside a flow's span the engine looks for logs when `match:` names no time tolerance. */
export const DEFAULT_TIME_SLACK = 5 * 60 * MICROS_PER_SECOND;

// ---------------------------------------------------------------- AST

type Literal =
  | { kind: 'string'; value: string; token: IToken }
  | { kind: 'number'; value: number; token: IToken }
  /** Normalized: bytes in bytes, durations in Micros, percentages as fractions. */
  | { kind: 'quantity'; value: number; dim: 'bytes' | 'duration' | 'percent'; token: IToken }
  | { kind: 'address'; text: string; token: IToken }
  | { kind: 'name'; name: string; token: IToken };

type Amount = Extract<Literal, { kind: 'number' | 'quantity' }>;

/**
 * `flow.src` (scope flow, name src), `src` (no scope: resolved by the clause), `flow` or
 * `control` alone (an event: no name).
 */
interface FieldRef {
  kind: 'field';
  scope?: string;
  name?: string;
  /** The first token (`flow` in `flow.src`) and the name token (the first token when there is none). */
  token: IToken;
  nameToken: IToken;
}

interface Aggregate {
  kind: 'aggregate';
  fn: string;
  token: IToken;
  arg: FieldRef;
}

type Operand = FieldRef | Aggregate | Literal;

type SetItem = { kind: 'single'; lit: Literal } | { kind: 'range'; from: Literal; to: Literal };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Relation = 'before' | 'after' | 'overlaps';

type Expr =
  | { kind: 'or' | 'and'; items: Expr[] }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; op: CompareOp; opToken: IToken; lhs: Operand; rhs: Operand }
  | { kind: 'in'; opToken: IToken; lhs: Operand; items: SetItem[] }
  | { kind: 'matches'; opToken: IToken; lhs: Operand; pattern: IToken }
  | { kind: 'approx'; opToken: IToken; lhs: Operand; rhs: Operand; tolerance: Amount }
  | { kind: 'near'; opToken: IToken; lhs: Operand; rhs: Operand; distance: Amount }
  | { kind: 'relation'; rel: Relation; opToken: IToken; lhs: Operand; rhs: Operand; tolerance?: Amount };

type ClauseName = 'title' | 'confidence' | 'tags' | 'flow' | 'log' | 'each' | 'match' | 'explain';

interface CompanionAst {
  required: boolean;
  name: IToken;
  kind: 'flow' | 'log';
  expr: Expr;
}

interface RuleAst {
  ruleToken: IToken;
  name: IToken;
  title?: IToken;
  confidence?: IToken;
  tags?: IToken[];
  flow?: Expr;
  flowArity: Arity;
  log?: Expr;
  logArity: Arity;
  each?: Expr;
  match?: Expr;
  companions: CompanionAst[];
  explain?: IToken;
}

/** A problem at a token, turned into a RuleSyntaxError by the caller that knows the file. */
class CompileProblem extends Error {
  constructor(
    readonly token: IToken,
    readonly reason: string,
    readonly columnOffset = 0,
  ) {
    super(reason);
  }
}

function fail(token: IToken, reason: string, columnOffset = 0): never {
  throw new CompileProblem(token, reason, columnOffset);
}

/** Levenshtein distance, for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known name closest to `name`, when one is close enough to be a typo. */
function closestName(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** "; did you mean 'x'?", or nothing. */
function closest(name: string, known: string[]): string {
  const near = closestName(name, known);
  return near ? `; did you mean '${near}'?` : '';
}

const BYTE_UNITS: Record<string, number> = {
  B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};
const DURATION_UNITS: Record<string, number> = {
  ms: 1e3, s: MICROS_PER_SECOND, m: 60 * MICROS_PER_SECOND, h: 3600 * MICROS_PER_SECOND, d: 86400 * MICROS_PER_SECOND,
};
const ALL_UNITS = [...Object.keys(BYTE_UNITS), ...Object.keys(DURATION_UNITS), '%'];

function quantity(token: IToken): Amount {
  const m = /^(\d+(?:\.\d+)?)(.+)$/.exec(token.image)!;
  const n = Number(m[1]);
  const unit = m[2];
  if (unit === '%') return { kind: 'quantity', value: n / 100, dim: 'percent', token };
  if (Object.hasOwn(BYTE_UNITS, unit)) return { kind: 'quantity', value: n * BYTE_UNITS[unit], dim: 'bytes', token };
  if (Object.hasOwn(DURATION_UNITS, unit)) return { kind: 'quantity', value: n * DURATION_UNITS[unit], dim: 'duration', token };
  const near = ALL_UNITS.find((u) => u.toLowerCase() === unit.toLowerCase()) ?? closestName(unit, ALL_UNITS);
  const hint = near ? `; did you mean '${near}'?` : '';
  fail(token, `unknown unit '${unit}' in '${token.image}' (known: ${ALL_UNITS.join(', ')})${hint}`, m[1].length);
}

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

function tok(ctx: Ctx, key: string): IToken {
  return ctx[key]![0] as IToken;
}
function tokens(ctx: Ctx, key: string): IToken[] {
  return (ctx[key] ?? []) as IToken[];
}
function node(ctx: Ctx, key: string): CstNode {
  return ctx[key]![0] as CstNode;
}
function nodes(ctx: Ctx, key: string): CstNode[] {
  return (ctx[key] ?? []) as CstNode[];
}

const BaseVisitor = ruleParser.getBaseCstVisitorConstructor<void, unknown>();

type ClauseValue =
  | [ClauseName, IToken, unknown]
  | ['group', IToken, Expr]
  | ['companion', IToken, CompanionAst];

/** CST -> AST. Checks only what needs no field knowledge: duplicate clauses and units. */
class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  private sub<T>(n: CstNode): T {
    return this.visit(n) as T;
  }

  file(ctx: Ctx): { rules: RuleAst[]; tests: RuleTestCase[] } {
    return { rules: nodes(ctx, 'ruleDecl').map((n) => this.sub<RuleAst>(n)), tests: nodes(ctx, 'testDecl').map((n) => this.sub<RuleTestCase>(n)) };
  }

  /** A test case; its flows are checked and built here, its log lines are parsed when it runs. */
  testDecl(ctx: Ctx): RuleTestCase {
    const keyword = tok(ctx, 'keyword');
    const test: RuleTestCase = { name: unquote(tok(ctx, 'name').image), file: '', line: keyword.startLine ?? 1, flows: [], logs: [], expects: [] };
    for (const item of nodes(ctx, 'testItem')) {
      const [kind, value] = this.sub<['flow', FlowRecord] | ['log', RuleTestLog] | ['expect', RuleTestExpectation]>(item);
      if (kind === 'flow') test.flows.push(value);
      else if (kind === 'log') test.logs.push(value);
      else test.expects.push(value);
    }
    if (test.expects.length === 0) fail(keyword, `test "${test.name}" expects nothing: add a line like 'expect ftp_upload confidence >= 0.8' or 'expect unexplained'`);
    if (test.flows.length === 0) fail(keyword, `test "${test.name}" has no flow: a rule explains flows, so a test needs at least one 'flow tcp A:port -> B:port ...'`);
    return test;
  }

  testItem(ctx: Ctx): unknown {
    const key = Object.keys(ctx).find((k) => ctx[k]?.length)!;
    return this.visit(node(ctx, key));
  }

  testFlow(ctx: Ctx): ['flow', FlowRecord] {
    const flowToken = tok(ctx, 'Flow');
    const protoToken = tok(ctx, 'proto');
    const protoName = protoToken.image.toLowerCase();
    if (!Object.hasOwn(PROTOCOLS, protoName)) fail(protoToken, `unknown protocol '${protoToken.image}' (known: ${Object.keys(PROTOCOLS).join(', ')})`);
    const [src, sport] = this.sub<[string, number | null]>(node(ctx, 'src'));
    const [dst, dport] = this.sub<[string, number | null]>(node(ctx, 'dst'));
    const values = tokens(ctx, 'value');
    const attrs = new Map<string, IToken>();
    tokens(ctx, 'key').forEach((k, i) => {
      if (!TEST_FLOW_ATTRS.includes(k.image)) fail(k, `unknown flow attribute '${k.image}' (known: ${TEST_FLOW_ATTRS.join(', ')})${closest(k.image, TEST_FLOW_ATTRS)}`);
      if (attrs.has(k.image)) fail(k, `'${k.image}' given twice in one flow`);
      attrs.set(k.image, values[i]);
    });
    const need = (name: string, what: string): IToken => attrs.get(name) ?? fail(flowToken, `a test flow needs ${what}`);
    const start = testTime(need('start', 'a start, like start "2008-03-08 03:27:47.76"'));
    const endToken = attrs.get('end');
    const durationToken = attrs.get('duration');
    if (endToken && durationToken) fail(durationToken, `give a flow's end or its duration, not both`);
    let end = start;
    if (endToken) end = testTime(endToken);
    else if (durationToken) {
      const d = durationToken.tokenType === T.Quantity ? quantity(durationToken) : undefined;
      if (!d || d.kind !== 'quantity' || d.dim !== 'duration') fail(durationToken, `duration needs a duration like 358s or 6m, not ${durationToken.image}`);
      end = start + d.value;
    } else fail(flowToken, `a test flow needs an end ("2008-03-08 03:33:46") or a duration (358s)`);
    if (end < start) fail(endToken!, `the flow ends before it starts`);
    const count = (name: string): number | undefined => {
      const t = attrs.get(name);
      if (!t) return undefined;
      if (t.tokenType === T.NumberLiteral) return Number(t.image);
      if (t.tokenType === T.Quantity) {
        const q = quantity(t);
        if (q.kind === 'quantity' && q.dim === 'bytes') return q.value;
      }
      return fail(t, `${name} needs a number${name.includes('bytes') || name.includes('payload') ? ' or a size (5MB)' : ''}, not ${t.image}`);
    };
    const basisToken = attrs.get('basis');
    const basis = basisToken ? (basisToken.tokenType === T.StringLiteral ? unquote(basisToken.image) : basisToken.image) : 'link';
    if (!['link', 'ip', 'payload', 'unknown'].includes(basis)) fail(basisToken!, `basis is what a flow's bytes count: link, ip, payload or unknown, not ${basis}`);
    const stateToken = attrs.get('state');
    const line = flowToken.startLine ?? 1;
    const flow: FlowRecord = {
      kind: 'flow', flowId: `test:${line}:${flowToken.startColumn ?? 1}`, start, end, proto: PROTOCOLS[protoName], src, sport, dst, dport,
      pkts: count('pkts') ?? 0, bytes: count('bytes') ?? fail(flowToken, `a test flow needs its bytes, like bytes 1031277512 or bytes 980MB`),
      byteBasis: basis as FlowRecord['byteBasis'], origin: { file: '', line, raw: '' }, records: 1,
    };
    if (stateToken) flow.state = stateToken.tokenType === T.StringLiteral ? unquote(stateToken.image) : stateToken.image;
    const optional: [string, 'srcPkts' | 'dstPkts' | 'srcBytes' | 'dstBytes' | 'srcPayload' | 'dstPayload'][] = [
      ['src_pkts', 'srcPkts'], ['dst_pkts', 'dstPkts'], ['src_bytes', 'srcBytes'], ['dst_bytes', 'dstBytes'], ['src_payload', 'srcPayload'], ['dst_payload', 'dstPayload'],
    ];
    for (const [name, key] of optional) {
      const v = count(name);
      if (v !== undefined) flow[key] = v;
    }
    return ['flow', flow];
  }

  endpoint(ctx: Ctx): [string, number | null] {
    const addr = tok(ctx, 'Address');
    if (addr.image.includes('/') || !parseIp(addr.image)) fail(addr, `invalid address '${addr.image}' in a test flow`);
    const port = ctx.port ? Number(tok(ctx, 'port').image) : null;
    if (port !== null && !(Number.isInteger(port) && port <= 65535)) fail(tok(ctx, 'port'), `port ${tok(ctx, 'port').image} is not 0..65535`);
    return [addr.image, port];
  }

  testLog(ctx: Ctx): ['log', RuleTestLog] {
    const text = tok(ctx, 'text');
    const format = ctx.format ? tok(ctx, 'format') : undefined;
    return ['log', { text: unquote(text.image), format: format && (format.tokenType === T.StringLiteral ? unquote(format.image) : format.image), line: text.startLine ?? 1, column: text.startColumn ?? 1 }];
  }

  testExpect(ctx: Ctx): ['expect', RuleTestExpectation] {
    const keyword = tok(ctx, 'keyword');
    const words = tokens(ctx, 'words');
    const at = { line: keyword.startLine ?? 1, column: keyword.startColumn ?? 1 };
    let e: RuleTestExpectation;
    if (words.length === 1 && words[0].image === 'unexplained') e = { kind: 'unexplained', text: 'unexplained', ...at };
    else if (words.length === 2 && words[0].image === 'no') e = { kind: 'not-explained', rule: words[1].image, text: `no ${words[1].image}`, ...at };
    else if (words.length === 1) e = { kind: 'explained', rule: words[0].image, text: words[0].image, ...at };
    else fail(words[0], `expected 'expect RULE', 'expect no RULE' or 'expect unexplained' but found 'expect ${words.map((w) => w.image).join(' ')}'`);
    if (ctx.Confidence) {
      const op = tok(ctx, 'CompareOp');
      const value = tok(ctx, 'value');
      if (e.kind !== 'explained') fail(tok(ctx, 'Confidence'), `a confidence only goes with 'expect RULE'`);
      const n = Number(value.image);
      if (!(n >= 0 && n <= 1)) fail(value, `confidence must be between 0 and 1, got ${value.image}`);
      e = { ...e, op: op.image as RuleTestExpectation['op'], value: n, text: `${e.text} confidence ${op.image} ${value.image}` };
    }
    return ['expect', e];
  }

  ruleDecl(ctx: Ctx): RuleAst {
    const ast: RuleAst = { ruleToken: tok(ctx, 'Rule'), name: tok(ctx, 'name'), flowArity: 'one', logArity: 'one', companions: [] };
    const seen = new Map<string, IToken>();
    const once = (kind: string, keyword: IToken, what = `'${kind}' clause`) => {
      const first = seen.get(kind);
      if (first) fail(keyword, `duplicate ${what} in rule '${ast.name.image}' (first on line ${first.startLine})`);
      seen.set(kind, keyword);
    };
    for (const c of nodes(ctx, 'clause')) {
      const [kind, keyword, value] = this.sub<ClauseValue>(c);
      if (kind === 'group') {
        // `flows:` is the `flow` clause for a group: one of the two per rule.
        const single = keyword.image === 'flows' ? 'flow' : 'log';
        once(single, keyword, `'${single}:' / '${keyword.image}:' clause`);
        if (single === 'flow') [ast.flow, ast.flowArity] = [value, 'many'];
        else [ast.log, ast.logArity] = [value, 'many'];
      } else if (kind === 'companion') {
        once(`with ${value.name.image}`, value.name, `event '${value.name.image}'`);
        ast.companions.push(value);
      } else {
        once(kind, keyword, kind === 'flow' || kind === 'log' ? `'${kind}:' / '${kind}s:' clause` : undefined);
        (ast as unknown as Record<string, unknown>)[kind] = value;
      }
    }
    return ast;
  }

  clause(ctx: Ctx): unknown {
    const key = Object.keys(ctx).find((k) => ctx[k]?.length)!;
    return this.visit(node(ctx, key));
  }

  titleClause(ctx: Ctx): ClauseValue {
    return ['title', tok(ctx, 'Title'), tok(ctx, 'StringLiteral')];
  }

  confidenceClause(ctx: Ctx): ClauseValue {
    return ['confidence', tok(ctx, 'Confidence'), tok(ctx, 'NumberLiteral')];
  }

  tagsClause(ctx: Ctx): ClauseValue {
    return ['tags', tok(ctx, 'Tags'), tokens(ctx, 'Name')];
  }

  flowClause(ctx: Ctx): ClauseValue {
    return ['flow', tok(ctx, 'Flow'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  logClause(ctx: Ctx): ClauseValue {
    return ['log', tok(ctx, 'Log'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  groupClause(ctx: Ctx): ClauseValue {
    return ['group', tok(ctx, 'group'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  eachClause(ctx: Ctx): ClauseValue {
    return ['each', tok(ctx, 'Each'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  companionClause(ctx: Ctx): ClauseValue {
    const mode = tok(ctx, 'mode');
    const value: CompanionAst = {
      required: mode.image === 'require',
      name: tok(ctx, 'name'),
      kind: tok(ctx, 'kind').image as 'flow' | 'log',
      expr: this.sub<Expr>(node(ctx, 'expression')),
    };
    return ['companion', mode, value];
  }

  matchClause(ctx: Ctx): ClauseValue {
    return ['match', tok(ctx, 'Match'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  explainClause(ctx: Ctx): ClauseValue {
    return ['explain', tok(ctx, 'Explain'), tok(ctx, 'StringLiteral')];
  }

  expression(ctx: Ctx): Expr {
    const items = nodes(ctx, 'conjunction').map((n) => this.sub<Expr>(n));
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  conjunction(ctx: Ctx): Expr {
    const items = nodes(ctx, 'negation').map((n) => this.sub<Expr>(n));
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  negation(ctx: Ctx): Expr {
    if (ctx.Not) return { kind: 'not', expr: this.sub<Expr>(node(ctx, 'negation')) };
    return this.sub<Expr>(node(ctx, 'primary'));
  }

  primary(ctx: Ctx): Expr {
    return this.sub<Expr>(node(ctx, ctx.expression ? 'expression' : 'condition'));
  }

  condition(ctx: Ctx): Expr {
    const lhs = this.sub<Operand>(node(ctx, 'lhs'));
    if (ctx.CompareOp) {
      const opToken = tok(ctx, 'CompareOp');
      return { kind: 'compare', op: opToken.image as CompareOp, opToken, lhs, rhs: this.sub<Operand>(node(ctx, 'rhs')) };
    }
    if (ctx.In) return { kind: 'in', opToken: tok(ctx, 'In'), lhs, items: this.sub<SetItem[]>(node(ctx, 'set')) };
    if (ctx.Matches) return { kind: 'matches', opToken: tok(ctx, 'Matches'), lhs, pattern: tok(ctx, 'StringLiteral') };
    const rhs = this.sub<Operand>(node(ctx, 'rhs'));
    if (ctx.relation) {
      const opToken = tok(ctx, 'relation');
      const tolerance = ctx.tolerance ? this.sub<Amount>(node(ctx, 'tolerance')) : undefined;
      return { kind: 'relation', rel: opToken.image as Relation, opToken, lhs, rhs, tolerance };
    }
    if (ctx.Approx) return { kind: 'approx', opToken: tok(ctx, 'Approx'), lhs, rhs, tolerance: this.sub<Amount>(node(ctx, 'tolerance')) };
    return { kind: 'near', opToken: tok(ctx, 'Within'), lhs, rhs, distance: this.sub<Amount>(node(ctx, 'distance')) };
  }

  operand(ctx: Ctx): Operand {
    return this.sub<Operand>(node(ctx, ctx.aggregate ? 'aggregate' : ctx.fieldRef ? 'fieldRef' : 'literal'));
  }

  aggregate(ctx: Ctx): Aggregate {
    const token = tok(ctx, 'fn');
    return { kind: 'aggregate', fn: token.image, token, arg: this.sub<FieldRef>(node(ctx, 'arg')) };
  }

  fieldRef(ctx: Ctx): FieldRef {
    const first = tok(ctx, 'scope');
    if (!ctx.field) {
      // `flow` / `log` alone are those events; a bare name is resolved by the clause it is in.
      if (first.tokenType.name === 'Identifier') return { kind: 'field', name: first.image, token: first, nameToken: first };
      return { kind: 'field', scope: first.image, token: first, nameToken: first };
    }
    const nameToken = tok(ctx, 'field');
    return { kind: 'field', scope: first.image, name: nameToken.image, token: first, nameToken };
  }

  literal(ctx: Ctx): Literal {
    if (ctx.StringLiteral) {
      const token = tok(ctx, 'StringLiteral');
      return { kind: 'string', value: unquote(token.image), token };
    }
    if (ctx.Address) {
      const token = tok(ctx, 'Address');
      return { kind: 'address', text: token.image, token };
    }
    return this.amount(ctx);
  }

  set(ctx: Ctx): SetItem[] {
    return nodes(ctx, 'setItem').map((n) => this.sub<SetItem>(n));
  }

  setItem(ctx: Ctx): SetItem {
    if (ctx.Address || ctx.StringLiteral) return { kind: 'single', lit: this.literal(ctx) };
    if (ctx.Identifier) {
      const token = tok(ctx, 'Identifier');
      return { kind: 'single', lit: { kind: 'name', name: token.image, token } };
    }
    const from = this.sub<Literal>(node(ctx, 'from'));
    if (!ctx.to) return { kind: 'single', lit: from };
    return { kind: 'range', from, to: this.sub<Literal>(node(ctx, 'to')) };
  }

  amount(ctx: Ctx): Amount {
    if (ctx.Quantity) return quantity(tok(ctx, 'Quantity'));
    const token = tok(ctx, 'NumberLiteral');
    return { kind: 'number', value: Number(token.image), token };
  }
}

const astBuilder = new AstBuilder();

/** What a test flow may say about itself: the flow fields, spelt as in rules. */
const TEST_FLOW_ATTRS = ['start', 'end', 'duration', 'pkts', 'bytes', 'src_pkts', 'dst_pkts', 'src_bytes', 'dst_bytes', 'src_payload', 'dst_payload', 'state', 'basis'];

/** "2008-03-08 03:27:47.764771" (UTC; a trailing Z or T between date and time is fine) -> Micros. */
function testTime(token: IToken): number {
  const m = token.tokenType === T.StringLiteral ? /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z?$/.exec(unquote(token.image)) : null;
  if (!m) fail(token, `a time in a test is a UTC date and time in quotes, like "2008-03-08 03:27:47.76", not ${token.image}`);
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms) || new Date(ms).getUTCDate() !== Number(d)) fail(token, `${token.image} is not a real date`);
  return ms * 1000 + Number((frac ?? '').padEnd(6, '0'));
}

// ---------------------------------------------------------------- addresses

interface Ip {
  version: 4 | 6;
  value: bigint;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

export function parseIp(text: string): Ip | undefined {
  const version = isIP(text);
  if (version === 4) return { version: 4, value: parseIpv4(text)! };
  if (version !== 6) return undefined;
  let s = text.toLowerCase();
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    // ::ffff:10.0.0.1 and friends: the last 32 bits written as IPv4.
    const v4 = parseIpv4(s.slice(lastColon + 1))!;
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (x: string) => (x === '' ? [] : x.split(':').map((g) => BigInt(`0x${g}`)));
  const hi = groups(head);
  const lo = rest === undefined ? [] : groups(rest);
  const fill = 8 - hi.length - lo.length;
  const all = [...hi, ...Array<bigint>(rest === undefined ? 0 : fill).fill(0n), ...lo];
  let v = 0n;
  for (const g of all) v = (v << 16n) | g;
  return { version: 6, value: v };
}

/**
 * The host an address names: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, RFC 4291
 * 2.5.5.2) is that IPv4 host. A daemon on an IPv6 socket that takes IPv4 clients is handed
 * their addresses so (RFC 3493 3.7) and logs them so (vsftpd with `listen_ipv6=YES`,
 * Debian's default), while the packets, and so the flows, carry plain IPv4.
 */
function hostOf(ip: Ip): Ip {
  return ip.version === 6 && ip.value >> 32n === 0xffffn ? { version: 4, value: ip.value & 0xffffffffn } : ip;
}

/** Equal hosts written differently (`::1`, `0:0::1`; `::ffff:10.0.0.1`, `10.0.0.1`) compare equal; non-addresses compare as text. */
function addressKey(text: string): string {
  const parsed = parseIp(text);
  if (!parsed) return text.toLowerCase();
  const ip = hostOf(parsed);
  return `${ip.version}/${ip.value.toString(16)}`;
}

interface Cidr {
  version: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseCidr(lit: Literal & { kind: 'address' }): Cidr {
  const [net, len] = lit.text.split('/');
  const ip = parseIp(net);
  if (!ip) fail(lit.token, `invalid CIDR '${lit.text}': '${net}' is not an IP address`);
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = Number(len);
  if (!/^\d+$/.test(len) || prefix > bits) fail(lit.token, `invalid CIDR '${lit.text}': prefix length must be 0..${bits}`);
  const shift = BigInt(bits - prefix);
  const network = (ip.value >> shift) << shift;
  // A block inside ::ffff:0:0/96 is a block of IPv4 hosts (hostOf).
  if (ip.version === 6 && prefix >= 96 && network >> 32n === 0xffffn) return { version: 4, network: network & 0xffffffffn, prefix: prefix - 96 };
  return { version: ip.version, network, prefix };
}

function inCidr(value: string, cidr: Cidr): boolean {
  const parsed = parseIp(value);
  if (!parsed) return false;
  const ip = hostOf(parsed);
  if (ip.version !== cidr.version) return false;
  const shift = BigInt((cidr.version === 4 ? 32 : 128) - cidr.prefix);
  return (ip.value >> shift) << shift === cidr.network;
}

// ---------------------------------------------------------------- checking and building
// ---------------------------------------------------------------- checking and building

/** Where an expression sits: which events its names can mean, and whether groups are aggregated. */
type Clause = 'flow' | 'log' | 'each' | 'match' | 'companion' | 'template';

interface Env {
  clause: Clause;
  flowArity: Arity;
  logArity: Arity;
  /** Every `with` / `require` event of the rule, by name. */
  companions: Map<string, 'flow' | 'log'>;
  /** In a `with` clause: the event it looks for. */
  self?: { name: string; kind: 'flow' | 'log' };
  /** Set when any clause reads the rule's log: a rule that never does explains flows alone. */
  uses: { log: boolean };
  /** Named groups of the `log:` clause's `matches` regexes: `log.NAME` reads the capture. */
  captures: Map<string, (log: LogEvent) => Value>;
}

/** A resolved operand: a field to read or a literal's value, with what it is called in evidence. */
interface Term {
  type: ValueType;
  read(b: Bindings): Value;
  /** 'log bytes' for fields, 'sum(flow.payload)' for aggregates, the literal as written for literals. */
  label: string;
  field: boolean;
  token: IToken;
}

/** An evidence line, built only when the report needs it; `join` when it relates two events. */
interface Ev {
  say: () => string;
  join: boolean;
}

/** What a condition contributes when it holds: a confidence factor and lazily built evidence. */
interface Outcome {
  factor: number;
  evidence: Ev[];
}

type Eval = (b: Bindings) => Outcome | null;

const HOLDS: Outcome = { factor: 1, evidence: [] };

const AGGREGATES = ['count', 'sum', 'min', 'max', 'distinct'];

/** Which values compare with which: ports and packet counts are both plain counts, an event's span is times. */
function dimension(type: ValueType): string {
  if (type === 'span') return 'time';
  return type === 'number' || type === 'port' || type === 'protocol' ? 'count' : type;
}

const NUMERIC_DIMS = new Set(['count', 'bytes', 'rate', 'duration', 'time', 'any']);

const TYPE_NAMES: Record<ValueType, string> = {
  number: 'a number', protocol: 'a protocol', port: 'a port', bytes: 'a byte count', rate: 'a rate (bytes/s)',
  duration: 'a duration', time: 'a time', address: 'an address', string: 'text', any: 'an untyped log field',
  span: "an event's time span",
};

function describeTerm(t: Term): string {
  return t.field ? `${t.label.replace(' ', '.')} is ${TYPE_NAMES[t.type]}` : `${t.label} is ${TYPE_NAMES[t.type]}`;
}

function interval(v: Value): { lo: number; hi: number } | undefined {
  if (v === undefined) return undefined;
  if (isRange(v)) return v;
  if (typeof v === 'number') return Number.isFinite(v) ? { lo: v, hi: v } : undefined;
  if (v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? { lo: n, hi: n } : undefined;
}

function gap(a: { lo: number; hi: number }, b: { lo: number; hi: number }): number {
  return Math.max(0, a.lo - b.hi, b.lo - a.hi);
}

/** How an estimated value was estimated; spans are exact. */
function rangeNote(v: Value): string | undefined {
  return isRange(v) && v.note !== 'span' ? v.note : undefined;
}

/** The sum of numbers and estimates: an estimate when any member is one. Members without the value are left out. */
function sumValues(values: Value[], what: string): Value {
  let lo = 0;
  let hi = 0;
  let n = 0;
  let estimated = false;
  for (const v of values) {
    const iv = interval(v);
    if (!iv) continue;
    lo += iv.lo;
    hi += iv.hi;
    n++;
    if (rangeNote(v)) estimated = true;
  }
  if (n === 0) return undefined;
  return estimated ? ({ lo, hi, note: `summed over ${n} ${what}${n === 1 ? '' : 's'}, estimated from packets` } satisfies Range) : lo;
}

const SYMBOL: Record<CompareOp, string> = { '==': '=', '!=': '≠', '<': '<', '<=': '≤', '>': '>', '>=': '≥' };

function compareValues(op: CompareOp, a: Value, b: Value, textual: boolean, address: boolean): boolean {
  if (a === undefined || b === undefined) return false;
  if (!textual) {
    const ia = interval(a);
    const ib = interval(b);
    if (ia && ib) {
      // An estimate holds a comparison when some value in its range does.
      switch (op) {
        case '==': return gap(ia, ib) === 0;
        case '!=': return !(ia.lo === ia.hi && ib.lo === ib.hi && ia.lo === ib.lo);
        case '<': return ia.lo < ib.hi;
        case '<=': return ia.lo <= ib.hi;
        case '>': return ia.hi > ib.lo;
        case '>=': return ia.hi >= ib.lo;
      }
    }
    if (isRange(a) || isRange(b)) return false;
  }
  if (op !== '==' && op !== '!=') return false;
  const sa = address ? addressKey(String(a)) : String(a);
  const sb = address ? addressKey(String(b)) : String(b);
  return (sa === sb) === (op === '==');
}

/** What a field of one event reads: its type and a reader. `name` undefined is the event's time span. */
interface Member {
  type: ValueType;
  read(e: RuleEvent): Value;
}

class RuleChecker {
  /** The largest time tolerance seen (in `each:`, `match:` and `with` clauses). */
  timeSlack = 0;

  constructor(private readonly env: Env) {}

  private get clause(): Clause {
    return this.env.clause;
  }

  build(e: Expr): Eval {
    switch (e.kind) {
      case 'and': {
        const items = e.items.map((x) => this.build(x));
        return (b) => {
          let factor = 1;
          const evidence: Ev[] = [];
          for (const item of items) {
            const o = item(b);
            if (!o) return null;
            factor *= o.factor;
            evidence.push(...o.evidence);
          }
          return { factor, evidence };
        };
      }
      case 'or': {
        const items = e.items.map((x) => this.build(x));
        return (b) => {
          let best: Outcome | null = null;
          for (const item of items) {
            const o = item(b);
            if (o && (!best || o.factor > best.factor)) best = o;
          }
          return best;
        };
      }
      case 'not': {
        const inner = this.build(e.expr);
        return (b) => (inner(b) ? null : HOLDS);
      }
      case 'compare':
        return this.compare(e);
      case 'in':
        return this.inSet(e);
      case 'matches':
        return this.matches(e);
      case 'approx':
        return this.approx(e);
      case 'near':
        return this.near(e);
      case 'relation':
        return this.relation(e);
    }
  }

  /**
   * The log-flow equalities `e` requires, as alternatives (see JoinKey): a conjunction needs
   * only one of its items' (the one with the fewest alternatives), a disjunction every item's.
   * Only address and text equalities: numbers may be equal written differently ("5.0").
   */
  joins(e: Expr): JoinKey[] | undefined {
    switch (e.kind) {
      case 'and': {
        let best: JoinKey[] | undefined;
        for (const item of e.items) {
          const j = this.joins(item);
          if (j && (!best || j.length < best.length)) best = j;
        }
        return best;
      }
      case 'or': {
        const all: JoinKey[] = [];
        for (const item of e.items) {
          const j = this.joins(item);
          if (!j) return undefined;
          all.push(...j);
        }
        return all;
      }
      case 'compare': {
        if (e.op !== '==' || e.lhs.kind !== 'field' || e.rhs.kind !== 'field') return undefined;
        if (e.lhs.scope === undefined || e.rhs.scope === undefined || e.lhs.name === undefined || e.rhs.name === undefined) return undefined;
        const [l, f] = e.lhs.scope === 'log' && e.rhs.scope === 'flow' ? [e.lhs, e.rhs] : e.lhs.scope === 'flow' && e.rhs.scope === 'log' ? [e.rhs, e.lhs] : [];
        if (!l || !f) return undefined;
        const lt = this.term(l);
        const ft = this.term(f);
        const textual = (t: ValueType) => t === 'address' || t === 'string';
        if (!(textual(lt.type) || textual(ft.type)) || (!textual(lt.type) && lt.type !== 'any') || (!textual(ft.type) && ft.type !== 'any')) return undefined;
        const key = (v: Value) => (v === undefined || isRange(v) ? undefined : addressKey(String(v)));
        return [{ log: (log) => key(lt.read({ flows: [], logs: [log] })), flow: (flow) => key(ft.read({ flows: [flow], logs: [] })), label: `log.${l.name} == flow.${f.name}` }];
      }
      default:
        return undefined;
    }
  }

  // ---- operands

  private member(kind: 'flow' | 'log', name: string | undefined, ref: FieldRef): Member {
    if (kind === 'flow') {
      if (name === undefined) return { type: 'span', read: (e) => flowSpan(e as FlowRecord) };
      const spec = flowField(name);
      if (!spec) {
        const near = closestName(name, FLOW_FIELD_NAMES);
        fail(ref.nameToken, `unknown flow field '${name}' (known: ${FLOW_FIELD_NAMES.join(', ')}${near ? `; did you mean '${near}'?` : ''})`);
      }
      return { type: spec.type, read: (e) => spec.read(e as FlowRecord) };
    }
    if (name === undefined) return { type: 'span', read: (e) => logSpan(e as LogEvent) };
    const capture = this.env.captures.get(name);
    if (capture) return { type: 'any', read: (e) => capture(e as LogEvent) };
    const spec = logField(name);
    return { type: spec.type, read: (e) => spec.read(e as LogEvent) };
  }

  /** A field reference resolved against the clause: which event, which field, and whether groups allow it. */
  field(ref: FieldRef): Term {
    const env = this.env;
    let scope = ref.scope;
    let name = ref.name;
    if (scope === undefined) {
      // A bare name: an event (`control`, `spike`), else a field of the clause's own event.
      if (env.companions.has(name!) || name === 'spike') [scope, name] = [name, undefined];
      else if (this.clause === 'flow' || this.clause === 'log') scope = this.clause;
      else if (this.clause === 'companion') scope = env.self!.name;
      else if (this.clause === 'template') fail(ref.token, `template slot '{${name}}' must name flow.<field> or log.<field>`);
      else fail(ref.token, `bare name '${name}' in ${this.clause}: write flow.${name} or log.${name}`);
    }
    const label = name === undefined ? scope! : `${scope} ${name}`;
    const term = (type: ValueType, read: (b: Bindings) => Value): Term => ({ type, read, label, field: true, token: ref.token });
    if (scope === 'flow' || scope === 'log') {
      if ((this.clause === 'flow' || this.clause === 'log') && scope !== this.clause) {
        fail(ref.token, `a ${this.clause}: clause can only use ${this.clause} fields; compare ${scope}.${name} in match:`);
      }
      const many = (scope === 'flow' ? env.flowArity : env.logArity) === 'many';
      if (many && (this.clause === 'match' || this.clause === 'companion' || this.clause === 'template')) {
        const use = name === undefined ? `count(${scope})` : `sum(${scope}.${name}), min(...), max(...) or distinct(...)`;
        fail(ref.token, `'${scope}s:' makes ${scope} a group: use an aggregate such as ${use}, or compare each ${scope} in each:`);
      }
      const m = this.member(scope, name, ref);
      if (scope === 'log') env.uses.log = true;
      if (scope === 'flow') return term(m.type, (b) => (b.flows[0] ? m.read(b.flows[0]) : undefined));
      return term(m.type, (b) => (b.logs[0] ? m.read(b.logs[0]) : undefined));
    }
    if (scope === 'spike') {
      if (this.clause === 'flow' || this.clause === 'log' || this.clause === 'each') {
        fail(ref.token, `'spike' is only known in match:, with/require clauses and explain, not in ${this.clause}:`);
      }
      if (name === undefined) return term('span', (b) => (b.spike ? ({ lo: b.spike.start, hi: b.spike.end, note: 'span' } satisfies Range) : undefined));
      if (!Object.hasOwn(SPIKE_FIELDS, name)) fail(ref.nameToken, `unknown spike field '${name}' (known: ${SPIKE_FIELD_NAMES.join(', ')})${closest(name, SPIKE_FIELD_NAMES)}`);
      const spec = SPIKE_FIELDS[name];
      return term(spec.type, (b) => (b.spike ? spec.read(b.spike) : undefined));
    }
    const kind = env.companions.get(scope!);
    if (kind === undefined) {
      const known = ['flow', 'log', 'spike', ...env.companions.keys()];
      fail(ref.token, `unknown event '${scope}' (known: ${known.join(', ')})${closest(scope!, known)}`);
    }
    const own = this.clause === 'companion' && env.self?.name === scope;
    if (!own && this.clause !== 'template') {
      const where = this.clause === 'companion' ? `the '${env.self!.name}' clause` : `${this.clause}:`;
      fail(ref.token, `'${scope}' is found after the rule's flows and logs are matched: use it in its own with/require clause or in explain, not in ${where}`);
    }
    const m = this.member(kind, name, ref);
    const key = scope!;
    return term(m.type, (b) => {
      const e = b.events?.[key];
      return e ? m.read(e) : undefined;
    });
  }

  private aggregate(a: Aggregate): Term {
    if (!AGGREGATES.includes(a.fn)) fail(a.token, `unknown aggregate '${a.fn}' (known: ${AGGREGATES.join(', ')})${closest(a.fn, AGGREGATES)}`);
    if (this.clause === 'flow' || this.clause === 'log' || this.clause === 'each') {
      fail(a.token, `${a.fn}(...) looks at a whole group: use it in match:, a with/require clause or explain, not in ${this.clause}:`);
    }
    const ref = a.arg;
    const scope = ref.scope ?? ref.name;
    const name = ref.scope === undefined ? undefined : ref.name;
    if (scope !== 'flow' && scope !== 'log') fail(ref.token, `${a.fn}(...) goes over the rule's flows or logs: write ${a.fn}(flow${a.fn === 'count' ? '' : '.bytes'}) or ${a.fn}(log${a.fn === 'count' ? '' : '.bytes'})`);
    if (scope === 'log') this.env.uses.log = true;
    const label = `${a.fn}(${scope}${name === undefined ? '' : `.${name}`})`;
    const members = (b: Bindings): RuleEvent[] => (scope === 'flow' ? b.flows : b.logs);
    const term = (type: ValueType, read: (b: Bindings) => Value): Term => ({ type, read, label, field: true, token: a.token });
    if (a.fn === 'count') {
      if (name !== undefined) fail(ref.nameToken, `count(...) counts events: write count(${scope}); for distinct values use distinct(${scope}.${name})`);
      return term('number', (b) => members(b).length);
    }
    if (name === undefined) fail(ref.token, `${a.fn}(...) needs a field, like ${a.fn}(${scope}.bytes)`);
    const m = this.member(scope, name, ref);
    const dim = dimension(m.type);
    switch (a.fn) {
      case 'distinct':
        return term('number', (b) => {
          const seen = new Set<string>();
          for (const e of members(b)) {
            const v = m.read(e);
            if (v === undefined || isRange(v)) continue;
            seen.add(m.type === 'address' ? addressKey(String(v)) : String(v));
          }
          return seen.size;
        });
      case 'sum':
        if (!NUMERIC_DIMS.has(dim) || dim === 'time') fail(a.token, `sum(...) needs numbers, sizes or durations but ${scope}.${name} is ${TYPE_NAMES[m.type]}`);
        return term(m.type, (b) => sumValues(members(b).map((e) => m.read(e)), scope));
      default: {
        if (!NUMERIC_DIMS.has(dim)) fail(a.token, `${a.fn}(...) needs numbers, sizes or times but ${scope}.${name} is ${TYPE_NAMES[m.type]}`);
        const pick = a.fn === 'min' ? Math.min : Math.max;
        return term(m.type, (b) => {
          let best: number | undefined;
          for (const e of members(b)) {
            const iv = interval(m.read(e));
            if (!iv) continue;
            const x = a.fn === 'min' ? iv.lo : iv.hi;
            best = best === undefined ? x : pick(best, x);
          }
          return best;
        });
      }
    }
  }

  /** A field or an aggregate. */
  term(o: FieldRef | Aggregate): Term {
    return o.kind === 'aggregate' ? this.aggregate(o) : this.field(o);
  }

  /** A literal's value as the field on the other side reads it; a mismatch is reported at `at`. */
  private literal(lit: Literal, other: Term, at: IToken): Term {
    const term = (type: ValueType, value: Value): Term => ({ type, read: () => value, label: lit.token.image, field: false, token: lit.token });
    const mismatch: (what: string) => never = (what) => fail(at, `type mismatch: ${describeTerm(other)} but ${lit.token.image} is ${what}`);
    const dim = dimension(other.type);
    switch (lit.kind) {
      case 'number':
        if (dim === 'count' || dim === 'bytes' || dim === 'rate' || dim === 'any') return term(other.type, lit.value);
        return mismatch(`a plain number${dim === 'duration' ? ` (write ${lit.token.image}s)` : ''}`);
      case 'quantity':
        if (lit.dim === 'percent') fail(lit.token, `a percentage is only allowed as a '~=' tolerance`);
        if (lit.dim === 'bytes' && (dim === 'bytes' || dim === 'rate' || dim === 'any')) return term(other.type, lit.value);
        // Unknown log fields carry seconds as logged.
        if (lit.dim === 'duration' && dim === 'duration') return term('duration', lit.value);
        if (lit.dim === 'duration' && dim === 'any') return term('any', lit.value / MICROS_PER_SECOND);
        return mismatch(lit.dim === 'bytes' ? 'a byte count' : 'a duration');
      case 'address':
        if (lit.text.includes('/')) fail(lit.token, `a CIDR block like ${lit.text} only makes sense after 'in'`);
        if (!parseIp(lit.text)) fail(lit.token, `invalid address '${lit.text}'`);
        if (dim === 'address' || dim === 'string' || dim === 'any') return term(other.type, lit.text);
        return mismatch('an address');
      case 'name':
      case 'string': {
        const text = lit.kind === 'name' ? lit.name : lit.value;
        if (other.type === 'protocol') {
          const p = Object.hasOwn(PROTOCOLS, text.toLowerCase()) ? PROTOCOLS[text.toLowerCase()] : /^\d+$/.test(text) ? Number(text) : undefined;
          if (p === undefined) fail(lit.token, `unknown protocol '${text}' (known: ${Object.keys(PROTOCOLS).join(', ')} or a number)`);
          return term('protocol', p);
        }
        if (lit.kind === 'name') fail(lit.token, `'${text}' is not a value here: write "${text}" for text`);
        if (dim === 'address') {
          if (!parseIp(text)) fail(lit.token, `invalid address '${text}'`);
          return term('address', text);
        }
        if (dim === 'string' || dim === 'any') return term(other.type, text);
        return mismatch('text');
      }
    }
  }

  /** Resolve both sides; a bare protocol name next to `proto` is a literal, not a field. */
  private pair(lhs: Operand, rhs: Operand, at: IToken, allowSpan = false): [Term, Term] {
    const isProtoName = (o: Operand) =>
      o.kind === 'field' && !o.scope && o.name !== undefined && Object.hasOwn(PROTOCOLS, o.name) && !this.env.companions.has(o.name);
    const asName = (o: FieldRef): Literal => ({ kind: 'name', name: o.name!, token: o.token });
    const isTerm = (o: Operand): o is FieldRef | Aggregate => o.kind === 'field' || o.kind === 'aggregate';
    let left: Operand = lhs;
    let right: Operand = rhs;
    if (isProtoName(rhs) && isTerm(lhs)) right = asName(rhs as FieldRef);
    else if (isProtoName(lhs) && isTerm(rhs)) left = asName(lhs as FieldRef);
    let result: [Term, Term];
    if (isTerm(left) && isTerm(right)) {
      const a = this.term(left);
      const b = this.term(right);
      if (dimension(a.type) !== dimension(b.type) && a.type !== 'any' && b.type !== 'any') {
        fail(at, `type mismatch: ${describeTerm(a)} but ${describeTerm(b)}`);
      }
      result = [a, b];
    } else if (isTerm(left)) {
      const a = this.term(left);
      result = [a, this.literal(right as Literal, a, at)];
    } else if (isTerm(right)) {
      const b = this.term(right);
      result = [this.literal(left, b, at), b];
    } else {
      fail(at, `a condition needs a field on at least one side`);
    }
    if (!allowSpan) {
      for (const t of result) {
        if (t.type === 'span') fail(at, `${t.label} alone is an event's time span: compare ${t.label}.start or ${t.label}.end, or use before, after, overlaps or within ... of`);
      }
    }
    return result;
  }

  private compare(e: Expr & { kind: 'compare' }): Eval {
    const [a, b] = this.pair(e.lhs, e.rhs, e.opToken);
    const dims = [dimension(a.type), dimension(b.type)];
    const textual = dims.includes('string') || dims.includes('address');
    const address = dims.includes('address');
    if (textual && e.op !== '==' && e.op !== '!=') {
      fail(e.opToken, `'${e.op}' needs numbers, times or sizes but ${describeTerm(dims[0] === 'string' || dims[0] === 'address' ? a : b)}`);
    }
    const sym = SYMBOL[e.op];
    const say = (t: Term, v: Value) => (t.field ? `${t.label} ${evidenceValue(v, t.type)}` : t.label);
    const join = a.field && b.field;
    return (bd) => {
      const va = a.read(bd);
      const vb = b.read(bd);
      if (!compareValues(e.op, va, vb, textual, address)) return null;
      return {
        factor: 1,
        evidence: [
          {
            join,
            say: () => {
              if (e.op === '==' && a.field && b.field) return `${say(a, va)} = ${b.label}`;
              if (e.op === '==' && a.field) return `${a.label} = ${b.label}`;
              if (e.op === '==' && b.field) return `${b.label} = ${a.label}`;
              return `${say(a, va)} ${sym} ${say(b, vb)}`;
            },
          },
        ],
      };
    };
  }

  private inSet(e: Expr & { kind: 'in' }): Eval {
    if (e.lhs.kind !== 'field' && e.lhs.kind !== 'aggregate') fail(e.lhs.token, `the left side of 'in' must be a field`);
    const a = this.term(e.lhs);
    if (a.type === 'span') fail(e.opToken, `${a.label} alone is an event's time span: use ${a.label}.start or ${a.label}.end`);
    const dim = dimension(a.type);
    const tests: ((v: Value) => boolean)[] = [];
    const texts: string[] = [];
    for (const item of e.items) {
      if (item.kind === 'range') {
        if (!NUMERIC_DIMS.has(dim)) fail(item.from.token, `a range needs a numeric field but ${describeTerm(a)}`);
        const lo = interval(this.literal(item.from, a, item.from.token).read({ flows: [], logs: [] }))!.lo;
        const hi = interval(this.literal(item.to, a, item.to.token).read({ flows: [], logs: [] }))!.lo;
        if (lo > hi) fail(item.from.token, `empty range ${item.from.token.image}..${item.to.token.image}: the lower end comes first`);
        tests.push((v) => {
          const iv = interval(v);
          return iv !== undefined && gap(iv, { lo, hi }) === 0;
        });
        texts.push(`${item.from.token.image}..${item.to.token.image}`);
        continue;
      }
      const lit = item.lit;
      if (lit.kind === 'address' && lit.text.includes('/')) {
        if (dim !== 'address' && dim !== 'any') fail(lit.token, `a CIDR block needs an address but ${describeTerm(a)}`);
        const cidr = parseCidr(lit);
        tests.push((v) => typeof v === 'string' && inCidr(v, cidr));
      } else {
        const value = this.literal(lit, a, lit.token).read({ flows: [], logs: [] });
        const textual = dim === 'string' || dim === 'address';
        tests.push((v) => compareValues('==', v, value, textual, dim === 'address'));
      }
      texts.push(lit.token.image);
    }
    const setText = e.items.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    return (bd) => {
      const v = a.read(bd);
      if (v === undefined || !tests.some((t) => t(v))) return null;
      return { factor: 1, evidence: [{ join: false, say: () => `${a.label} ${evidenceValue(v, a.type)} in ${setText}` }] };
    };
  }

  private matches(e: Expr & { kind: 'matches' }): Eval {
    if (e.lhs.kind !== 'field' && e.lhs.kind !== 'aggregate') fail(e.lhs.token, `the left side of 'matches' must be a field`);
    const a = this.term(e.lhs);
    if (!['string', 'address', 'any'].includes(a.type)) fail(e.opToken, `'matches' needs text but ${describeTerm(a)}`);
    let re: RegExp;
    try {
      re = new RegExp(unquote(e.pattern.image));
    } catch (error) {
      fail(e.pattern, `invalid regex ${e.pattern.image}: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return (bd) => {
      const v = a.read(bd);
      if (v === undefined || isRange(v) || !re.test(String(v))) return null;
      return { factor: 1, evidence: [{ join: false, say: () => `${a.label} ${v} matches ${e.pattern.image}` }] };
    };
  }

  private numericPair(lhs: Operand, rhs: Operand, at: IToken, what: string): [Term, Term] {
    const [a, b] = this.pair(lhs, rhs, at);
    for (const t of [a, b]) if (!NUMERIC_DIMS.has(dimension(t.type))) fail(at, `${what} needs numbers, sizes or times but ${describeTerm(t)}`);
    return [a, b];
  }

  /** Time tolerances in `each:`, `match:` and `with` clauses bound where the engine looks. */
  private noteSlack(micros: number): void {
    if (this.clause === 'each' || this.clause === 'match' || this.clause === 'companion') this.timeSlack = Math.max(this.timeSlack, micros);
  }

  private approx(e: Expr & { kind: 'approx' }): Eval {
    const [a, b] = this.numericPair(e.lhs, e.rhs, e.opToken, "'~='");
    const typed = a.type !== 'any' ? a : b;
    const dim = dimension(typed.type);
    const tol = e.tolerance;
    let percent: number | undefined;
    let absolute = 0;
    if (tol.kind === 'quantity' && tol.dim === 'percent') {
      if (dim === 'time') fail(tol.token, `a percentage tolerance makes no sense for times; use a duration like 5s`);
      percent = tol.value;
    } else {
      const ok = tol.kind === 'quantity' ? (tol.dim === 'bytes' ? ['bytes', 'rate', 'any'] : ['duration', 'time', 'any']) : ['count', 'bytes', 'rate', 'any'];
      if (!ok.includes(dim)) fail(tol.token, `tolerance ${tol.token.image} does not fit ${describeTerm(typed)}`);
      absolute = tol.value;
      if (tol.kind === 'quantity' && tol.dim === 'duration' && dim === 'any') absolute = tol.value / MICROS_PER_SECOND;
      if (dim === 'time') this.noteSlack(absolute);
    }
    const join = a.field && b.field;
    return (bd) => {
      const va = a.read(bd);
      const vb = b.read(bd);
      const ia = interval(va);
      const ib = interval(vb);
      if (!ia || !ib) return null;
      const distance = gap(ia, ib);
      const band = percent !== undefined ? percent * Math.abs((ib.lo + ib.hi) / 2) : absolute;
      if (distance > band) return null;
      const note = rangeNote(va) ?? rangeNote(vb);
      let dev = band > 0 ? distance / band : 0;
      // Within a tenth of the tolerance an estimate cannot tell sizes apart (the packets' header
      // sizes and the protocol's own bytes are guesses): such fits tie and time decides.
      // Scoring them finer let a neighbour's delivery that fell inside a connection's range
      // beat the connection's own, 2% below it and a second closer in time.
      if (note) dev = Math.max(dev, 0.1);
      const say = () => {
        const apart =
          percent !== undefined
            ? `${((distance / Math.max(1e-9, Math.abs((ib.lo + ib.hi) / 2))) * 100).toFixed(1)}% apart`
            : `${evidenceValue(distance, dim === 'time' ? 'duration' : typed.type)} apart`;
        const detail = note ? (distance > 0 ? `${note}; ${apart}` : note) : apart;
        return `${a.label} ${evidenceValue(va, a.type)} ≈ ${b.label} ${evidenceValue(vb, b.type)} (${detail})`;
      };
      return { factor: 1 - 0.2 * dev, evidence: [{ join, say }] };
    };
  }

  private near(e: Expr & { kind: 'near' }): Eval {
    const [a, b] = this.pair(e.lhs, e.rhs, e.opToken, true);
    const dims = new Set([dimension(a.type), dimension(b.type)]);
    if (dims.size !== 1 || !(dims.has('time') || dims.has('duration'))) {
      fail(e.opToken, `'within ... of' needs two times or two durations but ${describeTerm(a)} and ${describeTerm(b)}`);
    }
    const d = e.distance;
    if (d.kind !== 'quantity' || d.dim !== 'duration') fail(d.token, `'within' needs a duration like 30s, not ${d.token.image}`);
    const limit = d.value;
    // Any time tolerance bounds the search, as the first cut did (durations included: harmless).
    if (this.clause === 'match' || this.clause === 'each' || this.clause === 'companion') this.timeSlack = Math.max(this.timeSlack, limit);
    const join = a.field && b.field;
    return (bd) => {
      const va = a.read(bd);
      const vb = b.read(bd);
      const ia = interval(va);
      const ib = interval(vb);
      if (!ia || !ib) return null;
      const distance = gap(ia, ib);
      if (distance > limit) return null;
      const dev = limit > 0 ? distance / limit : 0;
      const say = () =>
        `${a.label} ${evidenceValue(va, a.type)} within ${d.token.image} of ${b.label} (${formatDuration(distance / MICROS_PER_SECOND)} apart)`;
      return { factor: 1 - 0.2 * dev, evidence: [{ join, say }] };
    };
  }

  /**
   * `A before B [within D]`: A ends at or before B starts (at most D earlier); `after` the
   * mirror; `A overlaps B [within D]`: their spans share a moment (or come within D). A time is
   * a span of one instant, an event (`flow`, `log`, `control`) its whole span.
   */
  private relation(e: Expr & { kind: 'relation' }): Eval {
    const side = (o: Operand): Term => {
      if (o.kind !== 'field' && o.kind !== 'aggregate') fail(o.token, `'${e.rel}' needs a time or an event on both sides (flow, log.start, control), not a value`);
      const t = this.term(o);
      if (t.type !== 'time' && t.type !== 'span') fail(e.opToken, `'${e.rel}' needs times or events (flow, log.start, control) but ${describeTerm(t)}`);
      return t;
    };
    const a = side(e.lhs);
    const b = side(e.rhs);
    let tol: number | undefined;
    if (e.tolerance) {
      const t = e.tolerance;
      if (t.kind !== 'quantity' || t.dim !== 'duration') fail(t.token, `'within' needs a duration like 30s, not ${t.token.image}`);
      tol = t.value;
      this.noteSlack(tol);
    }
    const limit = tol ?? (e.rel === 'overlaps' ? 0 : Infinity);
    const rel = e.rel;
    return (bd) => {
      const va = a.read(bd);
      const vb = b.read(bd);
      const ia = interval(va);
      const ib = interval(vb);
      if (!ia || !ib) return null;
      const d = rel === 'before' ? ib.lo - ia.hi : rel === 'after' ? ia.lo - ib.hi : gap(ia, ib);
      if (d < 0 || d > limit) return null;
      const dev = tol !== undefined && tol > 0 ? d / tol : 0;
      const say = () => {
        const within = tol !== undefined ? `, within ${e.tolerance!.token.image}` : '';
        const apart = rel === 'overlaps' && d === 0 ? (within ? `(${within.slice(2)})` : '') : `(${formatDuration(d / MICROS_PER_SECOND)}${rel === 'overlaps' ? ' apart' : ''}${within})`;
        return `${a.label} ${evidenceValue(va, a.type)} ${rel} ${b.label} ${evidenceValue(vb, b.type)}${apart ? ` ${apart}` : ''}`;
      };
      return { factor: 1 - 0.2 * dev, evidence: [{ join: true, say }] };
    };
  }
}

// ---------------------------------------------------------------- templates

/** A template piece's text; undefined for a slot whose value the events do not have. */
type Piece = (b: Bindings) => string | undefined;

/** A token standing for text inside a string token, so errors point into the string. */
function innerToken(token: IToken, offset: number, image: string): IToken {
  return { ...token, image, startColumn: (token.startColumn ?? 1) + 1 + offset };
}

function compileTemplate(token: IToken, env: Env): Piece[] {
  const raw = token.image.slice(1, -1);
  // Column of raw[0]: one past the opening quote.
  const at: (offset: number, reason: string) => never = (offset, reason) => fail(token, reason, 1 + offset);
  const { parts, problem } = splitTemplate(raw);
  if (problem) at(problem.offset, problem.reason);
  const checker = new RuleChecker({ ...env, clause: 'template' });
  const compilePart = (p: TemplateSlot | { kind: 'text'; text: string }): Piece => {
    if (p.kind === 'text') {
      const text = p.text.replace(/\\(["\\])/g, '$1');
      return () => text;
    }
    let term: Term;
    const agg = /^([A-Za-z_]\w*)\(\s*([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?\s*\)$/.exec(p.ref);
    const dotted = /^([A-Za-z_]\w*)\.([A-Za-z_]\w*)$/.exec(p.ref);
    if (p.ref === 'count') {
      // `{count}`: the size of the rule's group (its logs when logs are a group, else its flows).
      const scope = env.logArity === 'many' ? 'log' : env.flowArity === 'many' ? 'flow' : undefined;
      term = { type: 'number', read: (b) => (scope === 'log' ? b.logs.length : scope === 'flow' ? b.flows.length : 1), label: 'count', field: true, token };
    } else if (agg) {
      const [, fn, scope, name] = agg;
      const argOffset = p.offset + p.ref.indexOf('(') + 1 + (p.ref.slice(p.ref.indexOf('(') + 1).length - p.ref.slice(p.ref.indexOf('(') + 1).trimStart().length);
      const scopeToken = innerToken(token, argOffset, scope);
      const arg: FieldRef = {
        kind: 'field', scope, name, token: scopeToken,
        nameToken: name === undefined ? scopeToken : innerToken(token, argOffset + scope.length + 1, name),
      };
      term = checker.term({ kind: 'aggregate', fn, token: innerToken(token, p.offset, fn), arg });
    } else if (dotted) {
      const [, scope, name] = dotted;
      const scopeToken = innerToken(token, p.offset, scope);
      term = checker.term({ kind: 'field', scope, name, token: scopeToken, nameToken: innerToken(token, p.offset + scope.length + 1, name) });
    } else {
      at(p.offset, `template slot '{${p.ref}}' must name flow.<field> or log.<field>`);
    }
    const formatter = p.formatter;
    if (formatter !== undefined) {
      if (!Object.hasOwn(FORMATTERS, formatter)) at(p.formatterOffset, `unknown formatter '${formatter}' (known: ${FORMATTER_NAMES.join(', ')})${closest(formatter, FORMATTER_NAMES)}`);
      const { accepts, args } = FORMATTERS[formatter];
      if (term.type !== 'any' && !accepts.includes(term.type)) {
        at(p.formatterOffset, `formatter '${formatter}' does not fit ${term.label.replace(' ', '.')}, which is ${TYPE_NAMES[term.type]}`);
      }
      if (!args && p.args.length > 0) at(p.argOffsets[0] - 1, `formatter '${formatter}' takes no argument after ':'`);
      if (args) {
        const usage = ` (write ${args.usage})`;
        if (p.args.length < args.min) at(p.formatterOffset + formatter.length, `formatter '${formatter}' needs ${args.min === 1 ? 'an argument' : `${args.min} arguments`} after ':'${usage}`);
        if (p.args.length > args.max) at(p.argOffsets[args.max] - 1, `formatter '${formatter}' takes at most ${args.max} arguments${usage}`);
        const empty = p.args.findIndex((a) => a === '');
        if (empty >= 0) at(p.argOffsets[empty], `formatter '${formatter}' has an empty argument${usage}`);
      }
    }
    const t = term;
    const args = p.args;
    return (b) => {
      const value = t.read(b);
      return value === undefined ? undefined : renderValue(value, t.type, formatter, args);
    };
  };
  return parts.map((p): Piece => {
    if (p.kind !== 'section') return compilePart(p);
    const inner = p.parts.map(compilePart);
    return (b) => {
      let text = '';
      for (const piece of inner) {
        const s = piece(b);
        if (s === undefined) return '';
        text += s;
      }
      return text;
    };
  });
}

// ---------------------------------------------------------------- rules

/** Where a rule name was first defined, to report duplicates across files. */
export interface DefinedRule {
  file: string;
  line: number;
}

function settle(o: Outcome | null): RuleOutcome | null {
  return o ? { factor: o.factor, evidence: o.evidence.map((e) => e.say()) } : null;
}

/** Names an event may not take: they already mean something in expressions. */
const RESERVED_EVENT_NAMES = new Set(['flow', 'log', 'flows', 'logs', 'spike', 'count', ...AGGREGATES]);

function compileCompanion(c: CompanionAst, env: Omit<Env, 'clause'>): Companion {
  const checker = new RuleChecker({ ...env, clause: 'companion', self: { name: c.name.image, kind: c.kind } });
  const test = checker.build(c.expr);
  const name = c.name.image;
  return {
    name,
    kind: c.kind,
    required: c.required,
    slack: checker.timeSlack > 0 ? checker.timeSlack : DEFAULT_TIME_SLACK,
    test(bindings, candidate) {
      const o = test({ ...bindings, events: { ...bindings.events, [name]: candidate } });
      // Conditions on the event alone (`dport == 21`) are why it was picked, not evidence of the match.
      return o ? { factor: o.factor, evidence: o.evidence.filter((e) => e.join).map((e) => e.say()) } : null;
    },
  };
}

/** Every `matches` condition in an expression, with the clause's default scope for bare names. */
function matchesIn(e: Expr, out: (Expr & { kind: 'matches' })[] = []): (Expr & { kind: 'matches' })[] {
  if (e.kind === 'and' || e.kind === 'or') for (const x of e.items) matchesIn(x, out);
  else if (e.kind === 'not') matchesIn(e.expr, out);
  else if (e.kind === 'matches') out.push(e);
  return out;
}

const NAMED_GROUP = /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g;

/**
 * `log: message matches "sent (?<sent_bytes>\d+) bytes"` makes `log.sent_bytes` the captured
 * text (a number when it reads as one) wherever the rule names it: generic syslog events
 * carry only their message, and this is how a rule reads a number out of it. Only the `log:`
 * clause captures (it is what every candidate passed), so a named group elsewhere is an error.
 */
function logCaptures(ast: RuleAst): Map<string, (log: LogEvent) => Value> {
  const captures = new Map<string, (log: LogEvent) => Value>();
  const elsewhere = [ast.flow, ast.each, ast.match, ...ast.companions.map((c) => c.expr)].filter((x): x is Expr => x !== undefined);
  for (const e of elsewhere.flatMap((x) => matchesIn(x))) {
    const g = new RegExp(NAMED_GROUP.source).exec(unquote(e.pattern.image));
    if (g) fail(e.pattern, `named group '${g[1]}' captures nothing here: only a log: (or logs:) clause's 'matches' binds log.${g[1]}`);
  }
  if (!ast.log) return captures;
  for (const e of matchesIn(ast.log)) {
    const source = unquote(e.pattern.image);
    const names = [...source.matchAll(NAMED_GROUP)].map((m) => m[1]);
    if (names.length === 0) continue;
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch {
      continue; // reported with its position when the condition is built
    }
    const lhs = e.lhs;
    if (lhs.kind !== 'field' || lhs.name === undefined || (lhs.scope !== undefined && lhs.scope !== 'log')) continue;
    const spec = logField(lhs.name);
    const memo = new WeakMap<LogEvent, Record<string, string | undefined> | null>();
    const groups = (log: LogEvent) => {
      let m = memo.get(log);
      if (m === undefined) {
        const v = spec.read(log);
        m = v === undefined || isRange(v) ? null : (re.exec(String(v))?.groups ?? null);
        memo.set(log, m);
      }
      return m;
    };
    for (const n of names) {
      if (Object.hasOwn(LOG_FIELDS, n)) fail(e.pattern, `named group '${n}' would hide the log field '${n}': call it something else, like ${n}_seen`);
      if (captures.has(n)) fail(e.pattern, `named group '${n}' is captured twice in this rule`);
      captures.set(n, (log) => {
        const text = groups(log)?.[n];
        if (text === undefined) return undefined;
        return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
      });
    }
  }
  return captures;
}

function compileRule(ast: RuleAst, file: string): CompiledRule {
  const name = ast.name.image;
  if (!ast.title) fail(ast.name, `rule '${name}' has no title clause (title "..." is required)`);
  if (!ast.explain) fail(ast.name, `rule '${name}' has no explain clause (explain "..." is required)`);
  let confidence = DEFAULT_CONFIDENCE;
  if (ast.confidence) {
    confidence = Number(ast.confidence.image);
    if (!(confidence >= 0 && confidence <= 1)) fail(ast.confidence, `confidence must be between 0 and 1, got ${ast.confidence.image}`);
  }
  const companions = new Map<string, 'flow' | 'log'>();
  for (const c of ast.companions) {
    const n = c.name.image;
    if (RESERVED_EVENT_NAMES.has(n)) fail(c.name, `'${n}' cannot name an event: it already means something in rules; try a name like 'control'`);
    if (flowField(n) || Object.hasOwn(LOG_FIELDS, n)) fail(c.name, `'${n}' is a field name, so '${n}' alone would be ambiguous; call the event something else, like 'control'`);
    companions.set(n, c.kind);
  }
  const uses = { log: ast.log !== undefined };
  const env = { flowArity: ast.flowArity, logArity: ast.logArity, companions, uses, captures: logCaptures(ast) };
  const flowEval = ast.flow ? new RuleChecker({ ...env, clause: 'flow' }).build(ast.flow) : undefined;
  const logEval = ast.log ? new RuleChecker({ ...env, clause: 'log' }).build(ast.log) : undefined;
  const eachChecker = new RuleChecker({ ...env, clause: 'each' });
  const eachEval = ast.each ? eachChecker.build(ast.each) : undefined;
  const matchChecker = new RuleChecker({ ...env, clause: 'match' });
  const matchEval = ast.match ? matchChecker.build(ast.match) : undefined;
  const compiledCompanions = ast.companions.map((c) => compileCompanion(c, env));
  const pieces = compileTemplate(ast.explain, { ...env, clause: 'template' });
  const base = confidence;
  const slack = Math.max(eachChecker.timeSlack, matchChecker.timeSlack);
  // Joins narrow the search only where they hold pair by pair: `each:` always, `match:` when
  // both sides are single events (a group's `match:` sees aggregates).
  const joins =
    (ast.each ? eachChecker.joins(ast.each) : undefined) ??
    (ast.match && ast.flowArity === 'one' && ast.logArity === 'one' ? matchChecker.joins(ast.match) : undefined) ??
    [];
  const pair = (flow: FlowRecord, log: LogEvent): RuleOutcome | null =>
    eachEval ? settle(eachEval({ flows: [flow], logs: [log] })) : { factor: 1, evidence: [] };
  const evaluate = (b: Bindings): RuleOutcome | null => (matchEval ? settle(matchEval(b)) : { factor: 1, evidence: [] });
  // A value the events do not have reads '?' (outside an optional section, which drops whole).
  const render = (b: Bindings) => pieces.map((p) => p(b) ?? '?').join('');
  return {
    name,
    title: unquote(ast.title.image),
    file,
    line: ast.ruleToken.startLine ?? 1,
    confidence: base,
    tags: (ast.tags ?? []).map((t) => t.image),
    flowArity: ast.flowArity,
    logArity: ast.logArity,
    usesLogs: uses.log,
    joins,
    matchesFlow: (flow) => !flowEval || flowEval({ flows: [flow], logs: [] }) !== null,
    matchesLog: (log) => !logEval || logEval({ flows: [], logs: [log] }) !== null,
    pair,
    evaluate,
    companions: compiledCompanions,
    join(flow, log): JoinResult | null {
      const p = pair(flow, log);
      if (!p) return null;
      const m = evaluate({ flows: [flow], logs: [log] });
      if (!m) return null;
      return { confidence: base * p.factor * m.factor, evidence: [...p.evidence, ...m.evidence] };
    },
    timeSlack: slack > 0 ? slack : DEFAULT_TIME_SLACK,
    explain: (flow, log) => render({ flows: [flow], logs: [log] }),
    render,
  };
}

function syntaxError(file: string, lines: string[], line: number, column: number, reason: string): RuleSyntaxError {
  return new RuleSyntaxError(file, line, column, reason, lines[line - 1] ?? '');
}

/**
 * Parse and check one rule file. `defined` carries names from files loaded before, so a
 * duplicate across files is reported where it is redefined.
 */
export function compileRules(source: string, file: string, defined = new Map<string, DefinedRule>()): CompiledRule[] {
  return compileRuleFile(source, file, defined).rules;
}

/** A rule file's rules and its test cases (`test "..." { ... }`). */
export function compileRuleFile(source: string, file: string, defined = new Map<string, DefinedRule>()): RuleFile {
  const lines = source.split(/\r?\n/);
  const { cst, lexErrors, parseErrors } = parseRuleText(source);
  const first = lexErrors[0] ?? parseErrors[0];
  if (first || !cst) {
    throw syntaxError(file, lines, first?.line ?? 1, first?.column ?? 1, first?.reason ?? 'cannot parse');
  }
  try {
    const { rules: asts, tests } = astBuilder.visit(cst) as { rules: RuleAst[]; tests: RuleTestCase[] };
    for (const t of tests) {
      t.file = file;
      for (const f of t.flows) f.origin = { file, line: f.origin.line, raw: lines[f.origin.line - 1]?.trim() ?? '' };
    }
    const rules: CompiledRule[] = [];
    for (const ast of asts) {
      const name = ast.name.image;
      const before = defined.get(name);
      if (before) {
        const where = before.file === file ? `line ${before.line}` : `${before.file}:${before.line}`;
        fail(ast.name, `duplicate rule '${name}' (first defined at ${where})`);
      }
      const rule = compileRule(ast, file);
      defined.set(name, { file, line: rule.line });
      rules.push(rule);
    }
    return { rules, tests };
  } catch (error) {
    if (error instanceof CompileProblem) {
      const line = error.token.startLine ?? 1;
      throw syntaxError(file, lines, line, (error.token.startColumn ?? 1) + error.columnOffset, error.reason);
    }
    throw error;
  }
}
