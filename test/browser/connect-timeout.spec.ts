/**
 * `connectTimeoutMs` bounds every attempt, in real browsers: a handshake the server never answers, and a URL
 * function that never resolves, are both abandoned after the timeout, count as failed attempts, and are
 * retried; once the server answers again, the socket opens.
 */

import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

test('a stalled handshake is abandoned after connectTimeoutMs (1006, "connect timeout") and retried', async ({
  page,
  server,
}) => {
  server.stallHandshakes(true);
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => {
      document.documentElement.dataset.createdAt = String(Date.now());
      return new RS.ReliableSocket(arg.url, {
        connectTimeoutMs: 1000,
        reconnect: { initialDelayMs: 100, jitter: 'none' },
      });
    },
    { url: server.wsUrl },
  );
  const createdAt = Number(await page.evaluate(() => document.documentElement.dataset.createdAt));

  const [close] = await probe.waitFor('close');
  expect(close!.args[0]).toEqual({
    code: 1006,
    reason: 'connect timeout',
    wasClean: false,
    willReconnect: true,
  });
  // About the timeout: not before it, and not much after it (generous: the machine is shared).
  expect(close!.at - createdAt).toBeGreaterThanOrEqual(950);
  expect(close!.at - createdAt).toBeLessThan(5000);

  // A retry is announced after the close, and the next attempt reaches the server.
  await probe.waitFor('reconnecting');
  const names = (await probe.events())
    .map((e) => e.name)
    .filter((n) => n === 'close' || n === 'reconnecting');
  expect(names.slice(0, 2)).toEqual(['close', 'reconnecting']);
  expect((await probe.args('reconnecting'))[0]).toEqual({ attempt: 1, delayMs: 100 });
  await server.waitFor(() => server.handshakes.length >= 2, 'the second attempt');
  expect(server.handshakes.every((h) => h.outcome === 'stalled')).toBe(true);
  expect(await probe.events('open')).toEqual([]);

  server.stallHandshakes(false);
  await probe.waitFor('open');
  expect(await probe.state()).toBe('open');
  expect(server.handshakes.at(-1)!.outcome).toBe('accepted');
});

test('a URL function that never resolves is bounded by connectTimeoutMs too (ERR_URL, then a retry)', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => {
      let calls = 0;
      document.documentElement.dataset.createdAt = String(Date.now());
      // The first call hangs for ever; the second answers.
      const url = (): Promise<string> =>
        ++calls === 1 ? new Promise<string>(() => {}) : Promise.resolve(arg.url);
      return new RS.ReliableSocket(url, {
        connectTimeoutMs: 1000,
        reconnect: { initialDelayMs: 100, jitter: 'none' },
      });
    },
    { url: server.wsUrl },
  );
  const createdAt = Number(await page.evaluate(() => document.documentElement.dataset.createdAt));

  const [error] = await probe.waitFor('error');
  expect(error!.args[0]).toMatchObject({ name: 'UrlError', code: 'ERR_URL' });
  expect(error!.at - createdAt).toBeGreaterThanOrEqual(950);
  expect(error!.at - createdAt).toBeLessThan(5000);
  expect((await probe.args('close'))[0]).toMatchObject({ code: 1006, willReconnect: true });
  expect((await probe.waitFor('reconnecting'))[0]!.args[0]).toEqual({ attempt: 1, delayMs: 100 });

  // The retry calls the URL function again, which now answers: one handshake, and the socket opens.
  await probe.waitFor('open');
  expect(server.handshakes).toHaveLength(1);
  expect(await probe.args('error')).toHaveLength(1);
});
