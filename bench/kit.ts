// Shared by the benchmarks: where figures are recorded, and the statistics they need.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Browser, TestInfo } from '@playwright/test';

export const PARTS = new URL('results/parts/', import.meta.url);

/** One benchmark's figures for one browser, as report.ts reads them. */
export interface Part {
  metric: string;
  project: string;
  browser: string;
  figures: Record<string, unknown>;
}

/** Records a benchmark's figures for the final table (bench/results/parts/<project>--<metric>.json). */
export function record(
  testInfo: TestInfo,
  browser: Browser,
  metric: string,
  figures: Record<string, unknown>,
): void {
  mkdirSync(PARTS, { recursive: true });
  const part: Part = {
    metric,
    project: testInfo.project.name,
    browser: `${browser.browserType().name()} ${browser.version()}`,
    figures,
  };
  writeFileSync(
    new URL(`${testInfo.project.name}--${metric}.json`, PARTS),
    `${JSON.stringify(part, null, 2)}\n`,
  );
}

/** The peers whose behaviour peers.bench.ts measures, with their default options, next to ours. */
export const PEERS = ['reconnecting-websocket', 'partysocket'] as const;
export type PeerName = (typeof PEERS)[number];

/** A peer's installed version, from its package.json (the exact devDependency in our package.json). */
export function peerVersion(name: string): string {
  const file = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The largest share of `times` (ms) that falls inside any window of `windowMs`. */
export function maxWindowShare(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - windowMs + 1e-9) j++;
    best = Math.max(best, i - j + 1);
  }
  return sorted.length ? best / sorted.length : 0;
}
