// The behaviour every Broker must have, as one suite: run by memory-broker.spec.ts against the in-memory
// broker, and by the Redis broker's spec against a real redis-server. Two "nodes" are two broker instances made
// by `nodes()` that share one store (the same object for the in-memory broker).
import { expect, test } from '@playwright/test';
import type { Broker, HistoryLimits, Publication, SessionLink } from '../../src/server/broker.js';
import { RedisBroker } from '../../src/server/redis/index.js';
import { RedisServer } from '../fixture/redis-server.js';

/** Makes the brokers of two nodes sharing one store; `close` stops them (and the store). */
export type MakeNodes = () => Promise<{ a: Broker; b: Broker; close(): Promise<void> }>;

const LIMITS: HistoryLimits = { maxMessages: 5, maxBytes: 1000, maxAgeMs: 60_000 };
const json = (value: unknown): string => JSON.stringify(value);
type Frame = { seq: number; text: string };
/** A {@link SessionLink} that keeps what it is given, and what it was told (`lost` with why, `superseded`). */
export type TestLink = SessionLink & {
  /** How many times it was told the session is lost. */
  losses: number;
  /** Why, each time. */
  readonly lostWhy: Array<'store' | 'budget'>;
  /** How many times it was told a later attachment took the session. */
  supersessions: number;
};
/** A hold on a session that keeps what it is given, and counts what it was told. */
export const link = (frames: Frame[] = [], ttlMs = 60_000): TestLink => {
  const held: TestLink = {
    deliver: (frame: Frame) => void frames.push(frame),
    ttlMs,
    losses: 0,
    lostWhy: [],
    supersessions: 0,
    lost: (why) => {
      held.losses++;
      held.lostWhy.push(why);
    },
    superseded: () => void held.supersessions++,
  };
  return held;
};

/** No budget to speak of, for tests about something else. */
const ANY = Number.MAX_SAFE_INTEGER;
/** The owner of the sessions these tests attach (`sessionOwner`). */
export const OWNER = 'alice';

/** Waits until `condition` holds, checking every 10 ms; fails naming `what` after `timeoutMs`. */
export const until = async (condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> => {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/** Two nodes' RedisBrokers on a redis-server of their own (started here), as two server processes would have. */
export async function redisNodes(): Promise<{
  a: RedisBroker;
  b: RedisBroker;
  redis: RedisServer;
  close(): Promise<void>;
}> {
  const redis = await RedisServer.start();
  const a = new RedisBroker({ url: redis.url });
  const b = new RedisBroker({ url: redis.url });
  return {
    a,
    b,
    redis,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await redis.stop();
    },
  };
}

export function brokerSuite(name: string, nodes: MakeNodes): void {
  test.describe(`${name}: the Broker contract`, () => {
    let a: Broker;
    let b: Broker;
    let close: () => Promise<void>;
    test.beforeEach(async () => {
      ({ a, b, close } = await nodes());
    });
    test.afterEach(async () => close());

    test("a session belongs to its owner: another owner's attach gets a new session and leaves it untouched", async () => {
      const alice = link();
      const { record, generation } = await a.attach(undefined, alice, OWNER);
      expect(await a.processed(record.id, generation, 1)).toBe('ok');
      const mallory = await b.attach(record.id, link(), 'mallory');
      expect(mallory.resumed).toBe(false);
      expect(mallory.record.id).not.toBe(record.id);
      // Alice's attachment still holds her session: nothing was superseded, her next frame is recorded.
      await new Promise((resolve) => setTimeout(resolve, 50)); // a notice on a node's topic would be in by now
      expect([alice.supersessions, alice.losses]).toEqual([0, 0]);
      expect(await a.processed(record.id, generation, 2)).toBe('ok');
      expect((await b.attach(record.id, link(), OWNER)).resumed).toBe(true);
    });

    test('offsets grow by one per publication and channel, in one epoch; history off gives offset 0', async () => {
      const p1 = await a.publish('chat', json(1), LIMITS);
      const p2 = await b.publish('chat', json(2), LIMITS);
      const other = await a.publish('news', json('x'), LIMITS);
      const off = await a.publish('ticks', json(0), false);
      expect([p1.offset, p2.offset, other.offset, off.offset]).toEqual([1, 2, 1, 0]);
      expect(p2.epoch).toBe(p1.epoch);
      expect(await b.position('chat')).toEqual({ offset: 2, epoch: p1.epoch });
    });

    test('every node subscribed gets every publication once, in offset order, its own included; except is carried', async () => {
      const got: Record<string, Publication[]> = { a: [], b: [] };
      const stopA = await a.subscribe('chat', (p) => got.a!.push(p));
      await b.subscribe('chat', (p) => got.b!.push(p));
      for (let i = 1; i <= 20; i++)
        await (i % 2 ? a : b).publish('chat', json(i), LIMITS, i === 3 ? 'client-7' : undefined);
      await until(() => got.a!.length === 20 && got.b!.length === 20, '20 publications on both nodes');
      for (const node of ['a', 'b']) {
        expect(got[node]!.map((p) => p.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(got[node]!.map((p) => JSON.parse(p.data))).toEqual(
          Array.from({ length: 20 }, (_, i) => i + 1),
        );
      }
      expect(got.a![2]!.except).toBe('client-7');
      await stopA();
      await b.publish('chat', json(21), LIMITS);
      await until(() => got.b!.length === 21, 'the 21st publication on b');
      expect(got.a).toHaveLength(20);
    });

    test('recover: nothing missed, the missed ones in order, or why not (trimmed, epoch)', async () => {
      const first = await a.publish('chat', json(1), LIMITS);
      const epoch = first.epoch;
      for (let i = 2; i <= 4; i++) await a.publish('chat', json(i), LIMITS);
      expect(await b.recover('chat', { offset: 4, epoch })).toEqual({
        recovered: true,
        publications: [],
        position: { offset: 4, epoch },
      });
      const missed = await b.recover('chat', { offset: 2, epoch });
      expect(missed.recovered && missed.publications.map((p) => [p.offset, JSON.parse(p.data)])).toEqual([
        [3, 3],
        [4, 4],
      ]);
      for (let i = 5; i <= 9; i++) await a.publish('chat', json(i), LIMITS); // keeps 5–9
      expect(await b.recover('chat', { offset: 3, epoch })).toMatchObject({
        recovered: false,
        reason: 'trimmed',
      });
      expect(await b.recover('chat', { offset: 4, epoch })).toMatchObject({ recovered: true });
      expect(await b.recover('chat', { offset: 4, epoch: 'another' })).toEqual({
        recovered: false,
        reason: 'epoch',
        position: { offset: 9, epoch },
      });
    });

    test('history is bounded by bytes and by age too', async () => {
      const epoch = (await a.publish('big', json('x'.repeat(400)), LIMITS)).epoch;
      await a.publish('big', json('y'.repeat(400)), LIMITS);
      await a.publish('big', json('z'.repeat(400)), LIMITS); // 1,206 bytes: the first goes
      expect(await b.recover('big', { offset: 0, epoch })).toMatchObject({
        recovered: false,
        reason: 'trimmed',
      });
      expect(await b.recover('big', { offset: 1, epoch })).toMatchObject({ recovered: true });
      const brief = { ...LIMITS, maxAgeMs: 50 };
      const e2 = (await a.publish('brief', json(1), brief)).epoch;
      await new Promise((resolve) => setTimeout(resolve, 150));
      await a.publish('brief', json(2), brief);
      expect(await b.recover('brief', { offset: 0, epoch: e2 })).toMatchObject({
        recovered: false,
        reason: 'trimmed',
      });
    });

    test('sessions: new, resumed on another node with what it processed and what it still owes, expired after the TTL', async () => {
      const delivered: Frame[] = [];
      const onA = link(delivered);
      const fresh = await a.attach(undefined, onA, OWNER);
      expect(fresh.resumed).toBe(false);
      const { id } = fresh.record;
      for (let seq = 1; seq <= 3; seq++) {
        expect(await a.processed(id, fresh.generation, seq)).toBe('ok');
        await a.handled(id, fresh.generation, seq);
      }
      expect(await a.send(id, '{"n":1}', ANY)).toBe(1);
      expect(await a.send(id, '{"n":2}', ANY)).toBe(2);
      await until(() => delivered.length === 2, 'two frames delivered');
      expect(delivered).toEqual([
        { seq: 1, text: '{"seq":1,"n":1}' },
        { seq: 2, text: '{"seq":2,"n":2}' },
      ]);
      await a.acknowledged(id, fresh.generation, 1);
      await a.detach(id, fresh.generation, onA);
      const onB: Frame[] = [];
      const held = link(onB, 50);
      const resumed = await b.attach(id, held, OWNER);
      expect(resumed.resumed).toBe(true);
      expect(resumed.generation).toBeGreaterThan(fresh.generation);
      expect(resumed.record).toMatchObject({
        id,
        processed: 3,
        sent: 2,
        outbox: [{ seq: 2, text: '{"seq":2,"n":2}' }],
      });
      await a.send(id, '{"late":true}', ANY); // a late response from the first node reaches the second
      await until(() => onB.length === 1, 'the late frame on b');
      expect(onB).toEqual([{ seq: 3, text: '{"seq":3,"late":true}' }]);
      await b.detach(id, resumed.generation, held);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const expired = await a.attach(id, link(), OWNER);
      expect(expired.resumed).toBe(false);
      expect(expired.record.id).not.toBe(id);
      expect(await a.send(id, '{"n":3}', ANY)).toBe(0);
      expect([onA.losses, held.losses, onA.supersessions, held.supersessions]).toEqual([0, 0, 0, 0]);
    });

    test('a connection that ends after its client came back on another does not take the session from it', async () => {
      const first = link([], 50);
      const { record, generation } = await a.attach(undefined, first, OWNER);
      const frames: Frame[] = [];
      const second = link(frames);
      expect((await b.attach(record.id, second, OWNER)).resumed).toBe(true);
      await a.detach(record.id, generation, first); // the first connection's end, noticed late
      await a.send(record.id, '{"n":1}', ANY);
      await until(() => frames.length === 1, 'the frame on the second connection');
      await new Promise((resolve) => setTimeout(resolve, 200)); // past the first one's TTL
      expect(await a.send(record.id, '{"n":2}', ANY)).toBe(2);
      await until(() => frames.length === 2, 'the second frame');
      expect((await a.attach(record.id, link(), OWNER)).resumed).toBe(true);
    });

    test('frames sent to one session from two nodes at once are delivered in one order, each once', async () => {
      const frames: Frame[] = [];
      const { record } = await b.attach(undefined, link(frames), OWNER);
      const sends = [];
      for (let i = 1; i <= 20; i++) {
        sends.push(a.send(record.id, json({ from: 'a', i }), ANY));
        sends.push(b.send(record.id, json({ from: 'b', i }), ANY));
      }
      const seqs = await Promise.all(sends);
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await until(() => frames.length === 40, '40 frames');
      expect(frames.map((f) => f.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      for (const frame of frames) expect((JSON.parse(frame.text) as { seq: number }).seq).toBe(frame.seq);
      // Each node's own frames in the order it sent them.
      for (const from of ['a', 'b']) {
        const mine = frames.map((f) => JSON.parse(f.text)).filter((f) => f.from === from);
        expect(mine.map((f) => f.i)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
    });

    test('a frame claimed by an attachment that never recorded it handled is handled again by the next, flagged', async () => {
      const one = await a.attach(undefined, link(), OWNER);
      const { id } = one.record;
      for (const seq of [1, 2, 3]) expect(await a.processed(id, one.generation, seq)).toBe('ok');
      await a.handled(id, one.generation, 1); // its node died after handling 1, before recording 2 and 3
      expect(await a.processed(id, one.generation, 2)).toBe('duplicate'); // its own claim: not twice on it
      const two = await b.attach(id, link(), OWNER);
      expect(two.record.processed).toBe(1); // what the client is told: it sends 2 and 3 again
      expect(await b.processed(id, two.generation, 1)).toBe('duplicate');
      expect(await b.processed(id, two.generation, 2)).toBe('redelivered');
      expect(await b.processed(id, two.generation, 3)).toBe('redelivered');
      expect(await b.processed(id, two.generation, 4)).toBe('ok');
      await b.handled(id, two.generation, 4);
      await a.handled(id, one.generation, 3); // the old attachment's late record is refused
      expect((await a.attach(id, link(), OWNER)).record.processed).toBe(4);
    });

    test('a late hello (an attempt not above the newest) takes nothing: the session stays with the newer one', async () => {
      const first = await a.attach(undefined, link(), OWNER, 1);
      if (first === 'late') throw new Error('a new session is never late');
      const { record } = first;
      expect(await b.attach(record.id, link(), OWNER, 3)).toMatchObject({ resumed: true });
      expect(await a.attach(record.id, link(), OWNER, 2)).toBe('late');
      expect(await a.attach(record.id, link(), OWNER, 3)).toBe('late');
      const next = await a.attach(record.id, link(), OWNER, 4);
      expect(next).toMatchObject({ resumed: true, generation: 3 });
    });

    test('fencing: a second attach supersedes the first, whose processed, acknowledged and detach are refused', async () => {
      const first = link();
      const one = await a.attach(undefined, first, OWNER);
      const { id } = one.record;
      expect(await a.processed(id, one.generation, 1)).toBe('ok');
      await a.handled(id, one.generation, 1);
      await a.send(id, '{"n":1}', ANY);
      await a.send(id, '{"n":2}', ANY);
      const frames: Frame[] = [];
      const second = link(frames);
      const two = await b.attach(id, second, OWNER); // the client came back, on another node
      expect(two.resumed).toBe(true);
      expect(two.generation).toBeGreaterThan(one.generation);
      await until(() => first.supersessions === 1, 'the first attachment superseded');
      expect(await a.processed(id, one.generation, 2)).toBe('stale');
      await a.acknowledged(id, one.generation, 2);
      await a.detach(id, one.generation, first);
      await a.send(id, '{"n":3}', ANY);
      await until(() => frames.length === 1, 'the frame on the second attachment');
      expect(frames[0]!.seq).toBe(3);
      const three = await a.attach(id, link(), OWNER); // the stale acts changed nothing
      expect(three).toMatchObject({ resumed: true, record: { processed: 1, sent: 3 } });
      expect(three.record.outbox.map((f) => f.seq)).toEqual([1, 2, 3]);
      await until(() => second.supersessions === 1, 'the second attachment superseded');
      expect(await b.processed(id, two.generation, 2)).toBe('stale');
      expect(await a.processed(id, three.generation, 2)).toBe('ok');
      // Each told once, and only that.
      expect([first.supersessions, second.supersessions, first.losses, second.losses]).toEqual([1, 1, 0, 0]);
    });

    test('a second attach on the same node supersedes the first too', async () => {
      const first = link();
      const one = await a.attach(undefined, first, OWNER);
      const two = await a.attach(one.record.id, link(), OWNER);
      expect(two.generation).toBeGreaterThan(one.generation);
      await until(() => first.supersessions === 1, 'the first attachment superseded');
      expect(await a.processed(one.record.id, one.generation, 1)).toBe('stale');
      expect(await a.processed(one.record.id, two.generation, 1)).toBe('ok');
    });

    test('processed is a compare-and-set: ok for the next seq only, duplicate, hole, stale once the session is gone', async () => {
      const { record, generation } = await a.attach(undefined, link(), OWNER);
      const { id } = record;
      expect(await a.processed(id, generation, 2)).toBe('hole');
      expect(await a.processed(id, generation, 1)).toBe('ok');
      expect(await b.processed(id, generation, 1)).toBe('duplicate');
      expect(await a.processed(id, generation, 3)).toBe('hole');
      expect(await b.processed(id, generation, 2)).toBe('ok');
      expect(await a.processed(id, generation, 2)).toBe('duplicate');
      const concurrent = await Promise.all([a.processed(id, generation, 3), b.processed(id, generation, 3)]);
      expect(concurrent.sort()).toEqual(['duplicate', 'ok']);
      expect(await a.processed(id, generation + 1, 4)).toBe('stale');
      await a.end(id);
      expect(await a.processed(id, generation, 4)).toBe('stale');
      expect(await a.processed('no-such-session', 1, 1)).toBe('stale');
    });

    test('a frame over the outbox budget ends the session: -1, the attached link hears lost(budget), acks make room', async () => {
      const held = link();
      const { record, generation } = await b.attach(undefined, held, OWNER);
      const { id } = record;
      const frame = json({ pad: 'x'.repeat(80) }); // 100 bytes with its seq
      expect(await a.send(id, frame, 250)).toBe(1);
      expect(await a.send(id, frame, 250)).toBe(2);
      await b.acknowledged(id, generation, 1); // 100 bytes kept
      expect(await a.send(id, frame, 250)).toBe(3); // 200
      await b.acknowledged(id, generation + 1, 3); // stale: ignored
      expect(await a.send(id, frame, 250)).toBe(-1);
      await until(() => held.losses === 1, 'the attached link told');
      expect(held.lostWhy).toEqual(['budget']);
      expect(await a.send(id, frame, 250)).toBe(0);
      expect(await b.processed(id, generation, 1)).toBe('stale');
      expect((await a.attach(id, link(), OWNER)).resumed).toBe(false);
      expect(held.supersessions).toBe(0);
    });

    test('the budget holds for a detached session too: a send over it ends the session', async () => {
      const held = link();
      const { record, generation } = await a.attach(undefined, held, OWNER);
      await a.detach(record.id, generation, held);
      const frame = json({ pad: 'y'.repeat(80) });
      expect(await b.send(record.id, frame, 150)).toBe(1);
      expect(await b.send(record.id, frame, 150)).toBe(-1);
      expect(await b.send(record.id, frame, 150)).toBe(0);
      expect((await b.attach(record.id, link(), OWNER)).resumed).toBe(false);
      expect(held.losses).toBe(0); // detached: nobody to tell
    });

    test('recover since offset 0 of a channel never published on: recovered, nothing to replay', async () => {
      const start = await a.position('quiet');
      expect(start.offset).toBe(0);
      expect(await b.recover('quiet', start)).toMatchObject({
        recovered: true,
        publications: [],
        position: { offset: 0 },
      });
      // A position of this store taken on another channel that was never published on either: nothing missed.
      const other = await a.position('other');
      expect(await b.recover('never', { offset: 0, epoch: other.epoch })).toMatchObject({
        recovered: true,
        publications: [],
      });
      // From another store (or another generation of it), offset 0 proves nothing: what was published there
      // after it may be lost.
      expect(await b.recover('never', { offset: 0, epoch: 'from-another-store' })).toMatchObject({
        recovered: false,
        reason: 'epoch',
      });
    });

    test('a channel first published on after a subscriber took its position at offset 0: replayed, not a gap', async () => {
      const start = await a.position('quiet');
      await a.publish('quiet', json(1), LIMITS);
      const since0 = await b.recover('quiet', start);
      expect(since0.recovered && since0.publications.map((p) => p.offset)).toEqual([1]);
    });

    test('end(): the next attach starts a new session', async () => {
      const { record } = await a.attach(undefined, link(), OWNER);
      await a.end(record.id);
      const again = await b.attach(record.id, link(), OWNER);
      expect(again.resumed).toBe(false);
    });
  });
}
