// Several server nodes on Redis, in every engine: two node processes (the built server on the built Redis broker)
// share one real redis-server; a page on node A and a page on node B chat through a channel, 100 lines each way.
// Node A is killed mid-stream: its page reconnects to B (a URL function that rotates) and resumes — every line
// once, in order, no gap. Redis is restarted mid-stream: the pages hear a gap, and every line they sent is handled
// (again, flagged redelivered, if it may have been handled before) — nothing lost silently.
import type { Page } from '@playwright/test';
import { RedisServer } from '../fixture/redis-server.js';
import { ServerNode } from '../fixture/server-node.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

declare global {
  interface Window {
    chat?: {
      got: Array<{ from: string; n: number }>;
      gaps: unknown[];
      /** How many lines this page has sent. */
      sent: number;
      /** Sends lines 1…count, one every `everyMs`. */
      stream(count: number, everyMs: number): void;
      say(n: number): void;
    };
  }
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

const withNodes = test.extend<{ redis: RedisServer; nodes: { a: ServerNode; b: ServerNode } }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  redis: async ({}, use) => {
    const redis = await RedisServer.start();
    await use(redis);
    await redis.stop();
  },
  nodes: async ({ redis, server }, use) => {
    const started = await Promise.allSettled([
      ServerNode.start(redis.url, server.httpUrl),
      ServerNode.start(redis.url, server.httpUrl),
    ]);
    const [a, b] = started.map((node) => (node.status === 'fulfilled' ? node.value : undefined));
    if (!a || !b) {
      await Promise.all([a?.stop(), b?.stop()]); // the one that did start must not outlive the test
      throw started.find((node) => node.status === 'rejected')!.reason;
    }
    await use({ a, b });
    await Promise.all([a.stop(), b.stop()]);
  },
});

/**
 * A page that chats as `me` on the `chat` channel, first through `urls[0]`, then the next URL on each attempt.
 * A fast heartbeat and backoff, so that a dead node is left in seconds.
 */
async function chatter(page: Page, me: string, urls: string[]): Promise<SocketProbe> {
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => {
      let attempt = 0;
      const socket = new RS.ReliableSocket(() => arg.urls[attempt++ % arg.urls.length]!, {
        heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      });
      const chat = socket.channel('chat');
      const state: NonNullable<Window['chat']> = {
        got: [],
        gaps: [],
        sent: 0,
        stream: (count, everyMs) => {
          const timer = setInterval(() => {
            state.say(state.sent + 1);
            if (state.sent >= count) clearInterval(timer);
          }, everyMs);
        },
        say: (n) => {
          chat.send({ from: arg.me, n });
          state.sent = Math.max(state.sent, n);
        },
      };
      chat.on('message', (line) => state.got.push(line as { from: string; n: number }));
      chat.on('gap', (gap) => state.gaps.push(gap));
      window.chat = state;
      return socket;
    },
    { me, urls },
  );
  await probe.waitFor('open');
  await page.waitForFunction(() => window.chat !== undefined);
  return probe;
}

const chatOf = (page: Page) =>
  page.evaluate(() => {
    const { got, gaps, sent } = window.chat!;
    return { got: got.map((line) => `${line.from}${line.n}`), gaps, sent };
  });
const heard = async (page: Page, from: string): Promise<number[]> =>
  (await page.evaluate(() => window.chat!.got)).filter((line) => line.from === from).map((line) => line.n);
const unacknowledged = (probe: SocketProbe): Promise<number> =>
  probe.run((socket) => (socket as unknown as { unacknowledged: number }).unacknowledged);

/** Two pages, one per node, subscribed and heard by each other. */
async function twoPages(
  page: Page,
  server: Parameters<typeof openLibrary>[1],
  nodes: { a: ServerNode; b: ServerNode },
) {
  const other = await page.context().newPage();
  await Promise.all([openLibrary(page, server), openLibrary(other, server)]);
  const onA = await chatter(page, 'a', [nodes.a.wsUrl, nodes.b.wsUrl]);
  const onB = await chatter(other, 'b', [nodes.b.wsUrl, nodes.a.wsUrl]);
  // Both subscribed (acknowledged), so each hears the other from the first line.
  await expect.poll(() => unacknowledged(onA)).toBe(0);
  await expect.poll(() => unacknowledged(onB)).toBe(0);
  return { pageA: page, pageB: other, onA, onB };
}

/** Both pages stream 100 lines, 20 ms apart; resolves once B has heard 30 of A's: mid-stream. */
async function streamBoth(pageA: Page, pageB: Page): Promise<void> {
  await pageA.evaluate(() => window.chat!.stream(100, 20));
  await pageB.evaluate(() => window.chat!.stream(100, 20));
  await expect
    .poll(async () => (await heard(pageB, 'a')).length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(30);
}

withNodes(
  'node A is killed mid-stream: its page resumes on node B; 100 lines each way arrive once, in order, no gap',
  async ({ page, server, nodes }) => {
    test.setTimeout(60_000);
    const { pageA, pageB, onA, onB } = await twoPages(page, server, nodes);
    await streamBoth(pageA, pageB);
    await nodes.a.kill();
    expect((await heard(pageB, 'a')).length).toBeLessThan(100); // killed mid-stream indeed

    await onA.waitFor('open', { count: 2, timeoutMs: 15_000 });
    await expect.poll(() => heard(pageB, 'a'), { timeout: 20_000 }).toEqual(range(1, 100));
    await expect.poll(() => heard(pageA, 'b'), { timeout: 20_000 }).toEqual(range(1, 100));
    await expect.poll(() => unacknowledged(onA)).toBe(0);
    await pageA.waitForTimeout(500); // proving a negative: no duplicate is still on its way
    expect(await heard(pageB, 'a')).toEqual(range(1, 100));
    expect(await heard(pageA, 'b')).toEqual(range(1, 100));
    expect((await chatOf(pageA)).gaps).toEqual([]);
    expect((await chatOf(pageB)).gaps).toEqual([]);
    expect(await onA.events('drop')).toEqual([]);
    expect(await onB.events('open')).toHaveLength(1); // B's page never noticed
    // Each of A's lines was handled once, by A until it died, then by B. Lines A had claimed but not recorded
    // as handled when it died are handled by B flagged redelivered (B cannot know whether A ran them; here it
    // had not): none lost, none run twice, and B never flags one it could have known about.
    const handled = [...nodes.a.handled, ...nodes.b.handled].filter(({ line }) => line.from === 'a');
    expect(new Set(handled.map(({ line }) => line.n)).size).toBe(handled.length);
    const flagged = handled.filter(({ redelivered }) => redelivered);
    expect(nodes.a.handled.filter(({ redelivered }) => redelivered)).toEqual([]);
    expect(flagged.length).toBeLessThanOrEqual(20);
    expect(nodes.b.handled.filter(({ line }) => line.from === 'b').map(({ line }) => line.n)).toEqual(
      range(1, 100),
    );
  },
);

withNodes(
  'Redis restarted mid-stream: the pages hear a gap; every line sent is handled, again only if flagged redelivered',
  async ({ page, server, nodes, redis }) => {
    test.setTimeout(60_000);
    const { pageA, pageB, onA, onB } = await twoPages(page, server, nodes);
    await streamBoth(pageA, pageB);
    await redis.restart();

    // The nodes find their sessions gone and close their clients (1012), which start new sessions.
    await onA.waitFor('open', { count: 2, timeoutMs: 15_000 });
    await onB.waitFor('open', { count: 2, timeoutMs: 15_000 });
    for (const pageX of [pageA, pageB])
      await expect.poll(async () => (await chatOf(pageX)).sent, { timeout: 10_000 }).toBe(100);
    await expect.poll(() => unacknowledged(onA), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => unacknowledged(onB), { timeout: 15_000 }).toBe(0);

    for (const pageX of [pageA, pageB])
      expect((await chatOf(pageX)).gaps).toContainEqual({ channel: 'chat', reason: expect.any(String) });
    const handled = [...nodes.a.handled, ...nodes.b.handled];
    for (const from of ['a', 'b']) {
      const mine = handled.filter(({ line }) => line.from === from);
      // Every line was handled, and at most once without the redelivered flag (the nodes' records are not in
      // one order between them: which handling came first is not known here).
      expect(new Set(mine.map(({ line }) => line.n))).toEqual(new Set(range(1, 100)));
      const unflagged = mine.filter(({ redelivered }) => !redelivered).map(({ line }) => line.n);
      expect(unflagged.length, `${from}: handled twice without the flag`).toBe(new Set(unflagged).size);
    }
    expect(await onA.events('drop')).toEqual([]);
    expect(await onB.events('drop')).toEqual([]);
    expect([...nodes.a.errors, ...nodes.b.errors].some((error) => error.code === 'ERR_BROKER')).toBe(true);

    // And the chat goes on, in the new epoch.
    await pageA.evaluate(() => window.chat!.say(101));
    await pageB.evaluate(() => window.chat!.say(101));
    await expect.poll(async () => (await heard(pageB, 'a')).at(-1)).toBe(101);
    await expect.poll(async () => (await heard(pageA, 'b')).at(-1)).toBe(101);
  },
);
