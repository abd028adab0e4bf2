// Reading in arrays instead of one await per line or item: the syslog family's hot path.
import type { ParseItem } from '../src/event.js';
import type { InputFile } from './parser.js';

/** An input's lines in batches, from `lineBatches` when the input has it. */
export async function* batchesOf(input: InputFile, size = 4096): AsyncIterable<string[]> {
  if (input.lineBatches) {
    yield* input.lineBatches();
    return;
  }
  let batch: string[] = [];
  for await (const line of input.lines()) {
    batch.push(line);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** A parser's items in arrays, whether or not it produces them that way. */
export async function* itemBatches(items: AsyncIterable<ParseItem> & { batches?(): AsyncIterable<ParseItem[]> }, size = 1024): AsyncIterable<ParseItem[]> {
  if (typeof items.batches === 'function') {
    yield* items.batches();
    return;
  }
  let batch: ParseItem[] = [];
  for await (const item of items) {
    batch.push(item);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
