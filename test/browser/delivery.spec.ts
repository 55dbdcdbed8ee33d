// Nothing lost, nothing twice (protocol v2), in every engine, through the fixture's TCP proxy to the real
// companion server: a half-open blackout that ends as a lost NAT entry does; a server restart that loses its
// in-memory broker; a resend buffer and a history too small for what happened. Numbered messages, requests and
// publications prove exactly-once and order; `gap` and `drop` events prove that what cannot be saved is said.
import type { Page } from '@playwright/test';
import { Companion } from '../fixture/companion.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

declare global {
  interface Window {
    delivery?: {
      feed: unknown[];
      gaps: unknown[];
      answers: unknown[];
      failures: unknown[];
      send(from: number, to: number): unknown[];
      request(from: number, to: number): void;
    };
  }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const once = (numbers: number[]) => numbers.map((n) => ({ n, redelivered: false }));

/** A companion per test, behind its own proxy; closed after the test (after the page, which depends on it). */
const withCompanion = test.extend<{ companion: Companion }>({
  companion: async ({ server }, use) => {
    const companion = await Companion.start({ origin: server.httpUrl, history: { maxMessages: 200 } });
    await use(companion);
    await companion.close();
  },
});

/**
 * A socket in the page with views of `in` (sent), `rpc` (requested) and `feed` (recorded, with its gaps), and
 * helpers that send numbered frames. A fast heartbeat, so that a half-open link is noticed in seconds.
 */
async function connect(page: Page, url: string, queue?: { maxMessages: number }): Promise<SocketProbe> {
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => {
      const socket = new RS.ReliableSocket(arg.url, {
        heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
        ...(arg.queue ? { queue: arg.queue } : {}),
      });
      const state = {
        feed: [] as unknown[],
        gaps: [] as unknown[],
        answers: [] as unknown[],
        failures: [] as unknown[],
      };
      const input = socket.channel('in');
      const rpc = socket.channel('rpc');
      const feed = socket.channel('feed');
      feed.on('message', (data) => state.feed.push(data));
      feed.on('gap', (gap) => state.gaps.push(gap));
      window.delivery = {
        ...state,
        send: (from, to) => {
          const results = [];
          for (let n = from; n <= to; n++) results.push(input.send({ n }));
          return results;
        },
        request: (from, to) => {
          for (let n = from; n <= to; n++)
            rpc.request({ n }, { timeoutMs: 60_000 }).then(
              (answer) => state.answers.push(answer),
              (error: { code?: string }) => state.failures.push(error.code),
            );
        },
      };
      return socket;
    },
    { url, queue },
  );
  await probe.waitFor('open');
  await page.waitForFunction(() => window.delivery !== undefined);
  return probe;
}

/** Sends messages `from`…`to` on `in`; returns what each `send()` said. */
const send = (page: Page, from: number, to: number): Promise<unknown[]> =>
  page.evaluate(([from, to]) => window.delivery!.send(from, to), [from, to] as const);
/** Requests `from`…`to` on `rpc`; the answers (or failures) are recorded in the page. */
const request = (page: Page, from: number, to: number): Promise<void> =>
  page.evaluate(([from, to]) => window.delivery!.request(from, to), [from, to] as const);
/** What the page recorded. */
const recorded = (page: Page) =>
  page.evaluate(() => {
    const { feed, gaps, answers, failures } = window.delivery!;
    return { feed: feed.map((m) => (m as { n: number }).n), gaps, answers, failures };
  });
const feedNumbers = async (page: Page): Promise<number[]> => (await recorded(page)).feed;
const unacknowledged = (probe: SocketProbe): Promise<number> =>
  probe.run((socket) => (socket as unknown as { unacknowledged: number }).unacknowledged);

withCompanion(
  'half-open blackout: 100 messages and 50 requests sent into it are handled once, in order; 100 published meanwhile arrive once, in order, no gap',
  async ({ page, server, companion }) => {
    test.setTimeout(60_000);
    await openLibrary(page, server);
    const probe = await connect(page, companion.wsUrl);
    await expect
      .poll(() => [...companion.server.clients].some((c) => c.subscriptions.has('feed')))
      .toBe(true);

    companion.halfOpen(true);
    const frozenAt = Date.now();
    expect(new Set(await send(page, 1, 100))).toEqual(new Set(['sent']));
    await request(page, 1, 50);
    for (let n = 1; n <= 100; n++) await companion.server.publish('feed', { n });
    // The heartbeat notices, the socket gives the link up and tries again — into the freeze: nothing gets through.
    await probe.waitFor('reconnecting', { timeoutMs: 10_000 });
    await page.waitForTimeout(Math.max(0, 6000 - (Date.now() - frozenAt)));
    companion.natLoss();

    await expect.poll(() => companion.messages.length, { timeout: 20_000 }).toBe(100);
    await expect.poll(() => companion.requests.length).toBe(50);
    await expect.poll(() => feedNumbers(page), { timeout: 20_000 }).toEqual(range(1, 100));
    await expect.poll(async () => (await recorded(page)).answers.length).toBe(50);
    await page.waitForTimeout(500); // proving a negative: no duplicate is still on its way
    expect(companion.messages).toEqual(once(range(1, 100)));
    expect(companion.requests).toEqual(once(range(1, 50)));
    expect(await feedNumbers(page)).toEqual(range(1, 100));
    const { answers, gaps, failures } = await recorded(page);
    expect((answers as Array<{ n: number }>).map((a) => a.n).sort((a, b) => a - b)).toEqual(range(1, 50));
    expect([gaps, failures]).toEqual([[], []]);
    expect(await probe.events('drop')).toEqual([]);
    await expect.poll(() => unacknowledged(probe)).toBe(0);
  },
);

withCompanion(
  'server restart that loses its broker: what was unacknowledged is re-sent and handled, flagged redelivered; the channel hears a gap',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await connect(page, companion.wsUrl);
    await send(page, 1, 10);
    await expect.poll(() => companion.messages.length).toBe(10);
    await expect.poll(() => unacknowledged(probe)).toBe(0);
    await companion.server.publish('feed', { n: 1 });
    await expect.poll(() => feedNumbers(page)).toEqual([1]);

    // The server hears nothing more (no acks will come), and restarts with a new, empty broker.
    companion.holdClientFrames(true);
    await send(page, 11, 20);
    await companion.restart();
    companion.holdClientFrames(false);
    await probe.waitFor('open', { count: 2, timeoutMs: 10_000 });

    await expect.poll(() => companion.messages.length).toBe(20);
    expect(companion.messages).toEqual([
      ...once(range(1, 10)),
      ...range(11, 20).map((n) => ({ n, redelivered: true })),
    ]);
    expect((await recorded(page)).gaps).toEqual([{ channel: 'feed', reason: 'session' }]);
    await companion.server.publish('feed', { n: 2 });
    await expect.poll(() => feedNumbers(page)).toEqual([1, 2]);
    expect(await probe.events('drop')).toEqual([]);
  },
);

withCompanion(
  'frames written before an outage are kept until acknowledged; only those waiting past the bound are dropped, and said so',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await connect(page, companion.wsUrl, { maxMessages: 10 });
    await expect.poll(() => unacknowledged(probe)).toBe(0); // the subscriptions were acknowledged
    companion.halfOpen(true);
    // Written on the (silently dead) connection: kept whatever the bound, as the server may have them already.
    expect(new Set(await send(page, 1, 30))).toEqual(new Set(['sent']));
    await probe.waitFor('reconnecting', { timeoutMs: 10_000 });
    // Waiting for a connection: ten fit, the oldest of the others are dropped.
    expect(new Set(await send(page, 31, 60))).toEqual(new Set(['queued']));
    companion.natLoss();
    await probe.waitFor('open', { count: 2, timeoutMs: 10_000 });
    await expect.poll(() => companion.messages.length).toBe(40);
    const drops = await probe.events('drop');
    const dropped = drops.map((e) => (JSON.parse(String(e.args[0])) as { data: { n: number } }).data.n);
    expect(dropped).toEqual(range(31, 50));
    expect(drops.every((e) => e.args[1] === 'overflow')).toBe(true);
    expect(companion.messages).toEqual([...once(range(1, 30)), ...once(range(51, 60))]);
  },
);

test('a history too small for what was missed: the channel hears a gap (trimmed), and live messages go on', async ({
  page,
  server,
}) => {
  const small = await Companion.start({ origin: server.httpUrl, history: { maxMessages: 10 } });
  try {
    await openLibrary(page, server);
    const probe = await connect(page, small.wsUrl);
    await expect.poll(() => [...small.server.clients].some((c) => c.subscriptions.has('feed'))).toBe(true);
    await small.server.publish('feed', { n: 1 });
    await expect.poll(() => feedNumbers(page)).toEqual([1]);
    small.halfOpen(true);
    for (let n = 2; n <= 31; n++) await small.server.publish('feed', { n });
    await probe.waitFor('reconnecting', { timeoutMs: 10_000 });
    small.natLoss();
    await probe.waitFor('open', { count: 2, timeoutMs: 10_000 });
    await expect
      .poll(async () => (await recorded(page)).gaps)
      .toEqual([{ channel: 'feed', reason: 'trimmed' }]);
    await small.server.publish('feed', { n: 32 });
    await expect.poll(async () => (await feedNumbers(page)).at(-1)).toBe(32);
    expect(await feedNumbers(page)).toEqual([1, 32]);
  } finally {
    await small.close();
  }
});
