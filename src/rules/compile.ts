// From parse tree to CompiledRule. Two steps: a CST visitor turns the tree into a small AST
// (plain objects that keep their tokens for error positions), then a checker resolves fields,
// checks types and units, and builds the closures the correlation engine calls.
import { isIP } from 'node:net';
import type { CstNode, IToken } from 'chevrotain';
import type { FlowRecord, LogEvent } from '../event.js';
import { RuleSyntaxError } from '../errors.js';
import { MICROS_PER_SECOND } from '../time.js';
import { formatDuration } from '../units.js';
import { unquote } from './lexer.js';
import { parseRuleText, ruleParser } from './parser.js';
import { FLOW_FIELD_NAMES, flowField, isRange, logField, PROTOCOLS, type Value, type ValueType } from './fields.js';
import { evidenceValue, FORMATTER_NAMES, FORMATTERS, renderValue, splitTemplate } from './format.js';
import type { CompiledRule, JoinResult } from './types.js';

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

interface FieldRef {
  kind: 'field';
  scope?: 'flow' | 'log';
  name: string;
  /** The first token (`flow` in `flow.src`) and the name token. */
  token: IToken;
  nameToken: IToken;
}

type Operand = FieldRef | Literal;

type SetItem = { kind: 'single'; lit: Literal } | { kind: 'range'; from: Literal; to: Literal };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Expr =
  | { kind: 'or' | 'and'; items: Expr[] }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; op: CompareOp; opToken: IToken; lhs: Operand; rhs: Operand }
  | { kind: 'in'; opToken: IToken; lhs: Operand; items: SetItem[] }
  | { kind: 'matches'; opToken: IToken; lhs: Operand; pattern: IToken }
  | { kind: 'approx'; opToken: IToken; lhs: Operand; rhs: Operand; tolerance: Amount }
  | { kind: 'near'; opToken: IToken; lhs: Operand; rhs: Operand; distance: Amount };

type ClauseName = 'title' | 'confidence' | 'tags' | 'flow' | 'log' | 'match' | 'explain';

interface RuleAst {
  ruleToken: IToken;
  name: IToken;
  title?: IToken;
  confidence?: IToken;
  tags?: IToken[];
  flow?: Expr;
  log?: Expr;
  match?: Expr;
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
  const near = ALL_UNITS.find((u) => u.toLowerCase() === unit.toLowerCase());
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

/** CST -> AST. Checks only what needs no field knowledge: duplicate clauses and units. */
class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  private sub<T>(n: CstNode): T {
    return this.visit(n) as T;
  }

  file(ctx: Ctx): RuleAst[] {
    return nodes(ctx, 'ruleDecl').map((n) => this.sub<RuleAst>(n));
  }

  ruleDecl(ctx: Ctx): RuleAst {
    const ast: RuleAst = { ruleToken: tok(ctx, 'Rule'), name: tok(ctx, 'name') };
    const seen = new Map<ClauseName, IToken>();
    for (const c of nodes(ctx, 'clause')) {
      const [kind, keyword, value] = this.sub<[ClauseName, IToken, unknown]>(c);
      const first = seen.get(kind);
      if (first) fail(keyword, `duplicate '${kind}' clause in rule '${ast.name.image}' (first on line ${first.startLine})`);
      seen.set(kind, keyword);
      (ast as unknown as Record<string, unknown>)[kind] = value;
    }
    return ast;
  }

  clause(ctx: Ctx): unknown {
    const key = Object.keys(ctx).find((k) => ctx[k]?.length)!;
    return this.visit(node(ctx, key));
  }

  titleClause(ctx: Ctx): [ClauseName, IToken, IToken] {
    return ['title', tok(ctx, 'Title'), tok(ctx, 'StringLiteral')];
  }

  confidenceClause(ctx: Ctx): [ClauseName, IToken, IToken] {
    return ['confidence', tok(ctx, 'Confidence'), tok(ctx, 'NumberLiteral')];
  }

  tagsClause(ctx: Ctx): [ClauseName, IToken, IToken[]] {
    return ['tags', tok(ctx, 'Tags'), tokens(ctx, 'Name')];
  }

  flowClause(ctx: Ctx): [ClauseName, IToken, Expr] {
    return ['flow', tok(ctx, 'Flow'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  logClause(ctx: Ctx): [ClauseName, IToken, Expr] {
    return ['log', tok(ctx, 'Log'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  matchClause(ctx: Ctx): [ClauseName, IToken, Expr] {
    return ['match', tok(ctx, 'Match'), this.sub<Expr>(node(ctx, 'expression'))];
  }

  explainClause(ctx: Ctx): [ClauseName, IToken, IToken] {
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
    if (ctx.Approx) return { kind: 'approx', opToken: tok(ctx, 'Approx'), lhs, rhs, tolerance: this.sub<Amount>(node(ctx, 'tolerance')) };
    return { kind: 'near', opToken: tok(ctx, 'Within'), lhs, rhs, distance: this.sub<Amount>(node(ctx, 'distance')) };
  }

  operand(ctx: Ctx): Operand {
    return this.sub<Operand>(node(ctx, ctx.fieldRef ? 'fieldRef' : 'literal'));
  }

  fieldRef(ctx: Ctx): FieldRef {
    const nameToken = tok(ctx, 'field');
    if (ctx.scope) {
      const scope = tok(ctx, 'scope');
      return { kind: 'field', scope: scope.image as 'flow' | 'log', name: nameToken.image, token: scope, nameToken };
    }
    return { kind: 'field', name: nameToken.image, token: nameToken, nameToken };
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

/** Equal addresses written differently (`::1`, `0:0::1`) compare equal; non-addresses compare as text. */
function addressKey(text: string): string {
  const ip = parseIp(text);
  return ip ? `${ip.version}/${ip.value.toString(16)}` : text.toLowerCase();
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
  return { version: ip.version, network: (ip.value >> shift) << shift, prefix };
}

function inCidr(value: string, cidr: Cidr): boolean {
  const ip = parseIp(value);
  if (!ip || ip.version !== cidr.version) return false;
  const shift = BigInt((cidr.version === 4 ? 32 : 128) - cidr.prefix);
  return (ip.value >> shift) << shift === cidr.network;
}

// ---------------------------------------------------------------- checking and building

type Scope = 'flow' | 'log' | 'match';

/** A resolved operand: a field to read or a literal's value, with what it is called in evidence. */
interface Term {
  type: ValueType;
  read(flow: FlowRecord | undefined, log: LogEvent | undefined): Value;
  /** 'log bytes' for fields, the literal as written for literals. */
  label: string;
  field: boolean;
  token: IToken;
}

/** What a condition contributes when it holds: a confidence factor and lazily built evidence. */
interface Outcome {
  factor: number;
  evidence: (() => string)[];
}

type Eval = (flow: FlowRecord | undefined, log: LogEvent | undefined) => Outcome | null;

const HOLDS: Outcome = { factor: 1, evidence: [] };

/** Which values compare with which: ports and packet counts are both plain counts, etc. */
function dimension(type: ValueType): string {
  return type === 'number' || type === 'port' || type === 'protocol' ? 'count' : type;
}

const NUMERIC_DIMS = new Set(['count', 'bytes', 'rate', 'duration', 'time', 'any']);

const TYPE_NAMES: Record<ValueType, string> = {
  number: 'a number', protocol: 'a protocol', port: 'a port', bytes: 'a byte count', rate: 'a rate (bytes/s)',
  duration: 'a duration', time: 'a time', address: 'an address', string: 'text', any: 'an untyped log field',
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

function rangeNote(v: Value): string | undefined {
  return isRange(v) ? v.note : undefined;
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

class RuleChecker {
  /** The largest time tolerance seen in `match:`. */
  timeSlack = 0;

  constructor(private readonly scope: Scope) {}

  build(e: Expr): Eval {
    switch (e.kind) {
      case 'and': {
        const items = e.items.map((x) => this.build(x));
        return (f, l) => {
          let factor = 1;
          const evidence: (() => string)[] = [];
          for (const item of items) {
            const o = item(f, l);
            if (!o) return null;
            factor *= o.factor;
            evidence.push(...o.evidence);
          }
          return { factor, evidence };
        };
      }
      case 'or': {
        const items = e.items.map((x) => this.build(x));
        return (f, l) => {
          let best: Outcome | null = null;
          for (const item of items) {
            const o = item(f, l);
            if (o && (!best || o.factor > best.factor)) best = o;
          }
          return best;
        };
      }
      case 'not': {
        const inner = this.build(e.expr);
        return (f, l) => (inner(f, l) ? null : HOLDS);
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
    }
  }

  // ---- operands

  private field(ref: FieldRef): Term {
    const scope = ref.scope ?? (this.scope === 'match' ? undefined : this.scope);
    if (!scope) fail(ref.token, `bare name '${ref.name}' in match: write flow.${ref.name} or log.${ref.name}`);
    if (this.scope !== 'match' && scope !== this.scope) {
      fail(ref.token, `a ${this.scope}: clause can only use ${this.scope} fields; compare ${ref.scope}.${ref.name} in match:`);
    }
    const label = `${scope} ${ref.name}`;
    if (scope === 'flow') {
      const spec = flowField(ref.name);
      if (!spec) fail(ref.nameToken, `unknown flow field '${ref.name}' (known: ${FLOW_FIELD_NAMES.join(', ')})`);
      return { type: spec.type, read: (f) => (f ? spec.read(f) : undefined), label, field: true, token: ref.token };
    }
    const spec = logField(ref.name);
    return { type: spec.type, read: (_f, l) => (l ? spec.read(l) : undefined), label, field: true, token: ref.token };
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
  private pair(lhs: Operand, rhs: Operand, at: IToken): [Term, Term] {
    const isProtoName = (o: Operand) =>
      o.kind === 'field' && !o.scope && Object.hasOwn(PROTOCOLS, o.name) && (this.scope === 'match' || !(this.scope === 'flow' && flowField(o.name)));
    const asName = (o: FieldRef): Literal => ({ kind: 'name', name: o.name, token: o.token });
    let left: Operand = lhs;
    let right: Operand = rhs;
    if (isProtoName(rhs) && lhs.kind === 'field') right = asName(rhs as FieldRef);
    else if (isProtoName(lhs) && rhs.kind === 'field') left = asName(lhs as FieldRef);
    if (left.kind === 'field' && right.kind === 'field') {
      const a = this.field(left);
      const b = this.field(right);
      if (dimension(a.type) !== dimension(b.type) && a.type !== 'any' && b.type !== 'any') {
        fail(at, `type mismatch: ${describeTerm(a)} but ${describeTerm(b)}`);
      }
      return [a, b];
    }
    if (left.kind === 'field') {
      const a = this.field(left);
      return [a, this.literal(right as Literal, a, at)];
    }
    if (right.kind === 'field') {
      const b = this.field(right);
      return [this.literal(left, b, at), b];
    }
    fail(at, `a condition needs a field on at least one side`);
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
    return (f, l) => {
      const va = a.read(f, l);
      const vb = b.read(f, l);
      if (!compareValues(e.op, va, vb, textual, address)) return null;
      return {
        factor: 1,
        evidence: [
          () => {
            if (e.op === '==' && a.field && b.field) return `${say(a, va)} = ${b.label}`;
            if (e.op === '==' && a.field) return `${a.label} = ${b.label}`;
            if (e.op === '==' && b.field) return `${b.label} = ${a.label}`;
            return `${say(a, va)} ${sym} ${say(b, vb)}`;
          },
        ],
      };
    };
  }

  private inSet(e: Expr & { kind: 'in' }): Eval {
    if (e.lhs.kind !== 'field') fail(e.lhs.token, `the left side of 'in' must be a field`);
    const a = this.field(e.lhs);
    const dim = dimension(a.type);
    const tests: ((v: Value) => boolean)[] = [];
    const texts: string[] = [];
    for (const item of e.items) {
      if (item.kind === 'range') {
        if (!NUMERIC_DIMS.has(dim)) fail(item.from.token, `a range needs a numeric field but ${describeTerm(a)}`);
        const lo = interval(this.literal(item.from, a, item.from.token).read(undefined, undefined))!.lo;
        const hi = interval(this.literal(item.to, a, item.to.token).read(undefined, undefined))!.lo;
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
        const value = this.literal(lit, a, lit.token).read(undefined, undefined);
        const textual = dim === 'string' || dim === 'address';
        tests.push((v) => compareValues('==', v, value, textual, dim === 'address'));
      }
      texts.push(lit.token.image);
    }
    const setText = e.items.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    return (f, l) => {
      const v = a.read(f, l);
      if (v === undefined || !tests.some((t) => t(v))) return null;
      return { factor: 1, evidence: [() => `${a.label} ${evidenceValue(v, a.type)} in ${setText}`] };
    };
  }

  private matches(e: Expr & { kind: 'matches' }): Eval {
    if (e.lhs.kind !== 'field') fail(e.lhs.token, `the left side of 'matches' must be a field`);
    const a = this.field(e.lhs);
    if (!['string', 'address', 'any'].includes(a.type)) fail(e.opToken, `'matches' needs text but ${describeTerm(a)}`);
    let re: RegExp;
    try {
      re = new RegExp(unquote(e.pattern.image));
    } catch (error) {
      fail(e.pattern, `invalid regex ${e.pattern.image}: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`);
    }
    return (f, l) => {
      const v = a.read(f, l);
      if (v === undefined || isRange(v) || !re.test(String(v))) return null;
      return { factor: 1, evidence: [() => `${a.label} ${v} matches ${e.pattern.image}`] };
    };
  }

  private numericPair(lhs: Operand, rhs: Operand, at: IToken, what: string): [Term, Term] {
    const [a, b] = this.pair(lhs, rhs, at);
    for (const t of [a, b]) if (!NUMERIC_DIMS.has(dimension(t.type))) fail(at, `${what} needs numbers, sizes or times but ${describeTerm(t)}`);
    return [a, b];
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
      if (dim === 'time' && this.scope === 'match') this.timeSlack = Math.max(this.timeSlack, absolute);
    }
    return (f, l) => {
      const va = a.read(f, l);
      const vb = b.read(f, l);
      const ia = interval(va);
      const ib = interval(vb);
      if (!ia || !ib) return null;
      const distance = gap(ia, ib);
      const band = percent !== undefined ? percent * Math.abs((ib.lo + ib.hi) / 2) : absolute;
      if (distance > band) return null;
      const note = rangeNote(va) ?? rangeNote(vb);
      let dev = band > 0 ? distance / band : 0;
      if (note) dev = Math.max(dev, 0.1);
      const evidence = () => {
        const apart =
          percent !== undefined
            ? `${((distance / Math.max(1e-9, Math.abs((ib.lo + ib.hi) / 2))) * 100).toFixed(1)}% apart`
            : `${evidenceValue(distance, dim === 'time' ? 'duration' : typed.type)} apart`;
        const detail = note ? (distance > 0 ? `${note}; ${apart}` : note) : apart;
        return `${a.label} ${evidenceValue(va, a.type)} ≈ ${b.label} ${evidenceValue(vb, b.type)} (${detail})`;
      };
      return { factor: 1 - 0.2 * dev, evidence: [evidence] };
    };
  }

  private near(e: Expr & { kind: 'near' }): Eval {
    const [a, b] = this.pair(e.lhs, e.rhs, e.opToken);
    const kinds = new Set([a.type, b.type]);
    if (kinds.size !== 1 || !(kinds.has('time') || kinds.has('duration'))) {
      fail(e.opToken, `'within ... of' needs two times or two durations but ${describeTerm(a)} and ${describeTerm(b)}`);
    }
    const d = e.distance;
    if (d.kind !== 'quantity' || d.dim !== 'duration') fail(d.token, `'within' needs a duration like 30s, not ${d.token.image}`);
    const limit = d.value;
    if (this.scope === 'match') this.timeSlack = Math.max(this.timeSlack, limit);
    return (f, l) => {
      const va = a.read(f, l);
      const vb = b.read(f, l);
      const ia = interval(va);
      const ib = interval(vb);
      if (!ia || !ib) return null;
      const distance = gap(ia, ib);
      if (distance > limit) return null;
      const dev = limit > 0 ? distance / limit : 0;
      const evidence = () =>
        `${a.label} ${evidenceValue(va, a.type)} within ${d.token.image} of ${b.label} (${formatDuration(distance / MICROS_PER_SECOND)} apart)`;
      return { factor: 1 - 0.2 * dev, evidence: [evidence] };
    };
  }
}

// ---------------------------------------------------------------- templates

type Piece = (flow: FlowRecord, log: LogEvent) => string;

function compileTemplate(token: IToken): Piece[] {
  const raw = token.image.slice(1, -1);
  // Column of raw[0]: one past the opening quote.
  const at: (offset: number, reason: string) => never = (offset, reason) => fail(token, reason, 1 + offset);
  const { parts, problem } = splitTemplate(raw);
  if (problem) at(problem.offset, problem.reason);
  return parts.map((p): Piece => {
    if (p.kind === 'text') {
      const text = p.text.replace(/\\(["\\])/g, '$1');
      return () => text;
    }
    const m = /^(flow|log)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(p.ref);
    if (!m) at(p.offset, `template slot '{${p.ref}}' must name flow.<field> or log.<field>`);
    const [, scope, name] = m;
    let type: ValueType;
    let read: (f: FlowRecord, l: LogEvent) => Value;
    if (scope === 'flow') {
      const spec = flowField(name);
      if (!spec) at(p.offset + 5, `unknown flow field '${name}' (known: ${FLOW_FIELD_NAMES.join(', ')})`);
      type = spec.type;
      read = (f) => spec.read(f);
    } else {
      const spec = logField(name);
      type = spec.type;
      read = (_f, l) => spec.read(l);
    }
    const formatter = p.formatter;
    if (formatter !== undefined) {
      if (!Object.hasOwn(FORMATTERS, formatter)) at(p.formatterOffset, `unknown formatter '${formatter}' (known: ${FORMATTER_NAMES.join(', ')})`);
      const accepts = FORMATTERS[formatter].accepts;
      if (type !== 'any' && !accepts.includes(type)) at(p.formatterOffset, `formatter '${formatter}' does not fit ${scope}.${name}, which is ${TYPE_NAMES[type]}`);
    }
    return (f, l) => renderValue(read(f, l), type, formatter);
  });
}

// ---------------------------------------------------------------- rules

/** Where a rule name was first defined, to report duplicates across files. */
export interface DefinedRule {
  file: string;
  line: number;
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
  const flowEval = ast.flow ? new RuleChecker('flow').build(ast.flow) : undefined;
  const logEval = ast.log ? new RuleChecker('log').build(ast.log) : undefined;
  const matchChecker = new RuleChecker('match');
  const matchEval = ast.match ? matchChecker.build(ast.match) : undefined;
  const pieces = compileTemplate(ast.explain);
  const base = confidence;
  return {
    name,
    title: unquote(ast.title.image),
    file,
    line: ast.ruleToken.startLine ?? 1,
    confidence: base,
    tags: (ast.tags ?? []).map((t) => t.image),
    matchesFlow: (flow) => !flowEval || flowEval(flow, undefined) !== null,
    matchesLog: (log) => !logEval || logEval(undefined, log) !== null,
    join(flow, log): JoinResult | null {
      if (!matchEval) return { confidence: base, evidence: [] };
      const o = matchEval(flow, log);
      if (!o) return null;
      return { confidence: base * o.factor, evidence: o.evidence.map((e) => e()) };
    },
    timeSlack: matchChecker.timeSlack > 0 ? matchChecker.timeSlack : DEFAULT_TIME_SLACK,
    explain: (flow, log) => pieces.map((p) => p(flow, log)).join(''),
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
  const lines = source.split(/\r?\n/);
  const { cst, lexErrors, parseErrors } = parseRuleText(source);
  const first = lexErrors[0] ?? parseErrors[0];
  if (first || !cst) {
    throw syntaxError(file, lines, first?.line ?? 1, first?.column ?? 1, first?.reason ?? 'cannot parse');
  }
  try {
    const asts = astBuilder.visit(cst) as RuleAst[];
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
    return rules;
  } catch (error) {
    if (error instanceof CompileProblem) {
      const line = error.token.startLine ?? 1;
      throw syntaxError(file, lines, line, (error.token.startColumn ?? 1) + error.columnOffset, error.reason);
    }
    throw error;
  }
}
