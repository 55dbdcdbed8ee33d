// The randomized fault-schedule test (issue 20): the real client (Node + `ws`) and real server nodes, on a
// MemoryBroker and on RedisBroker with two nodes, through a TCP proxy, under seeded schedules of app actions
// and faults; a checker over each whole history (test/schedule/checker.ts says what it asserts).
//
// CI: a time-bounded batch of seeds per broker, split over several tests so that both workers share it.
// Replay one seed: SCHEDULE_SEED=123 [SCHEDULE_BROKER=memory|redis] npx playwright test --project=node test/schedule
// Shrink it with fast-check as well: SCHEDULE_SHRINK=1 with SCHEDULE_SEED (re-runs the schedule many times);
// a shrunk schedule replays with SCHEDULE_JSON='<the JSON printed>' beside SCHEDULE_SEED and SCHEDULE_BROKER.
// SCHEDULE_VERBOSE=1 prints the whole history. The schedule replays exactly; the machine's timing does not.
// Bigger batches: SCHEDULE_COUNT (seeds per broker), SCHEDULE_FROM (first seed), SCHEDULE_BUDGET_MS (per test).
import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { RedisServer } from '../fixture/redis-server.js';
import { describeFailures, runBatch } from './batch.js';
import { RedisFaults } from './redis-faults.js';
import { report, runSchedule, runSeed } from './run.js';
import { type BrokerKind, type Schedule, scheduleArbitrary } from './steps.js';

const env = process.env;
const KINDS: BrokerKind[] = ['memory', 'redis'];
/**
 * Seeds per broker kind in one CI run (540 in all, in ~2 min on two workers: a Redis schedule costs more), and
 * the tests each kind is split into. SCHEDULE_COUNT sets both.
 */
const PER_KIND: Record<BrokerKind, number> = {
  memory: Number(env.SCHEDULE_COUNT ?? 340),
  redis: Number(env.SCHEDULE_COUNT ?? 200),
};
const PARTS = 2;
const FROM = Number(env.SCHEDULE_FROM ?? 1);
/** Each test's time bound for its share. */
const BUDGET_MS = Number(env.SCHEDULE_BUDGET_MS ?? 55_000);
/**
 * Schedules run at once in one test: most of a schedule is waiting (timers, faults), so a worker can run
 * several; Redis lanes each start a redis-server of their own.
 */
const LANES: Record<BrokerKind, number> = { memory: 3, redis: 3 };

/** Runs `body` with a RedisFaults on a redis-server of its own when `kind` is redis. */
async function withStore<T>(
  kind: BrokerKind,
  body: (faults: RedisFaults | undefined) => Promise<T>,
): Promise<T> {
  if (kind === 'memory') return body(undefined);
  const redis = await RedisServer.start();
  const faults = new RedisFaults(redis);
  try {
    return await body(faults);
  } finally {
    faults.close();
    await redis.stop();
  }
}

if (env.SCHEDULE_SEED !== undefined) {
  const seed = Number(env.SCHEDULE_SEED);
  for (const kind of KINDS.filter((k) => env.SCHEDULE_BROKER === undefined || env.SCHEDULE_BROKER === k)) {
    test(`schedule ${kind} seed ${seed} (replay)`, async () => {
      test.setTimeout(env.SCHEDULE_SHRINK ? 600_000 : 60_000);
      await withStore(kind, async (faults) => {
        const outcome = env.SCHEDULE_JSON
          ? await runSchedule(kind, seed, JSON.parse(env.SCHEDULE_JSON) as Schedule, faults)
          : await runSeed(kind, seed, faults);
        if (env.SCHEDULE_VERBOSE)
          console.log(outcome.history.events.map((event) => JSON.stringify(event)).join('\n'));
        const took = `${outcome.ms} ms (${JSON.stringify(outcome.phases)})`;
        console.log(
          outcome.violations.length ? report(outcome, 50) : `schedule ${kind} seed ${seed}: ok in ${took}`,
        );
        if (env.SCHEDULE_SHRINK && outcome.violations.length) {
          // fast-check draws the seed's schedule first and shrinks it while it still fails.
          const property = fc.asyncProperty(scheduleArbitrary(kind), async (schedule) => {
            const shrunk = await runSchedule(kind, seed, schedule, faults);
            return shrunk.violations.length === 0;
          });
          const details = await fc.check(property, { seed, numRuns: 1, interruptAfterTimeLimit: 240_000 });
          const shrunk = details.counterexample?.[0];
          if (shrunk)
            console.log(
              `shrunk; replay it with SCHEDULE_JSON='${JSON.stringify(shrunk)}' and the same command`,
            );
        }
        expect(outcome.violations).toEqual([]);
      });
    });
  }
} else {
  for (const kind of KINDS) {
    const share = Math.ceil(PER_KIND[kind] / PARTS);
    for (let part = 0; part < PARTS; part++) {
      const from = FROM + part * share;
      test(`${kind}: seeds ${from}..${from + share - 1} within ${BUDGET_MS / 1000} s`, async () => {
        test.setTimeout(BUDGET_MS + 30_000);
        const plan = { kind, from, count: share, deadline: performance.now() + BUDGET_MS };
        const result = await runBatch(plan, LANES[kind]);
        console.log(describeFailures(result));
        // A time bound that cut the batch short fails it: the count is part of the promise.
        expect(result.ran, `seeds run of ${share} in ${BUDGET_MS} ms`).toBeGreaterThanOrEqual(share);
        expect(result.failures.map((f) => f.seed)).toEqual([]);
      });
    }
  }
}
