// One time order out of many inputs without holding them: a k-way merge over the parsers'
// streams (`messages`, `messages.1`, `messages.2.gz`, maillog ...), a small heap of each
// input's next record keyed by its time. Memory is one buffered window per input, not the
// inputs.
//
// A parser's records are not always in time order within its file: postfix emits a joined
// delivery at the line that ends its message, or, for a message that never ends, when it
// has been idle an hour (stamped with its last line, an hour back); an NTP step or a second
// writer sets lines back a little. So each input goes through a reorder window first: a
// record is held until the input has reached `window` past it, and records that arrive
// within the window are put in their place. A parser that says how old what it still
// holds is (`settledBefore`: the syslog family's open mail messages) gets a window of a
// minute for stepping clocks plus exactly that: holding an hour of a busy log for every
// file cost a third of the run in garbage collection. A record stamped before one already
// passed on (a clock stepped back further than the window) goes on at once, where it was
// read, and is counted in `late` so the caller can say so: the merge never waits
// unboundedly and never drops one.
import type { FlowlinkEvent, Micros, ParseIssue, ParseItem, ParseNote } from '../event.js';
import { MICROS_PER_SECOND } from '../time.js';

/** For parsers that do not say what they hold: above MAIL_IDLE_MICROS (an hour), so cut-off deliveries land in place. */
export const DEFAULT_REORDER_WINDOW: Micros = 3900 * MICROS_PER_SECOND;
/** For parsers that do: how far lines' own stamps may step back and still be put in place. */
export const STEP_WINDOW: Micros = 60 * MICROS_PER_SECOND;
/** Records held per input at most: past it the earliest go out even inside the window. */
export const DEFAULT_MAX_HELD = 200_000;

export const timeOf = (e: FlowlinkEvent): Micros => (e.kind === 'log' ? e.ts : e.start);

/** One input: its items in batches and, when the parser has it, what it still holds (ParseStream.settledBefore). */
export interface MergeInput {
  batches: AsyncIterable<ParseItem[]>;
  settledBefore?: () => Micros;
}

export interface MergeOptions {
  /** Reorder window; default STEP_WINDOW for inputs with `settledBefore`, else DEFAULT_REORDER_WINDOW. */
  window?: Micros;
  maxHeld?: number;
  /** Issues and notes, passed through as they are read (they have no place in the time order). */
  onOther?: (item: ParseIssue | ParseNote, input: number) => void;
}

export interface LateRecords {
  input: number;
  count: number;
  first: FlowlinkEvent;
  /** How far behind the latest record before it the first one was. */
  behind: Micros;
  /** The input's reorder window, which they fell outside of. */
  window: Micros;
}

interface Held {
  event: FlowlinkEvent;
  t: Micros;
  seq: number;
}

/** Binary min-heap on (t, seq): the sequence number keeps equal times in reading order. */
class MinHeap<T extends { t: Micros; seq: number }> {
  readonly items: T[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(x: T): void {
    const a = this.items;
    let i = a.push(x) - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(x, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = x;
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && less(a[r], a[l]) ? r : l;
        if (!less(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

function less(a: { t: Micros; seq: number }, b: { t: Micros; seq: number }): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

/** What a released queue slot holds until the queue is compacted. */
const RELEASED = undefined as unknown as FlowlinkEvent;

/**
 * One input's records in time order within `window`. In-order arrivals (nearly all) go on
 * a queue in O(1), kept as parallel arrays (record, time, arrival number) so that holding
 * one costs no object of its own; only records that arrive early-stamped go through a heap.
 */
export class ReorderWindow {
  private events: FlowlinkEvent[] = [];
  private times: Micros[] = [];
  private seqs: number[] = [];
  private head = 0;
  private readonly early = new MinHeap<Held>();
  private latest = -Infinity;
  /** The latest time already passed on. */
  private released = -Infinity;
  private settled = Infinity;
  private seq = 0;
  late?: LateRecords;

  constructor(
    private readonly input: number,
    private readonly window: Micros = DEFAULT_REORDER_WINDOW,
    private readonly maxHeld: number = DEFAULT_MAX_HELD,
  ) {}

  get held(): number {
    return this.events.length - this.head + this.early.size;
  }

  /** Adds a record; pushes onto `out` what can no longer be overtaken. */
  add(event: FlowlinkEvent, out: FlowlinkEvent[]): void {
    const t = timeOf(event);
    const seq = this.seq++;
    if (t >= this.latest) {
      this.latest = t;
      this.events.push(event);
      this.times.push(t);
      this.seqs.push(seq);
    } else if (t < this.released) {
      // Too late to put in place (something later already went out): out now, counted.
      if (this.late) this.late.count++;
      else this.late = { input: this.input, count: 1, first: event, behind: this.latest - t, window: this.window };
      out.push(event);
      return;
    } else {
      this.early.push({ event, t, seq });
    }
    this.release(Math.min(this.latest - this.window, this.settled), out);
    if (this.held > this.maxHeld) this.releaseOne(out);
  }

  /** The parser holds nothing stamped before `t`: records before it can go once the window allows. */
  settle(t: Micros, out: FlowlinkEvent[]): void {
    this.settled = t;
    this.release(Math.min(this.latest - this.window, t), out);
  }

  /** Everything still held, in order (the input has ended). */
  drain(out: FlowlinkEvent[]): void {
    while (this.held > 0) this.releaseOne(out);
  }

  /** Whether the queue's head goes before the heap's top (false when the queue is empty). */
  private queueFirst(): boolean {
    const h = this.head;
    if (h >= this.events.length) return false;
    const e = this.early.peek();
    return !e || this.times[h] < e.t || (this.times[h] === e.t && this.seqs[h] < e.seq);
  }

  private release(upTo: Micros, out: FlowlinkEvent[]): void {
    for (;;) {
      if (this.queueFirst()) {
        if (this.times[this.head] >= upTo) break;
        this.take(true, out);
      } else {
        const e = this.early.peek();
        if (!e || e.t >= upTo) break;
        this.take(false, out);
      }
    }
  }

  private releaseOne(out: FlowlinkEvent[]): void {
    this.take(this.queueFirst(), out);
  }

  private take(fromQueue: boolean, out: FlowlinkEvent[]): void {
    if (fromQueue) {
      const h = this.head++;
      if (this.times[h] > this.released) this.released = this.times[h];
      out.push(this.events[h]);
      // Let go at once: a record the array still pointed to would survive a scavenge.
      this.events[h] = RELEASED;
      // Compact now and then, so the queue's arrays do not grow with the file.
      if (this.head > 4096 && this.head * 2 > this.events.length) {
        this.events = this.events.slice(this.head);
        this.times = this.times.slice(this.head);
        this.seqs = this.seqs.slice(this.head);
        this.head = 0;
      }
    } else {
      const next = this.early.pop()!;
      if (next.t > this.released) this.released = next.t;
      out.push(next.event);
    }
  }
}

/** One input's records in order within its window, read a batch at a time. */
class OrderedInput {
  private buffer: FlowlinkEvent[] = [];
  private pos = 0;
  private done = false;
  private readonly iterator: AsyncIterator<ParseItem[]>;
  readonly window: ReorderWindow;

  constructor(
    readonly index: number,
    input: MergeInput,
    options: MergeOptions,
  ) {
    this.iterator = input.batches[Symbol.asyncIterator]();
    this.settledBefore = input.settledBefore;
    this.window = new ReorderWindow(index, options.window ?? (input.settledBefore ? STEP_WINDOW : DEFAULT_REORDER_WINDOW), options.maxHeld);
    this.onOther = options.onOther;
  }

  private readonly settledBefore?: () => Micros;

  private readonly onOther?: MergeOptions['onOther'];

  /** The next record without taking it; undefined at the end. */
  async peek(): Promise<FlowlinkEvent | undefined> {
    while (this.pos >= this.buffer.length) {
      if (this.done) return undefined;
      this.buffer = [];
      this.pos = 0;
      const r = await this.iterator.next();
      if (r.done) {
        this.done = true;
        this.window.drain(this.buffer);
        continue;
      }
      for (const item of r.value) {
        if (item.kind === 'issue' || item.kind === 'note') this.onOther?.(item, this.index);
        else this.window.add(item, this.buffer);
      }
      if (this.settledBefore) this.window.settle(this.settledBefore(), this.buffer);
    }
    return this.buffer[this.pos];
  }

  /** Takes the record `peek` returned. */
  next(): FlowlinkEvent {
    return this.buffer[this.pos++];
  }

  /** The next record when it is already buffered (no await needed). */
  peekBuffered(): FlowlinkEvent | undefined {
    return this.pos < this.buffer.length ? this.buffer[this.pos] : undefined;
  }
}

export interface MergeResult {
  /** Records in time order, in arrays. */
  batches: AsyncIterable<FlowlinkEvent[]>;
  /** Per input, records stamped before records already passed on (filled as the merge runs). */
  late(): LateRecords[];
}

/**
 * Merges inputs' item streams into one time order (ties: the earlier input first, then
 * reading order). Issues and notes go to `onOther` as they are read.
 */
export function mergeByTime(inputs: MergeInput[], options: MergeOptions = {}): MergeResult {
  const sources = inputs.map((input, index) => new OrderedInput(index, input, options));
  return {
    batches: mergeBatches(sources),
    late: () => sources.flatMap((s) => (s.window.late ? [s.window.late] : [])),
  };
}

interface Head {
  t: Micros;
  seq: number;
  source: OrderedInput;
}

const OUT_BATCH = 512;

async function* mergeBatches(sources: OrderedInput[]): AsyncIterable<FlowlinkEvent[]> {
  const heap = new MinHeap<Head>();
  for (const source of sources) {
    const first = await source.peek();
    if (first) heap.push({ t: timeOf(first), seq: source.index, source });
  }
  let out: FlowlinkEvent[] = [];
  while (heap.size > 0) {
    const { source } = heap.pop()!;
    const rival = heap.peek();
    // Take from this input while it stays first: a run (one input alone, or a file of
    // an hour between others) costs no heap work and awaits only once per batch read.
    for (;;) {
      out.push(source.next());
      if (out.length >= OUT_BATCH) {
        yield out;
        out = [];
      }
      const next = source.peekBuffered() ?? (await source.peek());
      if (!next) break;
      const t = timeOf(next);
      if (rival && (t > rival.t || (t === rival.t && source.index > rival.seq))) {
        heap.push({ t, seq: source.index, source });
        break;
      }
    }
  }
  if (out.length > 0) yield out;
}
