// reliable-socket/react in a real React app (React's development build, under StrictMode, bundled from the built
// package): StrictMode's double mount makes one connection (counted at the server), a channel round-trips and
// renders, `enabled` closes and reopens the same socket, and unmounting leaves no timer, page listener or native
// socket behind (counted in the page).
import type { Channel, ReliableSocket } from '../../src/index.js';
import { expect, openTestPage, test, trackPageListeners, trackTimers } from '../fixture/test.js';

declare global {
  interface Window {
    reactApp: {
      socket: ReliableSocket | undefined;
      chat: Channel<unknown, unknown> | undefined;
      sockets: Set<ReliableSocket>;
      setEnabled: (enabled: boolean) => void;
      mount(url: string): void;
      unmount(): void;
    };
    /** Native WebSocket objects not yet CLOSED. */
    liveSockets: () => number;
  }
}

test.beforeEach(async ({ page, server }) => {
  await trackTimers(page);
  await trackPageListeners(page, ['online', 'offline', 'pageshow', 'visibilitychange']);
  await page.addInitScript(() => {
    const sockets: WebSocket[] = [];
    window.WebSocket = class extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
    window.liveSockets = () => sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED).length;
  });
  await openTestPage(page, server, 'react-app');
});

const stateOf = (page: import('@playwright/test').Page) => page.evaluate(() => window.reactApp.socket?.state);
/** The chat lines React rendered (read in the page, so that the spec also runs in WebKit over WebDriver). */
const lines = (page: import('@playwright/test').Page) =>
  page.evaluate(() => [...document.querySelectorAll('#lines li')].map((li) => li.textContent));

test('StrictMode mounts twice, the server sees one connection; a channel round-trips and renders; unmount leaves nothing', async ({
  page,
  server,
}) => {
  await page.evaluate((url) => window.reactApp.mount(url), server.wsUrl);
  await expect.poll(() => stateOf(page)).toBe('open');
  expect(server.handshakes).toHaveLength(1);
  expect(server.connections).toBe(1);

  await page.waitForFunction(() => window.reactApp.chat !== undefined);
  await page.evaluate(() => window.reactApp.chat?.send('hi'));
  await expect.poll(() => lines(page)).toEqual(['hi']);
  // StrictMode's first channel view was closed before the socket opened: one subscription went out.
  expect(server.messages().filter((m) => m.includes('"subscribe"'))).toEqual([
    '{"type":"subscribe","channel":"chat"}',
  ]);
  expect(server.handshakes).toHaveLength(1);
  expect(await page.evaluate(() => [window.pageListeners!(), window.liveSockets()])).toEqual([4, 1]);

  await page.evaluate(() => window.reactApp.unmount());
  await expect.poll(() => stateOf(page)).toBe('closed');
  await server.waitFor(() => server.connections === 0, 'the connection to end at the server');
  expect(
    await page.evaluate(() => ({
      timers: window.pendingTimers?.(),
      listeners: window.pageListeners!(),
      sockets: window.liveSockets(),
    })),
  ).toEqual({ timers: 0, listeners: 0, sockets: 0 });
  expect(server.handshakes).toHaveLength(1);
});

test('enabled: false closes the socket, true opens the same socket again with its channel', async ({
  page,
  server,
}) => {
  await page.evaluate((url) => window.reactApp.mount(url), server.wsUrl);
  await expect.poll(() => stateOf(page)).toBe('open');
  await page.evaluate(() => window.reactApp.setEnabled(false));
  await expect.poll(() => stateOf(page)).toBe('closed');
  await server.waitFor(() => server.connections === 0, 'the connection to end');
  await page.evaluate(() => window.reactApp.setEnabled(true));
  await expect.poll(() => stateOf(page)).toBe('open');
  await page.evaluate(() => window.reactApp.chat?.send('back'));
  await expect.poll(() => lines(page)).toEqual(['back']);
  expect(server.handshakes).toHaveLength(2);
  expect(await page.evaluate(() => window.reactApp.sockets.size)).toBe(1);
  await page.evaluate(() => window.reactApp.unmount());
  await expect.poll(() => stateOf(page)).toBe('closed');
});

test('useSocketState renders the state: open, closed while not enabled, open again (issue 22)', async ({
  page,
  server,
}) => {
  const rendered = () => page.evaluate(() => document.getElementById('state')?.textContent);
  await page.evaluate((url) => window.reactApp.mount(url), server.wsUrl);
  await expect.poll(rendered).toBe('open');
  await page.evaluate(() => window.reactApp.setEnabled(false));
  await expect.poll(rendered).toBe('closed');
  await page.evaluate(() => window.reactApp.setEnabled(true));
  await expect.poll(rendered).toBe('open');
  await page.evaluate(() => window.reactApp.unmount());
});
