// What a `--filter` tree matches, applied to a bidirectional flow the way pcap-filter(7)
// applies it to a packet of that flow: `host X` when either end is X; `src host X` when X
// started the flow (the flow's src is its initiator), `dst` its other end; `port` only for
// protocols that have ports.
import type { FlowRecord } from '../event.js';
import { inPrefix, parseAddress, type ParsedAddress } from './flow-filter-address.js';
import { parseFlowFilter, type Direction, type FilterNode, type Primitive } from './flow-filter-parse.js';

export type FlowPredicate = (flow: FlowRecord) => boolean;

/** Flow addresses parsed once each: a capture repeats few addresses over many flows. */
class AddressCache {
  private readonly seen = new Map<string, ParsedAddress | null>();
  get(text: string): ParsedAddress | null {
    let a = this.seen.get(text);
    if (a === undefined) {
      a = parseAddress(text) ?? null;
      this.seen.set(text, a);
    }
    return a;
  }
}

function sides(dir: Direction, src: boolean, dst: boolean): boolean {
  switch (dir) {
    case 'src':
      return src;
    case 'dst':
      return dst;
    case 'either':
      return src || dst;
    case 'both':
      return src && dst;
  }
}

function primitive(p: Primitive, cache: AddressCache): FlowPredicate {
  const { family, protos, test } = p;
  return (f) => {
    if (protos && !protos.includes(f.proto)) return false;
    if (family !== undefined) {
      const a = cache.get(f.src) ?? cache.get(f.dst);
      if (!a || a.family !== family) return false;
    }
    if (!test) return true;
    if (test.type === 'port') {
      const inRange = (port: number | null) => port !== null && port >= test.lo && port <= test.hi;
      return sides(test.dir, inRange(f.sport), inRange(f.dport));
    }
    const src = cache.get(f.src);
    const dst = cache.get(f.dst);
    if (test.type === 'host') {
      const key = test.address.key;
      return sides(test.dir, src?.key === key, dst?.key === key);
    }
    const inNet = (a: ParsedAddress | null) => a !== null && a.family === test.family && inPrefix(a.bytes, test.bytes, test.prefix);
    return sides(test.dir, inNet(src), inNet(dst));
  };
}

function compile(node: FilterNode, cache: AddressCache): FlowPredicate {
  switch (node.kind) {
    case 'primitive':
      return primitive(node, cache);
    case 'not': {
      const inner = compile(node.operand, cache);
      return (f) => !inner(f);
    }
    case 'and': {
      const l = compile(node.left, cache);
      const r = compile(node.right, cache);
      return (f) => l(f) && r(f);
    }
    case 'or': {
      const l = compile(node.left, cache);
      const r = compile(node.right, cache);
      return (f) => l(f) || r(f);
    }
  }
}

/** The predicate for `filter`; throws FilterSyntaxError (with a column) when it does not parse. */
export function flowFilter(filter: string): FlowPredicate {
  return compile(parseFlowFilter(filter), new AddressCache());
}
