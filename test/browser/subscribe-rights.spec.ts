// Subscription rights end to end, in Chromium and Firefox: the built client against the companion server,
// whose `authorize` says who each page is and whose `canSubscribe` keeps `user:alice` for Alice. Mallory's
// view hears the refusal as a typed error and receives none of Alice's messages; a subscription the server
// ends is heard too, and neither is asked for again after a reconnection. A page on a foreign origin is refused.
import type { Page } from '@playwright/test';
import type { Channel } from '../../src/index.js';
import { ReliableSocketServer } from '../../src/server/index.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

declare global {
  interface Window {
    views?: Record<string, Channel>;
    heard?: unknown[];
  }
}

const userOf = (url: string | undefined): string =>
  new URL(url ?? '/', 'http://x').searchParams.get('user') ?? '';

/** The fixture's test plus a companion server that knows users and guards `user:*` channels. */
const withCompanion = test.extend<{
  companion: ReliableSocketServer<Record<string, unknown>, Record<string, unknown>, { user: string }>;
}>({
  companion: async ({ server: fixture }, use) => {
    const server = new ReliableSocketServer<
      Record<string, unknown>,
      Record<string, unknown>,
      { user: string }
    >({
      port: 0,
      allowedOrigins: [new URL(fixture.httpUrl).origin],
      authorize: (request) => ({ data: { user: userOf(request.url) } }),
      canSubscribe: async (client, channel) =>
        !channel.startsWith('user:') || channel === `user:${client.data.user}`,
    });
    await server.ready;
    await use(server);
    await server.close();
  },
});

/** A page signed in as `user`, with views of `channels` recording what they hear (messages and answers). */
async function join(page: Page, user: string, port: number, channels: string[]): Promise<SocketProbe> {
  return SocketProbe.create(
    page,
    (RS, arg) => {
      const socket = new RS.ReliableSocket(`ws://127.0.0.1:${arg.port}/?user=${arg.user}`, {
        reconnect: { initialDelayMs: 100 },
      });
      window.views = {};
      window.heard = [];
      const heard = window.heard;
      for (const name of arg.channels) {
        const view = socket.channel(name);
        view.on('message', (data) => heard.push({ name, message: data }));
        view.on('subscribed', () => heard.push({ name, subscribed: true }));
        view.on('unsubscribed', ({ reason }) => heard.push({ name, unsubscribed: reason }));
        view.on('error', (error) =>
          heard.push({
            name,
            error: {
              name: error.name,
              code: error.code,
              remoteCode: error.remoteCode,
              channel: error.channel,
              typed: error instanceof RS.SubscribeDeniedError && error instanceof RS.ReliableSocketError,
            },
          }),
        );
        window.views[name] = view;
      }
      return socket;
    },
    { user, port, channels },
  );
}

const heard = (page: Page): Promise<unknown[]> => page.evaluate(() => window.heard ?? []);

withCompanion(
  'Mallory is refused user:alice with a typed error and receives none of its messages; Alice does',
  async ({ page, server, companion }) => {
    const other = await page.context().newPage();
    await openLibrary(page, server);
    await openLibrary(other, server);
    const subscribed: string[] = [];
    companion.on('subscribe', (client, channel) => subscribed.push(`${client.data.user} ${channel}`));
    const alice = await join(page, 'alice', companion.port!, ['user:alice', 'news']);
    const mallory = await join(other, 'mallory', companion.port!, ['user:alice', 'news']);
    await Promise.all([alice.waitFor('open'), mallory.waitFor('open')]);
    await expect.poll(() => heard(other)).toHaveLength(2);
    expect(await heard(other)).toEqual(
      expect.arrayContaining([
        {
          name: 'user:alice',
          error: {
            name: 'SubscribeDeniedError',
            code: 'ERR_SUBSCRIBE_DENIED',
            remoteCode: 'ERR_SUBSCRIBE_DENIED',
            channel: 'user:alice',
            typed: true,
          },
        },
        { name: 'news', subscribed: true },
      ]),
    );
    await expect.poll(() => heard(page)).toHaveLength(2);
    expect(await heard(page)).toEqual(
      expect.arrayContaining([
        { name: 'user:alice', subscribed: true },
        { name: 'news', subscribed: true },
      ]),
    );
    await companion.publish('user:alice', { secret: 'for alice' });
    // Frames come in order: once Mallory has the news published after it, the secret would have come first.
    await companion.publish('news', 'after the secret');
    await expect.poll(() => heard(other)).toHaveLength(3);
    expect((await heard(other))[2]).toEqual({ name: 'news', message: 'after the secret' });
    await expect.poll(() => heard(page)).toHaveLength(4);
    expect((await heard(page)).slice(2)).toEqual([
      { name: 'user:alice', message: { secret: 'for alice' } },
      { name: 'news', message: 'after the secret' },
    ]);
    expect(subscribed.sort()).toEqual(['alice news', 'alice user:alice', 'mallory news']);
  },
);

withCompanion(
  'a subscription the server ends is heard; neither it nor a refused one is asked for again after a reconnection',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const mallory = await join(page, 'mallory', companion.port!, ['user:alice', 'news', 'weather']);
    await mallory.waitFor('open');
    await expect.poll(() => heard(page)).toHaveLength(3);
    const [client] = [...companion.clients];
    expect(client!.unsubscribe('news', 'no more news for you')).toBe(true);
    await expect
      .poll(() => heard(page))
      .toContainEqual({ name: 'news', unsubscribed: 'no more news for you' });
    await companion.publish('news', 'missed'); // nobody's subscribed: it must not come back by any route
    const asked: string[] = [];
    companion.on('subscribe', (_client, channel) => asked.push(channel));
    for (const each of companion.clients) each.terminate();
    await mallory.waitFor('open', { count: 2 });
    await expect.poll(() => asked).toEqual(['weather']);
    await expect
      .poll(async () => (await heard(page)).filter((h) => (h as { subscribed?: boolean }).subscribed).length)
      .toBe(3); // news and weather on the first connection, weather again on the second
    expect(await heard(page)).not.toContainEqual({ name: 'news', message: 'missed' });
  },
);

test('a page on an origin the server does not allow is refused; its socket keeps retrying', async ({
  page,
  server,
}) => {
  const companion = new ReliableSocketServer({ port: 0 });
  try {
    await companion.ready;
    let connections = 0;
    companion.on('connection', () => connections++);
    await openLibrary(page, server);
    const probe = await SocketProbe.create(
      page,
      (RS, port) => new RS.ReliableSocket(`ws://127.0.0.1:${port}/`, { reconnect: { initialDelayMs: 50 } }),
      companion.port,
    );
    // Retries come every 0–50 ms: a third close may be in by the time the first two are read.
    const closes = (await probe.waitFor('close', { count: 2 })).slice(0, 2);
    expect(
      closes.map((close) => (close.args[0] as { code: number; willReconnect: boolean }).willReconnect),
    ).toEqual([true, true]);
    expect(connections).toBe(0);
    await probe.close();
  } finally {
    await companion.close();
  }
});
