import { appendFile } from 'node:fs/promises';
import { RedisServer } from '../fixture/redis-server.js';
import { RedisFaults } from './redis-faults.js';
import { type Outcome, report, runSeed } from './run.js';
import type { BrokerKind } from './steps.js';

/** One batch: a broker kind, a seed range, and a time bound. */
export interface BatchPlan {
  kind: BrokerKind;
  /** The first seed. */
  from: number;
  /** How many seeds (from `from` on) to run. */
  count: number;
  /** When to stop even if not all seeds ran (`performance.now()` milliseconds). */
  deadline: number;
}

/** What a batch ran and which seeds failed. */
export interface BatchResult {
  kind: BrokerKind;
  from: number;
  /** Seeds run: `from` … `from + ran - 1`. */
  ran: number;
  failures: Outcome[];
  ms: number;
}

/**
 * Runs the seeds of a plan in `lanes` concurrent lanes (each a world of its own; a Redis lane on a
 * `redis-server` of its own, since store faults hit the whole server), each taking the next seed until the range
 * is done or the deadline has passed; the seeds run are always `from` … `from + ran - 1`. Appends a JSON line
 * per batch to `SCHEDULE_RESULTS` when that is set (the bench reads it).
 */
export async function runBatch(plan: BatchPlan, lanes: number): Promise<BatchResult> {
  const started = performance.now();
  const failures: Outcome[] = [];
  let next = 0;
  const lane = async (): Promise<number> => {
    const redisServer = plan.kind === 'redis' ? await RedisServer.start() : undefined;
    const faults = redisServer ? new RedisFaults(redisServer) : undefined;
    let ran = 0;
    try {
      while (next < plan.count && performance.now() < plan.deadline) {
        const outcome = await runSeed(plan.kind, plan.from + next++, faults);
        ran++;
        if (outcome.violations.length > 0) failures.push(outcome);
      }
    } finally {
      faults?.close();
      await redisServer?.stop();
    }
    return ran;
  };
  const counts = await Promise.all(Array.from({ length: lanes }, lane));
  const ran = counts.reduce((sum, count) => sum + count, 0);
  failures.sort((x, y) => x.seed - y.seed);
  const result = {
    kind: plan.kind,
    from: plan.from,
    ran,
    failures,
    ms: Math.round(performance.now() - started),
  };
  const file = process.env.SCHEDULE_RESULTS;
  if (file) await appendFile(file, `${JSON.stringify(summarize(result))}\n`);
  return result;
}

/** A batch as one line of JSON: seeds, count, and per failing seed its invariants. */
export function summarize(result: BatchResult) {
  return {
    kind: result.kind,
    seeds: `${result.from}..${result.from + result.ran - 1}`,
    ran: result.ran,
    ms: result.ms,
    failures: result.failures.map((f) => ({
      seed: f.seed,
      invariants: [...new Set(f.violations.map((v) => v.invariant))],
    })),
  };
}

/** The failures of a batch as text, at most `limit` of them in full. */
export function describeFailures(result: BatchResult, limit = 5): string {
  const head = `${result.kind}: seeds ${result.from}..${result.from + result.ran - 1}, ${result.ran} run in ${result.ms} ms, ${result.failures.length} failed`;
  const full = result.failures.slice(0, limit).map((outcome) => report(outcome));
  const rest = result.failures
    .slice(limit)
    .map((f) => `  seed ${f.seed}: ${[...new Set(f.violations.map((v) => v.invariant))].join('; ')}`);
  return [head, ...full, ...rest].join('\n');
}
