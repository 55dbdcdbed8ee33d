// The Redis broker against a real redis-server (one per test, on a unix socket in a temp dir): the Broker
// contract with two nodes — two RedisBrokers, as two server processes would have — sharing one Redis.
import { expect, test } from '@playwright/test';
import { createClient } from 'redis';
import type { HistoryLimits, Publication } from '../../src/server/broker.js';
import { RedisBroker, type RedisBrokerOptions } from '../../src/server/redis/index.js';
import { RedisServer } from '../fixture/redis-server.js';
import { brokerSuite, link, redisNodes, until as waitUntil } from './broker-suite.js';

brokerSuite('RedisBroker', redisNodes);

// What only a real Redis can show: it restarts (losing everything), it is unreachable for a while (its data
// intact), a node dies, and what the broker leaves in Redis is bounded.

const LIMITS: HistoryLimits = { maxMessages: 100, maxBytes: 100_000, maxAgeMs: 60_000 };
type Frame = { seq: number; text: string };
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
    const { record } = await b.attach(undefined, held);

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
    expect(await a.send(record.id, '{"n":1}')).toBe(0);
    expect((await b.attach(record.id, link())).resumed).toBe(false);
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
      const { record } = await b.attach(undefined, link(frames));
      await a.publish('chat', '1', LIMITS);
      await until(() => got.length === 1, 'the first publication');

      await redis.cut();
      for (let n = 2; n <= 10; n++) await a.publish('chat', String(n), LIMITS);
      for (let n = 1; n <= 3; n++) await a.send(record.id, `{"n":${n}}`);
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
    const kept = await a.attach(undefined, link([], 500));
    const dropped = await a.attach(undefined, link([], 500));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past 500 + 2 × 250: renewed
    expect((await b.attach(kept.record.id, link())).resumed).toBe(true);
    await a.close(); // dies: no detach, no renewal
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await b.attach(dropped.record.id, link())).resumed).toBe(false);
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
      const { record } = await a.attach(undefined, held);
      await a.send(record.id, '{"n":1}');
      expect((await look.keys()).sort()).toEqual([
        'rs:c:chat:h',
        'rs:c:chat:m',
        `rs:s:${record.id}`,
        `rs:s:${record.id}:o`,
      ]);
      await a.detach(record.id, held);
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
