// The Redis broker against a real redis-server (one per test, on a unix socket in a temp dir): the Broker
// contract with two nodes — two RedisBrokers, as two server processes would have — sharing one Redis.
import net from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { createClient } from 'redis';
import type { HistoryLimits, Publication } from '../../src/server/broker.js';
import { reconnectDelayMs } from '../../src/server/redis/connection.js';
import { RedisBroker, type RedisBrokerOptions } from '../../src/server/redis/index.js';
import { RENEW } from '../../src/server/redis/session-scripts.js';
import { RedisServer } from '../fixture/redis-server.js';
import { brokerSuite, link, OWNER, redisNodes, until as waitUntil } from './broker-suite.js';

brokerSuite('RedisBroker', redisNodes);

// What only a real Redis can show: it restarts (losing everything), it is unreachable for a while (its data
// intact), a node dies, and what the broker leaves in Redis is bounded.

const LIMITS: HistoryLimits = { maxMessages: 100, maxBytes: 100_000, maxAgeMs: 60_000 };
type Frame = { seq: number; text: string };
/** No outbox budget to speak of, for tests about something else. */
const ANY = Number.MAX_SAFE_INTEGER;
/** Redis takes longer than memory: reconnections, outages noticed. */
const until = (condition: () => boolean, what: string): Promise<void> => waitUntil(condition, what, 10_000);

/** A redis-server for the test, and brokers on it; all closed after the test. */
const withRedis = test.extend<{ redis: RedisServer; broker: (options?: RedisBrokerOptions) => RedisBroker }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  redis: async ({}, use) => {
    const redis = await RedisServer.start();
    await use(redis);
    await redis.stop();
  },
  broker: async ({ redis }, use) => {
    const brokers: RedisBroker[] = [];
    await use((options) => {
      const broker = new RedisBroker({ url: redis.url, ...options });
      brokers.push(broker);
      return broker;
    });
    await Promise.all(brokers.map((broker) => broker.close()));
  },
});

/** A plain client to look into Redis directly (not through the relay the brokers use). */
async function inspect(redis: RedisServer): Promise<{ keys(): Promise<string[]>; close(): Promise<void> }> {
  const client = createClient({ url: redis.directUrl });
  client.on('error', () => {});
  await client.connect();
  return { keys: () => client.keys('*'), close: async () => void client.destroy() };
}

withRedis(
  'Redis restarts with nothing saved: a new epoch from offset 1, subscribers get it, attached sessions hear they are lost',
  async ({ redis, broker }) => {
    const a = broker();
    a.onError(() => {});
    const b = broker();
    const errors: unknown[] = [];
    b.onError((error) => errors.push(error));
    const got: Publication[] = [];
    await b.subscribe('chat', (p) => got.push(p));
    const first = await a.publish('chat', '1', LIMITS);
    await a.publish('chat', '2', LIMITS);
    await until(() => got.length === 2, 'two publications');
    const held = link();
    const { record } = await b.attach(undefined, held, OWNER);

    await redis.restart();
    await until(() => held.losses === 1, 'the session lost'); // noticed when b's pub/sub connection came back
    const third = await a.publish('chat', '3', LIMITS);
    expect(third).toMatchObject({ offset: 1, data: '3' });
    expect(third.epoch).not.toBe(first.epoch);
    await until(() => got.length === 3, 'the new epoch on b');
    expect(got.map((p) => [p.offset, p.data, p.epoch === first.epoch])).toEqual([
      [1, '1', true],
      [2, '2', true],
      [1, '3', false],
    ]);
    expect(await b.recover('chat', { offset: 2, epoch: first.epoch })).toEqual({
      recovered: false,
      reason: 'epoch',
      position: { offset: 1, epoch: third.epoch },
    });
    expect(await a.send(record.id, '{"n":1}', ANY)).toBe(0);
    expect((await b.attach(record.id, link(), OWNER)).resumed).toBe(false);
    // Reported, once per connection and outage: b's command and pub/sub connections.
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(2);
    expect(held.losses).toBe(1);
  },
);

withRedis(
  'Redis unreachable for a while: calls wait and go out in order; the node subscribes again and gets what it missed, in order, once',
  async ({ redis, broker }) => {
    const a = new RedisBroker({ url: redis.directUrl }); // not cut off
    const b = broker();
    try {
      const errors: unknown[] = [];
      b.onError((error) => errors.push(error));
      const got: Publication[] = [];
      await b.subscribe('chat', (p) => got.push(p));
      const frames: Frame[] = [];
      const { record } = await b.attach(undefined, link(frames), OWNER);
      await a.publish('chat', '1', LIMITS);
      await until(() => got.length === 1, 'the first publication');

      await redis.cut();
      for (let n = 2; n <= 10; n++) await a.publish('chat', String(n), LIMITS);
      for (let n = 1; n <= 3; n++) await a.send(record.id, `{"n":${n}}`, ANY);
      const fromB = b.publish('chat', '11', LIMITS); // waits for Redis
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(got).toHaveLength(1);
      await redis.mend();

      expect(await fromB).toMatchObject({ offset: 11 });
      await until(() => got.length === 11 && frames.length === 3, 'what was missed');
      await new Promise((resolve) => setTimeout(resolve, 200)); // nothing twice on its way
      expect(got.map((p) => p.data)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
      expect(got.map((p) => p.offset)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(frames.map((f) => f.text)).toEqual(['{"seq":1,"n":1}', '{"seq":2,"n":2}', '{"seq":3,"n":3}']);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect(errors.length).toBeLessThanOrEqual(2);
    } finally {
      await a.close();
    }
  },
);

withRedis(
  'past maxPendingCommands, calls made while Redis is unreachable fail at once',
  async ({ redis, broker }) => {
    const b = broker({ maxPendingCommands: 5 });
    const errors: Error[] = [];
    b.onError((error) => errors.push(error as Error));
    await b.ready;
    await redis.cut();
    // Calls already written when the connection broke fail (Redis may or may not have run them); once the
    // broker knows Redis is unreachable, calls wait for it.
    await until(() => errors.some((error) => /command connection/.test(error.message)), 'the outage noticed');
    const waiting = Array.from({ length: 5 }, (_, i) => b.publish('chat', String(i), LIMITS));
    await expect(b.publish('chat', 'one too many', LIMITS)).rejects.toThrow(/maxPendingCommands/);
    await redis.mend();
    expect((await Promise.all(waiting)).map((p) => p.offset)).toEqual([1, 2, 3, 4, 5]);
  },
);

withRedis(
  'a node that dies holding sessions: they are renewed while it lives, resumable on another node after, and expire after their TTL plus two renewals',
  async ({ broker }) => {
    // Held for 500 + 2 × 250 ms, renewed every 250 ms: only an event-loop stall of over 750 ms could lose it.
    const a = broker({ refreshIntervalMs: 250 });
    const b = broker();
    const kept = await a.attach(undefined, link([], 500), OWNER);
    const dropped = await a.attach(undefined, link([], 500), OWNER);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past 500 + 2 × 250: renewed
    expect((await b.attach(kept.record.id, link(), OWNER)).resumed).toBe(true);
    await a.close(); // dies: no detach, no renewal
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await b.attach(dropped.record.id, link(), OWNER)).resumed).toBe(false);
  },
);

withRedis(
  'what the broker leaves in Redis is bounded: history by max age, positions by positionTtlMs, sessions by their TTL',
  async ({ redis, broker }) => {
    const a = broker({ positionTtlMs: 300 });
    const look = await inspect(redis);
    try {
      await a.publish('chat', '"x"', { ...LIMITS, maxAgeMs: 100 });
      const held = link([], 100);
      const { record, generation } = await a.attach(undefined, held, OWNER);
      await a.send(record.id, '{"n":1}', ANY);
      expect((await look.keys()).sort()).toEqual([
        'rs:c:chat:h',
        'rs:c:chat:m',
        `rs:s:${record.id}`,
        `rs:s:${record.id}:o`,
      ]);
      await a.detach(record.id, generation, held);
      await expect.poll(() => look.keys(), { timeout: 5000 }).toEqual([]);
    } finally {
      await look.close();
    }
  },
);

withRedis(
  'on a client of yours, with a prefix of its own: the client stays open at close()',
  async ({ redis }) => {
    const client = createClient({ url: redis.url });
    client.on('error', () => {});
    const broker = new RedisBroker({ client, prefix: 'app1:' });
    await broker.publish('chat', '1', LIMITS);
    await broker.close();
    expect(client.isOpen).toBe(true);
    expect(await client.keys('*')).toEqual(expect.arrayContaining(['app1:c:chat:m', 'app1:c:chat:h']));
    client.destroy();
  },
);

test('bad options fail at construction, naming the option', () => {
  expect(() => new RedisBroker({ url: 5 as never })).toThrow(
    /options\.url must be a non-empty string, got 5/,
  );
  expect(() => new RedisBroker({ prefix: '' })).toThrow(/options\.prefix/);
  expect(() => new RedisBroker({ refreshIntervalMs: 0 })).toThrow(RangeError);
  expect(() => new RedisBroker({ client: {} as never })).toThrow(
    /options\.client must be a node-redis client/,
  );
  expect(() => new RedisBroker({ url: 'redis://x', client: createClient() })).toThrow(/not both/);
  expect(() => new RedisBroker({ urls: 'redis://x' } as never)).toThrow(/no option "urls"/);
});

withRedis(
  'Redis restored from an older snapshot: channels get a new epoch (a gap, never reused offsets), sessions of that snapshot are not resumed',
  async ({ redis, broker }) => {
    const a = broker();
    a.onError(() => {});
    const b = broker();
    b.onError(() => {});
    const got: Publication[] = [];
    await b.subscribe('chat', (p) => got.push(p));
    for (let n = 1; n <= 7; n++) await a.publish('chat', String(n), LIMITS);
    const held = link();
    const { record } = await a.attach(undefined, held, OWNER);
    await a.send(record.id, '{"n":1}', ANY);
    await redis.save(); // the snapshot: offsets 1–7, the session with one frame
    for (let n = 8; n <= 10; n++) await a.publish('chat', String(n), LIMITS);
    await a.send(record.id, '{"n":2}', ANY);
    await until(() => got.length === 10, 'ten publications');
    const before = got[9]!;

    await redis.restart(); // back to the snapshot, under a new run id
    const next = await a.publish('chat', '11', LIMITS);
    expect(next.offset).toBe(1);
    expect(next.epoch).not.toBe(before.epoch);
    await until(() => got.length === 11, 'the publication after the restore on b');
    expect(got[10]).toMatchObject({ offset: 1, data: '11', epoch: next.epoch });
    expect(await b.recover('chat', { offset: 10, epoch: before.epoch })).toEqual({
      recovered: false,
      reason: 'epoch',
      position: { offset: 1, epoch: next.epoch },
    });
    expect(await a.send(record.id, '{"n":3}', ANY)).toBe(0);
    await until(() => held.losses === 1, 'the attached session lost');
    expect(held.lostWhy).toEqual(['store']);
    const again = await b.attach(record.id, link(), OWNER);
    expect(again.resumed).toBe(false);
    expect(again.record.id).not.toBe(record.id);
  },
);

withRedis(
  'commands wait through an outage longer than node-redis’ 5 s command timeout, and go out in order',
  async ({ redis, broker }) => {
    test.setTimeout(20_000);
    const a = broker();
    const errors: Error[] = [];
    a.onError((error) => errors.push(error as Error));
    await a.publish('chat', '1', LIMITS);
    await redis.cut();
    // Calls already written when the connection broke fail; once the broker knows, calls wait.
    await until(() => errors.some((error) => /command connection/.test(error.message)), 'the outage noticed');
    const started = Date.now();
    const waiting = [a.publish('chat', '2', LIMITS), a.publish('chat', '3', LIMITS)];
    await new Promise((resolve) => setTimeout(resolve, 5500));
    await redis.mend();
    const published = await Promise.all(waiting);
    expect(published.map((p) => p.offset)).toEqual([2, 3]);
    expect(Date.now() - started).toBeGreaterThan(5500);
  },
);

withRedis(
  'past maxPendingBytes, calls made while Redis is unreachable fail at once',
  async ({ redis, broker }) => {
    const b = broker({ maxPendingBytes: 8192 });
    const errors: Error[] = [];
    b.onError((error) => errors.push(error as Error));
    await b.publish('chat', '"warm"', LIMITS); // the script is loaded: later calls send its SHA only
    await redis.cut();
    await until(() => errors.some((error) => /command connection/.test(error.message)), 'the outage noticed');
    // One command of about 5 KB (with the script's source, sent again after a reconnection) waits; the next
    // would take the bytes waiting past 8 KB.
    const big = JSON.stringify('x'.repeat(5000));
    const waiting = b.publish('chat', big, LIMITS);
    await expect(b.publish('chat', big, LIMITS)).rejects.toThrow(/options\.maxPendingBytes is 8192/);
    await redis.mend();
    expect((await waiting).offset).toBe(2);
    expect((await b.publish('chat', big, LIMITS)).offset).toBe(3); // nothing waits any more: room again
  },
);

/** A node-redis client that records the commands the broker sends on it, with when. */
function recordingClient(redis: RedisServer) {
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  const sent: Array<{ at: number; args: string[] }> = [];
  const original = client.sendCommand.bind(client);
  client.sendCommand = ((args: string[], options?: object) => {
    sent.push({ at: performance.now(), args: [...args] });
    return original(args, options);
  }) as typeof client.sendCommand;
  return { client, sent };
}

withRedis(
  'each script is sent once (EVAL), then by its SHA (EVALSHA); after a SCRIPT FLUSH it is sent again',
  async ({ redis }) => {
    const { client, sent } = recordingClient(redis);
    const a = new RedisBroker({ client });
    try {
      for (let n = 1; n <= 5; n++) await a.publish('chat', String(n), LIMITS);
      const { record, generation } = await a.attach(undefined, link(), OWNER);
      for (let n = 1; n <= 3; n++) expect(await a.processed(record.id, generation, n)).toBe('ok');
      const names = sent.map(({ args }) => args[0]);
      expect(names.filter((name) => name === 'EVAL')).toHaveLength(3); // publish, attach, processed
      expect(names.filter((name) => name === 'EVALSHA')).toHaveLength(6);
      const direct = createClient({ url: redis.directUrl });
      await direct.connect();
      await direct.sendCommand(['SCRIPT', 'FLUSH']);
      direct.destroy();
      expect((await a.publish('chat', '6', LIMITS)).offset).toBe(6); // NOSCRIPT: loaded again, once
      expect(sent.slice(-2).map(({ args }) => args[0])).toEqual(['EVALSHA', 'EVAL']);
      expect((await a.publish('chat', '7', LIMITS)).offset).toBe(7);
      expect(sent.at(-1)!.args[0]).toBe('EVALSHA');
    } finally {
      await a.close();
      client.destroy();
    }
  },
);

withRedis(
  'session renewals are spread over the interval, in batches, each session once per round',
  async ({ redis }) => {
    const { client, sent } = recordingClient(redis);
    const a = new RedisBroker({ client, refreshIntervalMs: 1000 });
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 250; i++) ids.add((await a.attach(undefined, link(), OWNER)).record.id);
      const from = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const renewals = sent.filter(({ at, args }) => at >= from && args.includes(RENEW.sha));
      // KEYS are a session's record and outbox per session: which sessions each renewal names.
      const named = renewals.map(({ args }) =>
        args.filter((arg) => arg.startsWith('rs:s:') && !arg.endsWith(':o')),
      );
      expect(Math.max(...named.map((batch) => batch.length))).toBeLessThanOrEqual(100);
      const counts = new Map<string, number>();
      for (const batch of named) for (const key of batch) counts.set(key, (counts.get(key) ?? 0) + 1);
      expect(counts.size).toBe(250); // every session renewed…
      expect(Math.max(...counts.values())).toBeLessThanOrEqual(3); // …about once a round (two rounds and a bit)
      // Spread: the first round's renewals go out over at least half the interval, in ten ticks or so.
      const round = renewals.filter(({ at }) => at < renewals[0]!.at + 1000);
      expect(round.length).toBeGreaterThanOrEqual(8);
      expect(round.at(-1)!.at - round[0]!.at).toBeGreaterThan(500);
    } finally {
      await a.close();
      client.destroy();
    }
  },
);

/**
 * A proxy in front of the test's Redis, as a load balancer or the schedule test's relay is: while `down` (Redis
 * restarting behind it), it accepts connections and cuts them at once — so node-redis gets as far as its
 * handshake every time; `cutOn` cuts a connection once, when bytes it sends contain that text.
 */
async function proxy(redis: RedisServer) {
  const upstream = redis.url.slice('unix://'.length);
  const front = path.join(redis.dir, 'proxy.sock');
  const sockets = new Set<net.Socket>();
  const state = { down: false, cutOn: undefined as string | undefined };
  const server = net.createServer((client) => {
    if (state.down) return void client.destroy();
    const redisSide = net.connect(upstream);
    for (const [from, to] of [
      [client, redisSide],
      [redisSide, client],
    ] as const) {
      sockets.add(from);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (state.cutOn === undefined || !chunk.includes(state.cutOn)) return void redisSide.write(chunk);
      state.cutOn = undefined;
      client.destroy();
    });
    redisSide.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(front, () => resolve()));
  return {
    url: `unix://${front}`,
    state,
    /** Redis goes away behind the proxy: every connection is cut, new ones too. */
    down(): void {
      state.down = true;
      for (const socket of sockets) socket.destroy();
    },
    /** Cuts every connection (the brokers on it reconnect in vain until they are closed) and stops. */
    close(): Promise<void> {
      state.down = true;
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

withRedis(
  'Redis restarting behind a proxy (connections accepted, then cut): calls made meanwhile wait, and run within a quarter second or so of its return',
  async ({ redis, broker }) => {
    const front = await proxy(redis);
    try {
      const b = broker({ url: front.url });
      const errors: Error[] = [];
      b.onError((error) => errors.push(error as Error));
      const got: Publication[] = [];
      await b.subscribe('chat', (p) => got.push(p));
      await b.publish('chat', '1', LIMITS);
      front.down();
      await until(
        () => errors.some((error) => /command connection/.test(error.message)),
        'the outage noticed',
      );
      // node-redis writes what waits in its offline queue during each attempt's handshake and fails all of it
      // when the attempt is cut: these must not be there.
      const publication = b.publish('chat', '2', LIMITS);
      const attachment = b.attach(undefined, link(), OWNER);
      const late = b.subscribe('later', () => {});
      await new Promise((resolve) => setTimeout(resolve, 1000)); // attempts: up to 200 ms (+ jitter) apart
      const back = performance.now();
      front.state.down = false;
      expect(await publication).toMatchObject({ offset: 2 });
      expect((await attachment).resumed).toBe(false);
      await late;
      // node-redis' default strategy waited up to 2.2 s here.
      expect(performance.now() - back).toBeLessThan(500);
      await until(() => got.length === 2, 'the publication made during the outage');
    } finally {
      await front.close();
    }
  },
);

withRedis(
  'a node whose own topic was being subscribed to when Redis went away subscribes once it is back, and attaches',
  async ({ redis, broker }) => {
    const front = await proxy(redis);
    try {
      front.state.cutOn = 'rs:n:'; // the SUBSCRIBE to the node's topic: its connection is cut before the answer
      const b = broker({ url: front.url });
      b.onError(() => {});
      await b.ready; // rejected for good before: every attach on this node failed
      const frames: Frame[] = [];
      const { record } = await b.attach(undefined, link(frames), OWNER);
      await b.send(record.id, '{"n":1}', ANY);
      await until(() => frames.length === 1, 'a frame through the node topic');
    } finally {
      await front.close();
    }
  },
);

test('the broker’s own clients try again quickly after a failed attempt: within 250 ms, never giving up', () => {
  expect([1, 2, 3, 10, 1000].map((retries) => reconnectDelayMs(retries, () => 0))).toEqual([
    50, 100, 200, 200, 200,
  ]);
  expect(reconnectDelayMs(1000, () => 0.999)).toBe(249);
});
