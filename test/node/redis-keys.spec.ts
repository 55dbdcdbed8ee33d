// What a subscriber costs in Redis: nothing, for a channel never published on. Subscribing (and recovering,
// and reading a position) is a read: a client that asks for thousands of names — it may, within its rate limit
// — must not leave a key per name in Redis for positionTtlMs. The first publication makes the channel's epoch;
// a client that took its position before it (offset 0, an epoch never kept) resumes from that first publication
// without a gap, live or after a reconnection, on either broker.
import { createClient } from 'redis';
import { WebSocket } from 'ws';
import { ReliableSocket } from '../../src/index.js';
import type { WebSocketConstructor } from '../../src/options.js';
import type { Broker } from '../../src/server/broker.js';
import { MemoryBroker } from '../../src/server/memory-broker.js';
import { RedisBroker } from '../../src/server/redis/index.js';
import { RedisServer } from '../fixture/redis-server.js';
import { expect, type Frame, type Peer, test } from './server-kit.js';

const LIMITS = { maxMessages: 100, maxBytes: 100_000, maxAgeMs: 60_000 };

/** Each broker, on a store of its own (a redis-server for the Redis one), and how to stop both. */
const BROKERS: Record<string, () => Promise<{ broker: Broker; close(): Promise<void> }>> = {
  MemoryBroker: async () => {
    const broker = new MemoryBroker();
    return { broker, close: () => broker.close() };
  },
  RedisBroker: async () => {
    const redis = await RedisServer.start();
    const broker = new RedisBroker({ url: redis.url });
    return {
      broker,
      close: async () => {
        await broker.close();
        await redis.stop();
      },
    };
  },
};

/** Says hello (v2) and waits for the welcome. */
async function hello(peer: Peer, session?: string): Promise<Frame> {
  peer.send({ type: 'hello', v: 2, received: 0, ...(session ? { session } : {}) });
  return peer.frame({ type: 'welcome' });
}

/** A plain client straight to redis-server (not through the relay the brokers use), to count keys. */
async function inspect(redis: RedisServer) {
  const client = createClient({ url: redis.directUrl });
  client.on('error', () => {});
  await client.connect();
  return {
    /** The channel keys of the default prefix (`rs:c:…`), sorted. */
    channelKeys: async () => (await client.keys('rs:c:*')).sort(),
    dbsize: () => client.dbSize(),
    close: async () => void client.destroy(),
  };
}

test.describe('RedisBroker: channels never published on leave no key in Redis', () => {
  let redis: RedisServer;
  let broker: RedisBroker;
  let look: Awaited<ReturnType<typeof inspect>>;
  test.beforeEach(async () => {
    redis = await RedisServer.start();
    broker = new RedisBroker({ url: redis.url });
    look = await inspect(redis);
  });
  test.afterEach(async () => {
    await look.close();
    await broker.close();
    await redis.stop();
  });

  test('subscribing, resubscribing since offset 0, position and recover of 100 distinct names create no key', async ({
    kit,
  }) => {
    const { url } = await kit.serve({ broker });
    const N = 100;
    const names = Array.from({ length: N }, (_, i) => `user:${i}:inbox`);
    const first = await kit.connect(url);
    const { session } = await hello(first);
    for (const [i, channel] of names.entries()) first.send({ type: 'subscribe', channel, seq: i + 1 });
    await expect.poll(() => first.of('subscribed').length, { timeout: 10_000 }).toBe(N);
    const positions = new Map(first.of('subscribed').map((f) => [f.channel as string, f]));
    for (const reply of positions.values()) expect(reply).toMatchObject({ offset: 0 });
    first.ws.terminate();
    // The client comes back (its session resumed) and subscribes again since the positions it was told.
    const back = await kit.connect(url);
    expect(await hello(back, session as string)).toMatchObject({ resumed: true });
    for (const [i, channel] of names.entries()) {
      const { offset, epoch } = positions.get(channel)!;
      back.send({ type: 'subscribe', channel, seq: N + i + 1, since: { offset, epoch } });
    }
    await expect.poll(() => back.of('subscribed').length, { timeout: 10_000 }).toBe(N);
    for (const reply of back.of('subscribed')) expect(reply).toMatchObject({ offset: 0, recovered: true });
    // Straight through the broker too: a position, and recoveries that succeed or fail.
    for (const channel of names.map((name) => `direct:${name}`)) {
      const start = await broker.position(channel);
      expect(start.offset).toBe(0);
      expect(await broker.recover(channel, start)).toMatchObject({ recovered: true, publications: [] });
      expect(await broker.recover(channel, { offset: 0, epoch: 'another-store.x' })).toMatchObject({
        recovered: false,
        reason: 'epoch',
      });
      expect(await broker.recover(channel, { offset: 3, epoch: start.epoch })).toMatchObject({
        recovered: false,
        reason: 'epoch',
      });
    }
    const keys = await look.channelKeys();
    console.log(`channel keys after ${N} + ${N} never-published names: ${keys.length}`);
    expect(keys).toEqual([]);
    // The first publication makes the channel's keys, and only that channel's.
    await broker.publish(names[7]!, '"hi"', LIMITS);
    expect(await look.channelKeys()).toEqual([`rs:c:${names[7]}:h`, `rs:c:${names[7]}:m`]);
  });

  test('a subscriber that recovered a channel before its first publication gets that publication, with no gap', async ({
    kit,
  }) => {
    const { url } = await kit.serve({ broker });
    const first = await kit.connect(url);
    const { session } = await hello(first);
    first.send({ type: 'subscribe', channel: 'room', seq: 1 });
    const told = await first.frame({ type: 'subscribed', channel: 'room' });
    expect(told).toMatchObject({ offset: 0 });
    first.ws.terminate();
    const back = await kit.connect(url);
    await hello(back, session as string);
    back.send({
      type: 'subscribe',
      channel: 'room',
      seq: 2,
      since: { offset: told.offset, epoch: told.epoch },
    });
    const recovered = await back.frame({ type: 'subscribed', channel: 'room' });
    expect(recovered).toMatchObject({ offset: 0, recovered: true });
    expect(recovered.epoch).toEqual(expect.any(String));
    expect(await look.channelKeys()).toEqual([]);
    back.ws.terminate();

    // Published while the client is away: the first publication makes the epoch.
    const published = await broker.publish('room', '"one"', LIMITS);
    expect(published.offset).toBe(1);
    const again = await kit.connect(url);
    await hello(again, session as string);
    again.send({
      type: 'subscribe',
      channel: 'room',
      seq: 3,
      since: { offset: recovered.offset, epoch: recovered.epoch },
    });
    const reply = await again.frame({ type: 'subscribed', channel: 'room' });
    expect(reply).toMatchObject({ offset: 1, epoch: published.epoch, recovered: true });
    // The epoch the client held was never kept (nothing was stored before the first publication): the reply
    // moves it to the one the publication made, with no gap — a since at offset 0 saw nothing.
    expect(published.epoch).not.toBe(recovered.epoch);
    // Replayed before the reply, in the epoch the publication made.
    const replayed = again.frames.filter((f) => f.type === 'message' || f.type === 'subscribed');
    expect(replayed.map((f) => [f.type, f.offset, f.epoch, f.data ?? null])).toEqual([
      ['message', 1, published.epoch, 'one'],
      ['subscribed', 1, published.epoch, null],
    ]);
  });
});

test.describe('since offset 0 of an epoch never kept, on both brokers', () => {
  for (const [kind, make] of Object.entries(BROKERS)) {
    test(`${kind}: the first epoch's publications from offset 1, or trimmed; past offset 0, an epoch never kept is a gap`, async () => {
      const { broker, close } = await make();
      try {
        const start = await broker.position('quiet');
        expect(start.offset).toBe(0);
        const limits = { ...LIMITS, maxMessages: 3 };
        const first = await broker.publish('quiet', '1', limits);
        expect(first.offset).toBe(1);
        await broker.publish('quiet', '2', limits);
        const replay = await broker.recover('quiet', start);
        expect(replay.recovered && replay.publications.map((p) => [p.offset, p.data, p.epoch])).toEqual([
          [1, '1', first.epoch],
          [2, '2', first.epoch],
        ]);
        expect(replay.position).toEqual({ offset: 2, epoch: first.epoch });
        await broker.publish('quiet', '3', limits);
        await broker.publish('quiet', '4', limits); // keeps 2–4
        expect(await broker.recover('quiet', start)).toEqual({
          recovered: false,
          reason: 'trimmed',
          position: { offset: 4, epoch: first.epoch },
        });
        const other = await broker.position('other');
        expect(await broker.recover('other', { offset: 1, epoch: other.epoch })).toEqual({
          recovered: false,
          reason: 'epoch',
          position: { offset: 0, epoch: expect.any(String) },
        });
      } finally {
        await close();
      }
    });
  }
});

test('RedisBroker: a kept meta of another store generation, or one at offset 0, is read as never published on, and not kept alive', async () => {
  const redis = await RedisServer.start();
  const broker = new RedisBroker({ url: redis.url });
  const look = createClient({ url: redis.directUrl });
  look.on('error', () => {});
  await look.connect();
  try {
    const run = /run_id:([0-9a-f]{16})/.exec(await look.info('server'))![1]!;
    // What an earlier version's RECOVER left (offset 0, in this generation), and a key of another generation.
    await look.hSet('rs:c:old:m', { e: `${run}.old`, o: 0, b: 0 });
    await look.pExpire('rs:c:old:m', 60_000);
    await look.hSet('rs:c:restored:m', { e: '0123456789abcdef.x', o: 5, b: 0 });
    await look.rPush('rs:c:restored:h', 'entry');
    const start = await broker.position('old');
    expect(start.offset).toBe(0);
    expect(await broker.recover('old', { offset: 0, epoch: `${run}.old` })).toMatchObject({
      recovered: true,
      publications: [],
    });
    expect(await look.pTTL('rs:c:old:m')).toBeLessThanOrEqual(60_000); // not renewed to positionTtlMs
    expect(await broker.recover('restored', { offset: 5, epoch: '0123456789abcdef.x' })).toEqual({
      recovered: false,
      reason: 'epoch',
      position: { offset: 0, epoch: expect.stringMatching(new RegExp(`^${run}\\.`)) },
    });
    expect((await look.keys('rs:c:restored:*')).sort()).toEqual([]); // let go
    const published = await broker.publish('restored', '1', LIMITS);
    expect(published).toMatchObject({ offset: 1, epoch: expect.stringMatching(new RegExp(`^${run}\\.`)) });
  } finally {
    look.destroy();
    await broker.close();
    await redis.stop();
  }
});

// The same, with the real client, on both brokers: no `gap` for the first publication of a channel, whether it
// arrives live or is replayed after a reconnection.
for (const [kind, make] of Object.entries(BROKERS)) {
  test(`${kind}: the client hears no gap for a never-published channel's first publications, live or after a reconnection`, async ({
    kit,
  }) => {
    const { broker, close } = await make();
    try {
      const { server, url } = await kit.serve({ broker });
      // Failures while the test runs fail it; on the way out (the broker closed while the server lets its
      // channels go) they are expected.
      const errors: unknown[] = [];
      let done = false;
      server.on('error', (error) => void (done || errors.push(error)));
      const client = new ReliableSocket(url, {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: { initialDelayMs: 300, maxDelayMs: 300, jitter: 'none' },
      });
      try {
        const events: string[] = [];
        const live = client.channel('live');
        const away = client.channel('away');
        for (const [name, view] of [
          ['live', live],
          ['away', away],
        ] as const) {
          view.on('message', (data) => events.push(`${name} ${String(data)}`));
          view.on('gap', ({ reason }) => events.push(`${name} gap ${reason}`));
          view.on('subscribed', () => events.push(`${name} subscribed`));
        }
        await expect.poll(() => events.filter((e) => e.endsWith('subscribed')).length).toBe(2);
        await server.publish('live', 'first');
        await server.publish('live', 'second');
        await expect.poll(() => events.filter((e) => e.startsWith('live ')).length).toBe(3);
        // Away: the connection is cut, and the channel's first publications are made before the client is back.
        for (const each of server.clients) each.terminate();
        await server.publish('away', 'one');
        await server.publish('away', 'two');
        await expect
          .poll(() => events.filter((e) => e.startsWith('away ')).length, { timeout: 10_000 })
          .toBeGreaterThanOrEqual(4);
        await server.publish('live', 'third');
        await expect.poll(() => events.filter((e) => e.startsWith('live ')).length).toBe(5);
        expect(events.filter((e) => e.startsWith('live '))).toEqual([
          'live subscribed',
          'live first',
          'live second',
          'live subscribed',
          'live third',
        ]);
        expect(events.filter((e) => e.startsWith('away '))).toEqual([
          'away subscribed',
          'away one',
          'away two',
          'away subscribed',
        ]);
        expect(errors).toEqual([]);
      } finally {
        done = true;
        client.close();
      }
    } finally {
      await kit.dispose();
      await close();
    }
  });
}
