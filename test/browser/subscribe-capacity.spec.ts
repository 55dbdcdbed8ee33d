// Subscriptions refused for capacity, end to end: the built client against the companion server with
// `maxSubscriptions: 2`. A channel refused with ERR_TOO_MANY_SUBSCRIPTIONS is still wanted: it is asked for
// again when one of the socket's own subscriptions ends (the app closes a view, or the server ends one) and on
// every new connection — and then it receives what is published on it.
import type { Page } from '@playwright/test';
import type { Channel } from '../../src/index.js';
import { ReliableSocketServer } from '../../src/server/index.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

declare global {
  interface Window {
    capacityViews?: Record<string, Channel>;
    capacityHeard?: unknown[];
  }
}

const withCompanion = test.extend<{ companion: ReliableSocketServer }>({
  companion: async ({ server: fixture }, use) => {
    const server = new ReliableSocketServer({
      port: 0,
      allowedOrigins: [new URL(fixture.httpUrl).origin],
      maxSubscriptions: 2,
    });
    await server.ready;
    await use(server);
    await server.close();
  },
});

/** A socket with views of `channels`, recording what they hear. */
async function join(page: Page, port: number, channels: string[]): Promise<SocketProbe> {
  return SocketProbe.create(
    page,
    (RS, arg) => {
      const socket = new RS.ReliableSocket(`ws://127.0.0.1:${arg.port}/`, {
        reconnect: { initialDelayMs: 50 },
      });
      window.capacityViews = {};
      window.capacityHeard = [];
      const heard = window.capacityHeard;
      for (const name of arg.channels) {
        const view = socket.channel(name);
        view.on('message', (data) => heard.push({ name, message: data }));
        view.on('subscribed', () => heard.push({ name, subscribed: true }));
        view.on('unsubscribed', ({ reason }) => heard.push({ name, unsubscribed: reason }));
        view.on('error', (error) => heard.push({ name, refused: error.remoteCode }));
        window.capacityViews[name] = view;
      }
      return socket;
    },
    { port, channels },
  );
}

const heard = (page: Page): Promise<unknown[]> => page.evaluate(() => window.capacityHeard ?? []);

withCompanion(
  'c is refused for capacity; once the app closes a, c is subscribed and receives a publication',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await join(page, companion.port!, ['a', 'b', 'c']);
    await probe.waitFor('open');
    await expect.poll(() => heard(page)).toHaveLength(3);
    // c is refused at once, while a and b may still be replaying their history: any order.
    expect(await heard(page)).toEqual(
      expect.arrayContaining([
        { name: 'a', subscribed: true },
        { name: 'b', subscribed: true },
        { name: 'c', refused: 'ERR_TOO_MANY_SUBSCRIPTIONS' },
      ]),
    );
    await page.evaluate(() => window.capacityViews!.a!.close());
    await expect.poll(() => heard(page)).toContainEqual({ name: 'c', subscribed: true });
    await companion.publish('c', 'room for c');
    await expect.poll(() => heard(page)).toContainEqual({ name: 'c', message: 'room for c' });
    const [client] = [...companion.clients];
    expect([...client!.subscriptions].sort()).toEqual(['b', 'c']);
    expect(await heard(page)).toHaveLength(5); // nothing more: one refusal, one re-ask
    await probe.close();
  },
);

withCompanion(
  'a subscription the server ends makes room for the refused one; a reconnection asks for a refused one again',
  async ({ page, server, companion }) => {
    await openLibrary(page, server);
    const probe = await join(page, companion.port!, ['a', 'b', 'c', 'd']);
    await probe.waitFor('open');
    await expect.poll(() => heard(page)).toHaveLength(4);
    const [client] = [...companion.clients];
    expect(client!.unsubscribe('a', 'moved')).toBe(true);
    // One subscription ended, one channel asked for again: c (the first refused), not d.
    await expect.poll(() => heard(page)).toContainEqual({ name: 'c', subscribed: true });
    expect((await heard(page)).slice(4)).toEqual([
      { name: 'a', unsubscribed: 'moved' },
      { name: 'c', subscribed: true },
    ]);
    // A new connection asks for every channel still wanted: b and c (a was ended by the server), and d again.
    const asked: string[] = [];
    companion.on('subscribe', (_client, channel) => asked.push(channel));
    for (const each of companion.clients) each.terminate();
    await probe.waitFor('open', { count: 2 });
    await expect.poll(() => heard(page)).toHaveLength(9);
    expect((await heard(page)).slice(6)).toEqual(
      expect.arrayContaining([
        { name: 'b', subscribed: true },
        { name: 'c', subscribed: true },
        { name: 'd', refused: 'ERR_TOO_MANY_SUBSCRIPTIONS' },
      ]),
    );
    expect(asked.sort()).toEqual(['b', 'c']);
    await probe.close();
  },
);
