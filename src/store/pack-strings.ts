// What the packed column BLOBs (flow-pack.ts, event-pack.ts) share: short strings stored once
// per pack and referred to by their index, and the 8-byte alignment of the typed-array columns.

/** The next multiple of 8: Float64 columns must start 8-aligned in the pack. */
export const pad8 = (n: number): number => (n + 7) & ~7;

/** Distinct strings in first-seen order and a code per value (-1: none). */
export function stringCodes(): { strings: string[]; code: (s: string | null | undefined) => number } {
  const strings: string[] = [];
  const index = new Map<string, number>();
  const code = (s: string | null | undefined): number => {
    if (s === null || s === undefined) return -1;
    let k = index.get(s);
    if (k === undefined) {
      k = strings.length;
      strings.push(s);
      index.set(s, k);
    }
    return k;
  };
  return { strings, code };
}
