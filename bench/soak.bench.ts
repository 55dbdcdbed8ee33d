// The soak: 1,000 numbered channel messages client → server and 1,000 numbered publications server → client,
// over protocol v2, through the fixture's TCP proxy to the companion server, across 50 random faults — kill
// (every connection cut, 1006), half-open (traffic frozen both ways) ended by a lost NAT entry (frozen bytes
// dropped, connections reset), and server restart (1012, a new instance) with the broker kept (one passed in
// from outside the server, as a shared broker would be). Each fault cycle sends and publishes its share of the
// traffic, part just before the fault (in flight when it hits) and part during it. Then: how many of each
// direction were lost, duplicated or out of order (target 0 / 0 / 0), with the `gap`, `drop` and `error`
// events and the frames the server saw flagged redelivered (none expected: the session survives everything
// here). Seeded (SOAK_SEED to replay a run); how long it took is part of the figures.
import type { Page } from '@playwright/test';
import { MemoryBroker } from '../src/server/memory-broker.js';
import { Companion } from '../test/fixture/companion.js';
import { expect, openLibrary, test } from '../test/fixture/test.js';
import { median, record } from './kit.js';
import { type FaultKind, mulberry32, sequenceReport } from './soak-kit.js';

declare global {
  interface Window {
    soak?: {
      opens: number;
      feed: number[];
      gaps: unknown[];
      drops: number;
      errors: string[];
      send(from: number, to: number): void;
      unacknowledged(): number;
      close(): void;
    };
  }
}

const MESSAGES = 1000;
const FAULTS = 50;
const KINDS: readonly FaultKind[] = ['kill', 'half-open', 'restart'];

/** A socket in the page sending numbered messages on `in` and recording numbered publications on `feed`. */
async function connect(page: Page, url: string): Promise<void> {
  await page.evaluate(async (url) => {
    const socket = new window.RS.ReliableSocket(url, {
      // A dead link noticed within 2 s; retries within half a second.
      heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    });
    const input = socket.channel('in');
    const feed = socket.channel('feed');
    const state = {
      opens: 0,
      feed: [] as number[],
      gaps: [] as unknown[],
      drops: 0,
      errors: [] as string[],
      send: (from: number, to: number) => {
        for (let n = from; n <= to; n++) input.send({ n });
      },
      unacknowledged: () => socket.unacknowledged,
      close: () => socket.close(),
    };
    socket.on('open', () => state.opens++);
    socket.on('drop', () => state.drops++);
    socket.on('error', (error) => state.errors.push(String((error as { code?: string }).code)));
    feed.on('message', (data) => state.feed.push((data as { n: number }).n));
    feed.on('gap', (gap) => state.gaps.push(gap));
    window.soak = state;
    await window.RS.whenOpen(socket);
  }, url);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('soak: 1,000 messages each way over 50 random faults', async ({ page, server, browser }, testInfo) => {
  test.setTimeout(300_000);
  const seed = Number(process.env.SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = mulberry32(seed);
  const broker = new MemoryBroker();
  const companion = await Companion.start({
    origin: server.httpUrl,
    history: { maxMessages: 2 * MESSAGES },
    broker,
  });
  try {
    await openLibrary(page, server);
    await connect(page, companion.wsUrl);
    await expect
      .poll(() => [...companion.server.clients].some((c) => c.subscriptions.has('feed')))
      .toBe(true);
    const started = Date.now();
    const opens = () => page.evaluate(() => window.soak!.opens);
    let sent = 0;
    let published = 0;
    const traffic = async (count: number) => {
      const from = sent + 1;
      sent += count;
      if (count > 0) await page.evaluate(([from, to]) => window.soak!.send(from, to), [from, sent] as const);
      // Published on whichever instance is current — during a restart the old one, still draining, or the new
      // one: either way into the shared broker, as another node would.
      for (let i = 0; i < count; i++) await companion.server.publish('feed', { n: ++published });
    };
    const faults: Array<{ kind: FaultKind; recoveryMs: number }> = [];
    for (let fault = 0; fault < FAULTS; fault++) {
      const quota = Math.round(((fault + 1) * MESSAGES) / FAULTS) - sent;
      const before = Math.floor(random() * (quota + 1));
      const kind = KINDS[Math.floor(random() * KINDS.length)]!;
      const opened = await opens();
      await traffic(before); // in flight when the fault hits
      const at = Date.now();
      if (kind === 'kill') {
        for (const client of companion.server.clients) client.terminate();
        await traffic(quota - before);
      } else if (kind === 'half-open') {
        companion.halfOpen(true);
        await traffic(quota - before);
        await sleep(300 + random() * 2700);
        companion.natLoss();
      } else {
        const restarted = companion.restart();
        await traffic(quota - before);
        await restarted;
      }
      await page.waitForFunction((opened) => window.soak!.opens > opened, opened, {
        timeout: 20_000,
        polling: 20,
      });
      faults.push({ kind, recoveryMs: Date.now() - at });
    }
    const faultsDoneMs = Date.now() - started;

    // Everything arrives, or the wait ends (what is missing then is lost); then a quiet second for late duplicates.
    const feed = () => page.evaluate(() => window.soak!.feed);
    const complete = async () =>
      new Set(companion.messages.map((m) => m.n)).size >= MESSAGES &&
      new Set(await feed()).size >= MESSAGES &&
      (await page.evaluate(() => window.soak!.unacknowledged())) === 0;
    await expect
      .poll(complete, { timeout: 30_000 })
      .toBe(true)
      .catch(() => {});
    await sleep(1000);
    const state = await page.evaluate(() => {
      const { feed, gaps, drops, errors } = window.soak!;
      return { feed, gaps, drops, errors };
    });
    const toServer = sequenceReport(
      companion.messages.map((m) => m.n),
      MESSAGES,
    );
    const toClient = sequenceReport(state.feed, MESSAGES);
    const byKind = Object.fromEntries(
      KINDS.map((kind) => {
        const times = faults.filter((f) => f.kind === kind).map((f) => f.recoveryMs);
        return [
          kind,
          { count: times.length, medianRecoveryMs: median(times), maxRecoveryMs: Math.max(...times) },
        ];
      }),
    );
    const figures = {
      seed,
      messages: MESSAGES,
      faults: FAULTS,
      byKind,
      toServer,
      toClient,
      redelivered: companion.messages.filter((m) => m.redelivered).length,
      gaps: state.gaps,
      drops: state.drops,
      errors: state.errors,
      faultsMs: faultsDoneMs,
      totalMs: Date.now() - started,
    };
    record(testInfo, browser, 'soak', figures);
    await page.evaluate(() => window.soak!.close());
    expect({ toServer, toClient }, `seed ${seed}`).toEqual({
      toServer: { received: MESSAGES, lost: 0, duplicated: 0, outOfOrder: 0 },
      toClient: { received: MESSAGES, lost: 0, duplicated: 0, outOfOrder: 0 },
    });
  } finally {
    await companion.close();
    await broker.close();
  }
});
