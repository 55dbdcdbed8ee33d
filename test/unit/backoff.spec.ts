import { expect, test } from '@playwright/test';
import { type BackoffCurve, backoff } from '../../src/backoff.js';

const curve: BackoffCurve = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: 'full' };

/** A deterministic generator in [0, 1) (mulberry32), so the statistics below are repeatable. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the cap grows by factor per attempt from initialDelayMs and stops at maxDelayMs', () => {
  const none = { ...curve, jitter: 'none' } as const;
  expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoff(n, none, 0.5))).toEqual([
    1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
  ]);
  expect(backoff(1000, none, 0.5)).toBe(30_000); // no overflow to Infinity/NaN for huge attempts
});

test('full jitter: over 10 000 draws, delays lie in [0, cap] with mean ≈ cap/2', () => {
  const random = seeded(42);
  for (const attempt of [1, 3, 10]) {
    const cap = Math.min(curve.maxDelayMs, curve.initialDelayMs * curve.factor ** (attempt - 1));
    const draws = Array.from({ length: 10_000 }, () => backoff(attempt, curve, random()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThanOrEqual(cap);
    const mean = draws.reduce((sum, d) => sum + d, 0) / draws.length;
    // The standard error of the mean of U(0, cap) over 10 000 draws is cap/√120000 ≈ 0.003·cap.
    expect(Math.abs(mean - cap / 2)).toBeLessThan(cap * 0.02);
    // Spread, not clumped: each tenth of [0, cap] gets a fair share of the draws.
    const deciles = Array.from(
      { length: 10 },
      (_, i) => draws.filter((d) => d >= (cap * i) / 10 && d < (cap * (i + 1)) / 10).length,
    );
    for (const count of deciles) expect(count).toBeGreaterThan(800);
  }
});

test('full jitter reaches both ends of [0, cap]', () => {
  expect(backoff(3, curve, 0)).toBe(0);
  expect(backoff(3, curve, 0.999_999_9)).toBe(4000);
});

test('equal jitter lies in [cap/2, cap]; none is the cap', () => {
  const equal = { ...curve, jitter: 'equal' } as const;
  expect(backoff(2, equal, 0)).toBe(1000);
  expect(backoff(2, equal, 0.5)).toBe(1500);
  expect(backoff(2, equal, 0.999_999_9)).toBe(2000);
  expect(backoff(2, { ...curve, jitter: 'none' }, 0.123)).toBe(2000);
});
