// The newcomer's first program (issue 20): wait for the socket to open, then open a channel. In every engine,
// with the ESM and the UMD (script-tag) build, against the real companion server: the channel subscribes,
// receives what is published, its sends are handled once, its requests answered — and raw frames still flow.
import { Companion } from '../fixture/companion.js';
import { type Build, expect, openLibrary, test } from '../fixture/test.js';

/** A companion per test (closed after the page, which depends on it). */
const withCompanion = test.extend<{ companion: Companion }>({
  companion: async ({ server }, use) => {
    const companion = await Companion.start({ origin: server.httpUrl });
    await use(companion);
    await companion.close();
  },
});

declare global {
  interface Window {
    afterOpen?: { feed: unknown[]; answers: unknown[]; errors: unknown[] };
  }
}

for (const build of ['esm', 'umd'] as Build[]) {
  withCompanion(
    `${build} build: a channel opened after whenOpen() subscribes, sends, requests and receives`,
    async ({ page, server, companion }) => {
      await openLibrary(page, server, build);
      const state = await page.evaluate(async (url) => {
        const socket = new window.RS.ReliableSocket(url, { reconnect: { initialDelayMs: 100 } });
        const afterOpen = { feed: [] as unknown[], answers: [] as unknown[], errors: [] as unknown[] };
        window.afterOpen = afterOpen;
        socket.on('error', (error) => afterOpen.errors.push(String(error)));
        await window.RS.whenOpen(socket);
        const feed = socket.channel('feed');
        feed.on('message', (data) => afterOpen.feed.push(data));
        socket.channel('in').send({ n: 1 });
        afterOpen.answers.push(await socket.channel('rpc').request({ n: 2 }, { timeoutMs: 5000 }));
        return socket.state;
      }, companion.wsUrl);
      expect(state).toBe('open');
      await expect.poll(() => companion.messages).toEqual([{ n: 1, redelivered: false }]);
      expect(companion.requests).toEqual([{ n: 2, redelivered: false }]);
      await expect
        .poll(() => [...companion.server.clients].some((c) => c.subscriptions.has('feed')))
        .toBe(true);
      await companion.server.publish('feed', { n: 3 });
      await expect.poll(() => page.evaluate(() => window.afterOpen!.feed)).toEqual([{ n: 3 }]);
      const { answers, errors } = await page.evaluate(() => window.afterOpen!);
      expect(answers).toEqual([{ n: 2, answered: true }]);
      expect(errors).toEqual([]); // no fall back to v1, nothing else
    },
  );
}
