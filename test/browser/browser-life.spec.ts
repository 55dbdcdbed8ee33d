/**
 * The page's life moments, in real browsers: on `online`, `visibilitychange` → visible and `pageshow`
 * (persisted) an open socket probes its link at once (a ping with the normal timeout) and a socket waiting
 * to reconnect tries at once; a non-persisted `pageshow` does nothing; while `navigator.onLine` is false,
 * retries wait for `online` instead of burning attempts. The events are dispatched by the test and
 * `navigator.onLine` is stubbed, as real ones cannot be produced on demand.
 */
import type { Page } from '@playwright/test';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

const LIFE_EVENTS = ['online', 'visible', 'pageshow'] as const;
type LifeEvent = (typeof LIFE_EVENTS)[number] | 'pageshow-not-persisted' | 'offline';

/**
 * In the page: dispatches the life event, then (in the same task, so nothing else can run in between) sends
 * `marker` if given, and returns the socket's state right after.
 */
function fire(probe: SocketProbe, event: LifeEvent, marker?: string): Promise<string> {
  return probe.run(
    (socket, { event, marker }) => {
      if (event === 'online' || event === 'offline') window.dispatchEvent(new Event(event));
      else if (event === 'visible') document.dispatchEvent(new Event('visibilitychange'));
      else window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: event === 'pageshow' }));
      const state = socket.state;
      if (marker !== undefined) socket.send(marker);
      return state;
    },
    { event, marker },
  );
}

/** What the server received, as `ping` for heartbeats and the text for the rest, in order. */
const received = (server: FixtureServer): string[] =>
  server.received.map((f) => (f.heartbeat ? 'ping' : String(f.data)));

/** Stubs `navigator.onLine` in the page. */
const setOnLine = (page: Page, onLine: boolean): Promise<void> =>
  page.evaluate((onLine) => {
    Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => onLine });
  }, onLine);

for (const event of LIFE_EVENTS) {
  test(`${event}: an open socket pings at once, long before the 60 s interval`, async ({ page, server }) => {
    await openLibrary(page, server);
    expect(await page.evaluate(() => document.visibilityState)).toBe('visible');
    const probe = await SocketProbe.create(
      page,
      (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 } }),
      { url: server.wsUrl },
    );
    await probe.waitFor('open');
    expect(await fire(probe, event, 'after the event')).toBe('open');

    // The ping went out in the event's own task: it is on the wire before a frame sent right after it.
    await server.waitFor(() => server.received.length === 2, 'the ping and the marker', 5000);
    expect(received(server)).toEqual(['ping', 'after the event']);
    const [heartbeat] = await probe.waitFor('heartbeat');
    expect((heartbeat!.args[0] as { rttMs: number }).rttMs).toBeGreaterThanOrEqual(0);
  });

  test(`${event}: a socket waiting 60 s to reconnect tries at once`, async ({ page, server }) => {
    await openLibrary(page, server);
    const probe = await SocketProbe.create(
      page,
      (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: false, reconnect: { delay: () => 60_000 } }),
      { url: server.wsUrl },
    );
    await probe.waitFor('open');
    server.kill();
    const [reconnecting] = await probe.waitFor('reconnecting');
    expect(reconnecting!.args[0]).toEqual({ attempt: 1, delayMs: 60_000 });

    expect(await fire(probe, event)).toBe('connecting'); // the attempt started inside the event's task
    await probe.waitFor('open', { count: 2 });
    expect(server.handshakes).toHaveLength(2);
    const changes = (await probe.args('state')).map(({ from, to }) => `${from}→${to}`);
    expect(changes).toEqual([
      'connecting→open',
      'open→reconnecting',
      'reconnecting→connecting',
      'connecting→open',
    ]);
  });
}

test('pageshow that is not a bfcache restore (persisted: false) does not probe', async ({ page, server }) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  // A probe would send its ping inside the event's task, before the marker: once the marker is in, so is it.
  await fire(probe, 'pageshow-not-persisted', 'first');
  await server.waitFor(() => server.received.length >= 1, 'the first marker');
  await probe.waitFor('message');

  // Control, on the same socket: a persisted pageshow does probe.
  await fire(probe, 'pageshow', 'second');
  await server.waitFor(() => server.received.length >= 3, 'the ping and the second marker');
  expect(received(server)).toEqual(['first', 'ping', 'second']);
});

test('the probe waits the normal timeout: an unanswered probe declares the link dead after timeoutMs', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  server.answerPings = false;
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        heartbeat: { intervalMs: 60_000, timeoutMs: 1000 },
        reconnect: { delay: () => 60_000 },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  const firedAt = await page.evaluate(() => Date.now());
  await fire(probe, 'online');
  await server.waitFor(() => received(server).includes('ping'), 'the probe ping', 5000);

  const [close] = await probe.waitFor('close', { timeoutMs: 10_000 });
  expect(close!.args[0]).toMatchObject({ code: 1006, reason: 'heartbeat timeout', willReconnect: true });
  // Not at once (the ping gets its timeout), and not at the 60 s interval either: generous bounds.
  expect(close!.at - firedAt).toBeGreaterThanOrEqual(950);
  expect(close!.at - firedAt).toBeLessThan(10_000);
});

test('while navigator.onLine is false, retries wait for `online` instead of burning attempts', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        heartbeat: false,
        reconnect: { initialDelayMs: 200, factor: 1, jitter: 'none', stableAfterMs: 60_000 },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');

  // The network goes away: the browser says so, and the server is unreachable (an attempt would fail).
  await setOnLine(page, false);
  await fire(probe, 'offline');
  await server.down(60_000);
  const [reconnecting] = await probe.waitFor('reconnecting');
  expect(reconnecting!.args[0]).toEqual({ attempt: 1, delayMs: 200 });

  await page.waitForTimeout(1500); // proving a negative: no attempt in 7 backoff periods
  expect(await probe.state()).toBe('reconnecting');
  expect(await probe.events('reconnecting')).toHaveLength(1);
  expect((await probe.args('state')).map(({ to }) => to)).toEqual(['open', 'reconnecting']);
  expect(await probe.events('close')).toHaveLength(1);
  expect(server.handshakes).toHaveLength(1);

  // The network is back: `online` starts the attempt at once, and it succeeds.
  await server.up();
  await setOnLine(page, true);
  expect(await fire(probe, 'online')).toBe('connecting');
  await probe.waitFor('open', { count: 2 });
  expect(server.handshakes).toHaveLength(2);

  // The offline wait burned no retries: the next loss is retry 2 (the connection was not stable).
  server.kill();
  const retries = await probe.waitFor('reconnecting', { count: 2 });
  expect(retries[1]!.args[0]).toEqual({ attempt: 2, delayMs: 200 });
});
