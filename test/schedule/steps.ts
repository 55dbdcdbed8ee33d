import fc from 'fast-check';

/** Which broker a schedule's world runs on: one node on a MemoryBroker, or two nodes sharing Redis. */
export type BrokerKind = 'memory' | 'redis';

/** Channels the app sends on and opens views of (`inbox` is where `client.send`s arrive; its view stays open). */
export const CHANNELS = ['a', 'b', 'c'] as const;
export type ChannelName = (typeof CHANNELS)[number];

/**
 * One step of a schedule. App actions: `send` (a burst of channel messages), `confirm` (`sendConfirmed`),
 * `request` (`big`: its answer is over the session budget), `open`/`close` a view, `publish` from a node,
 * `direct` (`client.send` to the client's live connection; `big`: over the budget). Faults: `kill` the live
 * connections, `freeze` them (then `drop` them, as a lost NAT entry does, or `release` their held bytes late),
 * `away` (the client cannot reach any node for `ms`; with a short session TTL its session expires),
 * `slowAttach` (attaches wait `ms`), `restartNode` (a node dies and comes back: with MemoryBroker all is lost),
 * `moveNode` (new connections go to the other node), and Redis: `pause`, `restartStore`, `snapshot`, `restore`.
 * Every step first waits `afterMs`.
 */
export type Step = { afterMs: number } & (
  | { do: 'send'; channel: ChannelName; count: number }
  | { do: 'confirm'; channel: ChannelName }
  | { do: 'request'; channel: ChannelName; big: boolean }
  | { do: 'open'; channel: ChannelName }
  | { do: 'close'; channel: ChannelName }
  | { do: 'publish'; channel: ChannelName; node: number }
  | { do: 'direct'; big: boolean }
  | { do: 'kill' }
  | { do: 'freeze'; ms: number; end: 'drop' | 'release' }
  | { do: 'away'; ms: number }
  | { do: 'slowAttach'; ms: number }
  | { do: 'restartNode'; node: number }
  | { do: 'moveNode' }
  | { do: 'pause'; ms: number }
  | { do: 'restartStore' }
  | { do: 'snapshot' }
  | { do: 'restore' }
);

/** A world's settings, drawn with its steps. */
export interface WorldSettings {
  kind: BrokerKind;
  /** Short enough, in some schedules, for an `away` to expire the session. */
  sessionTtlMs: number;
  /** Whether the server's `connection` listener greets each client with a `client.send` (before `hello`). */
  greet: boolean;
  /** Channels whose views are opened right after the socket is made (before `open`). */
  early: ChannelName[];
}

/** A schedule: the world's settings and what happens in it. */
export interface Schedule {
  settings: WorldSettings;
  steps: Step[];
}

const channel = fc.constantFrom(...CHANNELS);
/** True one time in six: oversize answers and sends are the exception. */
const rare = fc.oneof(
  { weight: 5, arbitrary: fc.constant(false) },
  { weight: 1, arbitrary: fc.constant(true) },
);
const after = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 30 }) },
);
const withAfter = <T extends object>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Step> =>
  fc.tuple(after, arbitrary).map(([afterMs, step]) => ({ afterMs, ...step }) as unknown as Step);

/** App actions, faults common to both worlds, and those of the Redis world. */
function stepArbitrary(kind: BrokerKind): fc.Arbitrary<Step> {
  const app = [
    {
      weight: 6,
      arbitrary: withAfter(
        fc.record({ do: fc.constant('send'), channel, count: fc.integer({ min: 1, max: 40 }) }),
      ),
    },
    { weight: 2, arbitrary: withAfter(fc.record({ do: fc.constant('confirm'), channel })) },
    { weight: 3, arbitrary: withAfter(fc.record({ do: fc.constant('request'), channel, big: rare })) },
    { weight: 2, arbitrary: withAfter(fc.record({ do: fc.constant('open'), channel })) },
    { weight: 2, arbitrary: withAfter(fc.record({ do: fc.constant('close'), channel })) },
    { weight: 5, arbitrary: withAfter(fc.record({ do: fc.constant('publish'), channel, node: fc.nat(1) })) },
    { weight: 3, arbitrary: withAfter(fc.record({ do: fc.constant('direct'), big: rare })) },
  ];
  const faults = [
    { weight: 2, arbitrary: withAfter(fc.record({ do: fc.constant('kill') })) },
    {
      weight: 2,
      arbitrary: withAfter(
        fc.record({
          do: fc.constant('freeze'),
          ms: fc.integer({ min: 20, max: 200 }),
          end: fc.constantFrom('drop', 'release'),
        }),
      ),
    },
    {
      weight: 1,
      arbitrary: withAfter(fc.record({ do: fc.constant('away'), ms: fc.integer({ min: 30, max: 200 }) })),
    },
    {
      weight: 1,
      arbitrary: withAfter(
        fc.record({ do: fc.constant('slowAttach'), ms: fc.integer({ min: 10, max: 700 }) }),
      ),
    },
    { weight: 1, arbitrary: withAfter(fc.record({ do: fc.constant('restartNode'), node: fc.nat(1) })) },
  ];
  const redis = [
    { weight: 1, arbitrary: withAfter(fc.record({ do: fc.constant('moveNode') })) },
    {
      weight: 1,
      arbitrary: withAfter(fc.record({ do: fc.constant('pause'), ms: fc.integer({ min: 20, max: 200 }) })),
    },
    { weight: 1, arbitrary: withAfter(fc.record({ do: fc.constant('restartStore') })) },
    { weight: 1, arbitrary: withAfter(fc.record({ do: fc.constant('snapshot') })) },
    { weight: 1, arbitrary: withAfter(fc.record({ do: fc.constant('restore') })) },
  ];
  return fc.oneof(...app, ...faults, ...(kind === 'redis' ? redis : []));
}

/** All schedules of one broker kind: a few settings and 3–12 steps, bounded in count and in time. */
export function scheduleArbitrary(kind: BrokerKind): fc.Arbitrary<Schedule> {
  const settings = fc.record({
    kind: fc.constant(kind),
    sessionTtlMs: fc.constantFrom(100, 10_000, 10_000),
    greet: fc.boolean(),
    early: fc.subarray([...CHANNELS]),
  });
  return fc.record({ settings, steps: fc.array(stepArbitrary(kind), { minLength: 3, maxLength: 12 }) });
}

/** The schedule of `seed`: the same seed always gives the same schedule. */
export function scheduleOf(kind: BrokerKind, seed: number): Schedule {
  const [schedule] = fc.sample(scheduleArbitrary(kind), { seed, numRuns: 1 });
  if (!schedule) throw new Error(`no schedule for seed ${seed}`);
  return schedule;
}

/** A step as one short line, for histories and failure reports. */
export function describeStep(step: Step): string {
  const { afterMs, do: what, ...rest } = step;
  const args = Object.entries(rest).map(([key, value]) => `${key}=${String(value)}`);
  return `+${afterMs}ms ${what}${args.length ? ` ${args.join(' ')}` : ''}`;
}
