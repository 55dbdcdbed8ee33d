#!/usr/bin/env node
// The randomized fault-schedule test (test/schedule/) as a long run: N seeds per broker kind (default 10,000 in
// all, half on MemoryBroker, half on RedisBroker with two nodes), in two Playwright workers, bounded in time.
// Prints how many schedules ran, their seed ranges, and the failing seeds with the invariants they broke.
//
//   node bench/schedule.mjs [--count 10000] [--from 1] [--minutes 60]
//
// A failing seed replays with: SCHEDULE_SEED=<seed> SCHEDULE_BROKER=<kind> npx playwright test --project=node test/schedule
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    from: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '60' },
  },
});
const count = Number(values.count);
const minutes = Number(values.minutes);
const dir = mkdtempSync(path.join(tmpdir(), 'rs-schedule-'));
const results = path.join(dir, 'results.jsonl');
// Four tests (two per kind) share two workers, so each gets half the time.
const budgetMs = Math.round((minutes * 60_000) / 2);
const started = Date.now();
const run = spawnSync(
  'npx',
  ['playwright', 'test', '--project=node', 'test/schedule/schedule.spec.ts', '--reporter=dot', '--workers=2'],
  {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      SCHEDULE_COUNT: String(Math.ceil(count / 2)),
      SCHEDULE_FROM: values.from,
      SCHEDULE_BUDGET_MS: String(budgetMs),
      SCHEDULE_RESULTS: results,
    },
  },
);
/** @type {Array<{ kind: string; seeds: string; ran: number; ms: number; failures: Array<{ seed: number; invariants: string[] }> }>} */
let lines = [];
try {
  lines = readFileSync(results, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
} catch {
  // No batch finished: reported below as 0 schedules.
}
rmSync(dir, { recursive: true, force: true });
const ran = lines.reduce((sum, batch) => sum + batch.ran, 0);
const failures = lines.flatMap((batch) =>
  batch.failures.map((failure) => ({ kind: batch.kind, ...failure })),
);
console.log(`schedules: ${ran} of ${count} in ${Math.round((Date.now() - started) / 1000)} s`);
for (const batch of lines)
  console.log(
    `  ${batch.kind.padEnd(6)} seeds ${batch.seeds}: ${batch.ran} run, ${batch.failures.length} failed, ${batch.ms} ms`,
  );
/** @type {Map<string, string[]>} */
const byInvariant = new Map();
for (const failure of failures)
  for (const invariant of failure.invariants)
    byInvariant.set(invariant, [...(byInvariant.get(invariant) ?? []), `${failure.kind}:${failure.seed}`]);
console.log(`failures: ${failures.length}`);
for (const [invariant, seeds] of byInvariant)
  console.log(
    `  ${invariant}: ${seeds.length} (${seeds.slice(0, 8).join(' ')}${seeds.length > 8 ? ' …' : ''})`,
  );
process.exitCode = failures.length > 0 || ran < count || run.status !== 0 ? 1 : 0;
