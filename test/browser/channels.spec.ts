// Channels end to end: the built client in Chromium and Firefox, talking to the companion server
// (reliable-socket/server). Two pages chat; the server cuts every connection; both pages reconnect,
// re-subscribe and go on with nothing lost; requests get typed responses, time out, fail, and invalid
// payloads are reported instead of delivered.
import type { Page } from '@playwright/test';
import type { Channel } from '../../src/index.js';
import { PublicError, ReliableSocketServer } from '../../src/server/index.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

interface Line {
  from: string;
  text: string;
}
/** What pages send, per channel. */
interface FromPages {
  chat: Line;
  double: { n: number };
  later: { n: number };
  slow: null;
  fail: null;
}
/** What the server sends, per channel. */
interface ToPages {
  chat: Line;
  double: { doubled: number };
  later: { doubled: number };
  slow: null;
  fail: null;
  prices: unknown;
}

declare global {
  interface Window {
    channels?: Record<string, Channel>;
    received?: Record<string, unknown[]>;
  }
}

/** A publish as the server made it: the line and which pages were subscribed at that moment. */
interface Published {
  line: Line;
  recipients: string[];
}

/** The fixture's test, plus a companion server with the handlers below and a log of what it published. */
const withCompanion = test.extend<{
  companion: ReliableSocketServer<FromPages, ToPages>;
  published: Published[];
}>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  published: async ({}, use) => use([]),
  companion: async ({ published, server: fixture }, use) => {
    const server = new ReliableSocketServer<FromPages, ToPages>({
      port: 0,
      // The pages come from the fixture server, another origin (another port) than this server's.
      allowedOrigins: [new URL(fixture.httpUrl).origin],
      // The `slow` handler never settles: close() need not wait for it.
      drainTimeoutMs: 0,
    });
    await server.ready;
    const pageOf = (client: { request: { url?: string | undefined } }): string =>
      new URL(client.request.url ?? '/', 'http://x').searchParams.get('page') ?? '?';
    server.handle('chat', {
      message: (line) => {
        const recipients = [...server.clients].filter((c) => c.subscriptions.has('chat')).map(pageOf);
        published.push({ line, recipients });
        server.publish('chat', line);
      },
    });
    server.handle('double', { request: ({ n }) => ({ doubled: n * 2 }) });
    server.handle('slow', { request: () => new Promise<null>(() => {}) });
    server.handle('fail', {
      request: () => {
        throw new PublicError('not today', 'E_NOT_TODAY');
      },
    });
    await use(server);
    await server.close();
  },
});

/** A page with a socket to the companion server named `name`, with views of `channels` recording what arrives. */
async function join(
  page: Page,
  name: string,
  url: string,
  channels: string[],
  options: { delivery?: boolean } = {},
): Promise<SocketProbe> {
  return SocketProbe.create(
    page,
    (RS, arg) => {
      const socket = new RS.ReliableSocket(`${arg.url}?page=${arg.name}`, {
        reconnect: { initialDelayMs: 200 },
        ...arg.options,
      });
      window.channels = {};
      window.received = {};
      for (const name of arg.channels) {
        const channel = socket.channel(name, {
          // Used by the invalid-payload test: prices must carry a numeric price.
          validate: (data: unknown) => {
            if (name === 'prices' && typeof (data as { price?: unknown }).price !== 'number') {
              throw new Error('price must be a number');
            }
            return data;
          },
        });
        const log: unknown[] = [];
        window.received[name] = log;
        channel.on('message', (data) => log.push(data));
        channel.on('invalid', ({ data, issues }) =>
          log.push({ invalid: data, issues: issues.map((i) => i.message) }),
        );
        window.channels[name] = channel;
      }
      return socket;
    },
    { url, name, channels, options },
  );
}

const received = (page: Page, channel: string): Promise<unknown[]> =>
  page.evaluate((channel) => window.received?.[channel] ?? [], channel);

withCompanion(
  'two pages chat; the server cuts every connection; both come back, re-subscribe, and nothing is lost',
  async ({ page, server, companion, published }) => {
    const url = `ws://127.0.0.1:${companion.port}/`;
    const other = await page.context().newPage();
    const otherErrors: Error[] = [];
    other.on('pageerror', (error) => otherErrors.push(error));
    await openLibrary(page, server);
    await openLibrary(other, server);
    const a = await join(page, 'A', url, ['chat']);
    const b = await join(other, 'B', url, ['chat']);
    await Promise.all([a.waitFor('open'), b.waitFor('open')]);
    let subscribes = 0;
    companion.on('subscribe', () => subscribes++);
    await expect.poll(() => [...companion.clients].filter((c) => c.subscriptions.has('chat')).length).toBe(2);

    const send = (probe: SocketProbe, from: string, text: string) =>
      probe.page.evaluate((line) => window.channels?.chat?.send(line), { from, text });
    await send(a, 'A', 'hello from A');
    await send(b, 'B', 'hello from B');
    await expect.poll(() => received(other, 'chat')).toHaveLength(2);

    // "After the reconnect began": each page sends the moment its socket knows the connection is gone (frames
    // handed to a dying connection before anyone noticed are the at-most-once window every WebSocket has).
    for (const [probe, from] of [
      [a, 'A'],
      [b, 'B'],
    ] as const) {
      await probe.run((socket, from) => {
        const results: unknown[] = [];
        window.received!.outage = results;
        const off = socket.on('state', ({ to }) => {
          if (to !== 'reconnecting') return;
          off();
          for (let i = 1; i <= 3; i++)
            results.push(window.channels?.chat?.send({ from, text: `${from} during outage ${i}` }));
        });
      }, from);
    }
    for (const client of companion.clients) client.terminate();
    for (const target of [page, other]) {
      await expect.poll(() => received(target, 'outage')).toEqual(['queued', 'queued', 'queued']);
    }
    await Promise.all([a.waitFor('open', { count: 2 }), b.waitFor('open', { count: 2 })]);
    await expect.poll(() => subscribes, { message: 'both pages re-subscribed' }).toBe(2);
    await send(a, 'A', 'A after');
    await send(b, 'B', 'B after');
    await expect.poll(() => published.length).toBe(10);

    // The server got every line exactly once, in each sender's order.
    for (const from of ['A', 'B']) {
      expect(published.filter((p) => p.line.from === from).map((p) => p.line.text)).toEqual([
        `hello from ${from}`,
        ...[1, 2, 3].map((i) => `${from} during outage ${i}`),
        `${from} after`,
      ]);
    }
    // Each page got every line, in the order published: nothing lost, nothing twice — also what was published
    // while it was away (protocol v2 replays it from the channel's history when it resubscribes).
    for (const target of [page, other]) {
      await expect.poll(() => received(target, 'chat')).toEqual(published.map((p) => p.line));
    }
    // The lines sent after both were back reached both.
    for (const target of [page, other]) {
      const texts = (await received(target, 'chat')).map((line) => (line as Line).text);
      expect(texts).toEqual(expect.arrayContaining(['A after', 'B after']));
    }
    expect(otherErrors.map(String)).toEqual([]);
  },
);

withCompanion(
  'a request gets its typed response; a server error and a timeout reject with typed errors',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await join(page, 'A', `ws://127.0.0.1:${companion.port}/`, ['double', 'slow', 'fail']);
    await probe.waitFor('open');
    const outcomes = await page.evaluate(async () => {
      const settle = (promise: Promise<unknown>) =>
        promise.then(
          (value) => ({ value }),
          (error: Error & { code?: string; remoteCode?: string }) => ({
            name: error.name,
            code: error.code,
            remoteCode: error.remoteCode,
            message: error.message,
            typed: error instanceof window.RS.ReliableSocketError,
          }),
        );
      const channels = window.channels ?? {};
      return {
        doubled: await settle(channels.double!.request({ n: 21 })),
        failed: await settle(channels.fail!.request(null)),
        timedOut: await settle(channels.slow!.request(null, { timeoutMs: 300 })),
      };
    });
    expect(outcomes.doubled).toEqual({ value: { doubled: 42 } });
    expect(outcomes.failed).toMatchObject({
      name: 'RequestError',
      code: 'ERR_REQUEST_FAILED',
      remoteCode: 'E_NOT_TODAY',
      message: 'not today',
      typed: true,
    });
    expect(outcomes.timedOut).toMatchObject({
      name: 'RequestTimeoutError',
      code: 'ERR_REQUEST_TIMEOUT',
      typed: true,
    });
  },
);

withCompanion(
  'protocol v1 (delivery: false): a request in flight when the connection is cut rejects with ConnectionLostError; one sent later works',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const url = `ws://127.0.0.1:${companion.port}/`;
    const probe = await join(page, 'A', url, ['slow', 'double'], { delivery: false });
    await probe.waitFor('open');
    await page.evaluate(() => {
      const pending = window.channels?.slow?.request(null, { timeoutMs: 60_000 });
      window.received!.outcome = [];
      pending?.catch((error: { code?: string }) => window.received?.outcome?.push(error.code));
    });
    await expect.poll(() => companion.clients.size).toBe(1);
    for (const client of companion.clients) client.terminate();
    await expect.poll(() => received(page, 'outcome')).toEqual(['ERR_CONNECTION_LOST']);
    const doubled = await page.evaluate(() => window.channels?.double?.request({ n: 4 }));
    expect(doubled).toEqual({ doubled: 8 });
  },
);

withCompanion(
  'protocol v2: a request in flight when the connection is cut is answered once, on the next connection',
  async ({ page, server, companion }) => {
    let handled = 0;
    companion.handle('later', {
      request: async (data) => {
        handled++;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { doubled: data.n * 2 };
      },
    });
    await openLibrary(page, server);
    const probe = await join(page, 'A', `ws://127.0.0.1:${companion.port}/`, ['later']);
    await probe.waitFor('open');
    await page.evaluate(() => {
      window.received!.outcome = [];
      window.channels?.later
        ?.request({ n: 21 }, { timeoutMs: 60_000 })
        .then((answer) => window.received?.outcome?.push(answer));
    });
    await expect.poll(() => handled).toBe(1);
    for (const client of companion.clients) client.terminate(); // while the handler runs
    await probe.waitFor('open', { count: 2 });
    await expect.poll(() => received(page, 'outcome')).toEqual([{ doubled: 42 }]);
    expect(handled).toBe(1);
  },
);

withCompanion(
  'an invalid inbound payload raises invalid, and only valid ones are delivered',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await join(page, 'A', `ws://127.0.0.1:${companion.port}/`, ['prices']);
    await probe.waitFor('open');
    await expect.poll(() => [...companion.clients].some((c) => c.subscriptions.has('prices'))).toBe(true);
    companion.publish('prices', { symbol: 'A', price: 1 });
    companion.publish('prices', { symbol: 'B', price: 'free' });
    companion.publish('prices', { symbol: 'C', price: 3 });
    await expect
      .poll(() => received(page, 'prices'))
      .toEqual([
        { symbol: 'A', price: 1 },
        { invalid: { symbol: 'B', price: 'free' }, issues: ['price must be a number'] },
        { symbol: 'C', price: 3 },
      ]);
    expect(await probe.events('message')).toEqual([]); // channel frames never reach the raw message event
  },
);
