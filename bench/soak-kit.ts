// Helpers of bench/soak.bench.ts: a seeded random source, and what a received sequence says about delivery.

/** The faults the soak injects. */
export type FaultKind = 'kill' | 'half-open' | 'restart';

/** A small seeded PRNG (mulberry32): the same seed replays the same faults and traffic split. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What arrived of 1…expected: distinct ones, missing ones, extra copies, and first arrivals out of order. */
export interface SequenceReport {
  received: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

export function sequenceReport(arrived: readonly number[], expected: number): SequenceReport {
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  let highest = 0;
  for (const n of arrived) {
    if (seen.has(n)) {
      duplicated++;
      continue;
    }
    seen.add(n);
    if (n < highest) outOfOrder++;
    highest = Math.max(highest, n);
  }
  const received = [...seen].filter((n) => n >= 1 && n <= expected).length;
  return { received, lost: expected - received, duplicated, outOfOrder };
}
