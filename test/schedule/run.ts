import { check, type Violation } from './checker.js';
import { History } from './history.js';
import type { RedisFaults } from './redis-faults.js';
import { type BrokerKind, describeStep, type Schedule, scheduleOf } from './steps.js';
import { World } from './world.js';

/** How long one schedule may take, setup and teardown included, before it counts as hung. */
const SCHEDULE_LIMIT_MS = 15_000;

/** What one schedule did and what the checker found. */
export interface Outcome {
  kind: BrokerKind;
  seed: number;
  schedule: Schedule;
  history: History;
  violations: Violation[];
  ms: number;
  /** Milliseconds spent starting the world, running and quiescing it, and stopping it. */
  phases: { start: number; run: number; stop: number };
}

/**
 * Runs the schedule of `seed` on a fresh world of `kind` (a Redis world uses `redis`, keys under a prefix of
 * its own, and empties it afterwards): its steps, then healing, quiescence and the checker; then everything is
 * stopped. Only the schedule is reproducible from the seed; timing is the machine's.
 */
export async function runSeed(kind: BrokerKind, seed: number, redis?: RedisFaults): Promise<Outcome> {
  return runSchedule(kind, seed, scheduleOf(kind, seed), redis);
}

/** Runs a given schedule (a seed's, or one fast-check shrank). */
export async function runSchedule(
  kind: BrokerKind,
  seed: number,
  schedule: Schedule,
  redis?: RedisFaults,
): Promise<Outcome> {
  const started = performance.now();
  const history = new History();
  const { settings } = schedule;
  history.record({
    kind: 'step',
    step: `settings sessionTtlMs=${settings.sessionTtlMs} greet=${settings.greet} early=${settings.early.join(',')}`,
  });
  const world = await World.start(settings, history, redis, `s${seed}:`);
  const running = performance.now();
  let hung: Violation | undefined;
  let stopping = running;
  try {
    const run = async () => {
      for (const step of schedule.steps) await world.apply(step);
      await world.heal();
      await world.quiesce();
    };
    const limit = new Promise<'hung'>((resolve) =>
      setTimeout(() => resolve('hung'), SCHEDULE_LIMIT_MS).unref(),
    );
    if ((await Promise.race([run(), limit])) === 'hung')
      hung = { invariant: 'a schedule ends', detail: `still running after ${SCHEDULE_LIMIT_MS} ms` };
  } finally {
    stopping = performance.now();
    await world.dispose();
    await redis?.next();
  }
  const violations = check(history);
  if (hung) violations.push(hung);
  const ended = performance.now();
  const phases = {
    start: Math.round(running - started),
    run: Math.round(stopping - running),
    stop: Math.round(ended - stopping),
  };
  return { kind, seed, schedule, history, violations, ms: Math.round(ended - started), phases };
}

/** The command that replays one seed (`SCHEDULE_JSON='…'` instead replays a schedule given as JSON). */
export function replayCommand(kind: BrokerKind, seed: number): string {
  return `SCHEDULE_SEED=${seed} SCHEDULE_BROKER=${kind} npx playwright test --project=node test/schedule`;
}

/** A failed schedule as text: the seed, how to replay it, its steps, its violations with history excerpts. */
export function report(outcome: Outcome, limit = 6): string {
  const { kind, seed, schedule, history, violations } = outcome;
  const lines = [
    `schedule ${kind} seed ${seed} broke ${violations.length} invariant(s) — replay: ${replayCommand(kind, seed)}`,
    `  steps: ${schedule.steps.map(describeStep).join(' | ')}`,
  ];
  for (const violation of violations.slice(0, limit)) {
    lines.push(`  ✗ ${violation.invariant}${violation.id ? ` [${violation.id}]` : ''}: ${violation.detail}`);
    if (violation.id)
      for (const line of history.excerpt(violation.id, 6).split('\n')) lines.push(`      ${line}`);
  }
  if (violations.length > limit) lines.push(`  … and ${violations.length - limit} more`);
  const context = history.events
    .filter(
      (e) =>
        e.kind === 'welcome' || e.kind === 'fault' || (e.kind === 'socket' && e.event !== 'server-error'),
    )
    .slice(0, 12)
    .map((e) => JSON.stringify(e).slice(0, 160));
  lines.push('  sessions, faults, closes:', ...context.map((line) => `      ${line}`));
  return lines.join('\n');
}
