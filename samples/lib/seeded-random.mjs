// The samples' one source of chance: mulberry32, small and seeded, so every generator writes
// the same files on every run.

/** A seeded generator with the helpers the sample scripts draw from. */
export function seededRandom(seed) {
  let state = seed;
  function random() {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const between = (lo, hi) => lo + (hi - lo) * random();
  const int = (lo, hi) => Math.floor(between(lo, hi + 1));
  const pick = (list) => list[Math.floor(random() * list.length)];
  /** Log-normal sizes: most web objects small, a few large. */
  const lognormal = (median, spread) => median * Math.exp(spread * Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random()));
  return { random, between, int, pick, lognormal };
}
