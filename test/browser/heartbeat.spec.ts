/**
 * The heartbeat in real browsers: a half-open link is detected within interval + timeout (+1 s slack) and
 * the socket reconnects; pongs (JSON by default, or custom text frames) never reach the app and report an
 * RTT — the true one, matched by id, one ping out at a time, on a chatty server with slow pongs; any inbound
 * frame proves liveness; deadlines are judged on the monotonic clock, so a throttled tab neither kills a live
 * link nor misses a dead one, and a wall clock set back or forward changes nothing; `heartbeat: false` sends
 * nothing.
 */
import type { Page } from '@playwright/test';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { expect, openLibrary, test } from '../fixture/test.js';
import { SocketProbe } from './socket-probe.js';

// Sockets are closed after each test; the half-open test's frozen attempt may be reported by Firefox.
/** The heartbeat frames the server received, as text, in order. */
const pings = (server: FixtureServer): string[] =>
  server.received.filter((f) => f.heartbeat).map((f) => String(f.data));

/**
 * Stops the page's clock (installed before the page loaded): from now on no timer fires unless the test
 * calls `page.clock.runFor()` & co., while network events keep arriving in real time.
 */
async function pauseClock(page: Page): Promise<void> {
  const now = await page.evaluate(() => Date.now());
  await page.clock.pauseAt(now + 1000);
}

/** The page's `Date.now()` (fake time under `page.clock`). */
const pageNow = (page: Page): Promise<number> => page.evaluate(() => Date.now());

test('a half-open link is declared dead within interval + timeout + 1 s, then the socket reconnects', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        heartbeat: { intervalMs: 1000, timeoutMs: 1000 },
        reconnect: { initialDelayMs: 200, jitter: 'none' },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  await probe.waitFor('heartbeat'); // pings are answered while the link is healthy

  // Timestamp in the page first, then freeze: the measured time can only come out longer than the real one.
  const faultAt = await pageNow(page);
  server.halfOpen(true);
  const [close] = await probe.waitFor('close', { timeoutMs: 10_000 });
  expect(close!.args[0]).toMatchObject({ code: 1006, reason: 'heartbeat timeout', willReconnect: true });
  expect(close!.at - faultAt).toBeLessThanOrEqual(3000);

  // It tries again: a retry is announced and the next attempt starts (it hangs in the frozen proxy).
  await probe.waitFor('reconnecting');
  await expect
    .poll(async () =>
      (await probe.args('state')).some((s) => s.from === 'reconnecting' && s.to === 'connecting'),
    )
    .toBe(true);

  server.halfOpen(false);
  await probe.waitFor('open', { count: 2 });
  await server.waitFor(() => server.connections === 1, 'the new connection');
  const heartbeats = (await probe.events('heartbeat')).length;
  await probe.waitFor('heartbeat', { count: heartbeats + 1 }); // the new connection's pings are answered

  // Nothing but pongs ever came from the server: any message event would be a pong leaking to the app.
  expect(await probe.args('message')).toEqual([]);
});

test('default JSON ping/pong: pings {"type":"ping","id":n} with increasing ids; pongs give an RTT and are not messages', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 200, timeoutMs: 1000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('heartbeat', { count: 3 });
  for (const { rttMs } of await probe.args('heartbeat')) {
    expect(typeof rttMs).toBe('number');
    expect(rttMs).toBeGreaterThanOrEqual(0);
  }

  const received = pings(server).map((frame) => JSON.parse(frame) as unknown);
  expect(received.length).toBeGreaterThanOrEqual(3);
  const ids: number[] = [];
  for (const ping of received) {
    expect(ping).toEqual({ type: 'ping', id: expect.any(Number) });
    ids.push((ping as { id: number }).id);
  }
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(ids.length);

  // An ordinary frame still arrives; it is the only message: the pongs were kept from the app.
  await probe.send('hello');
  await probe.waitFor('message');
  expect(await probe.args('message')).toEqual(['hello']);
});

test("text ping/pong ('ping' → 'pong') is expressible: heartbeats fire and 'pong' is not a message", async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        heartbeat: { ping: 'ping', pong: 'pong', intervalMs: 200, timeoutMs: 1000 },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('heartbeat', { count: 3 });
  for (const { rttMs } of await probe.args('heartbeat')) expect(rttMs).toBeGreaterThanOrEqual(0);
  const received = pings(server);
  expect(received.length).toBeGreaterThanOrEqual(3);
  expect(new Set(received)).toEqual(new Set(['ping']));

  await probe.send('hello');
  await probe.waitFor('message');
  expect(await probe.args('message')).toEqual(['hello']);
});

test('a binary ping goes out as a binary frame; a binary answer is its pong, not a message', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  // The fixture echoes binary frames: the echo of the one-byte ping is the pong a binary protocol would answer.
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        binaryType: 'arraybuffer',
        heartbeat: {
          ping: new Uint8Array([3]),
          pong: (data) => data instanceof ArrayBuffer && new Uint8Array(data)[0] === 3,
          intervalMs: 200,
          timeoutMs: 1000,
        },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('heartbeat', { count: 3 });
  const binary = server.received.filter((frame) => Buffer.isBuffer(frame.data));
  expect(binary.length).toBeGreaterThanOrEqual(3);
  expect(binary.every((frame) => (frame.data as Buffer).equals(Buffer.from([3])))).toBe(true);
  await probe.send('hello');
  await probe.waitFor('message');
  expect(await probe.args('message')).toEqual(['hello']);
});

test('pings go out every intervalMs even when timeoutMs is longer than intervalMs', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await openLibrary(page, server);
  await pauseClock(page);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 1000, timeoutMs: 3000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  // Three intervals, each answered at once: one ping per interval ("Time between pings", options.ts).
  for (let n = 1; n <= 3; n++) {
    await page.clock.runFor(1000);
    await server.waitFor(
      () => pings(server).length === n,
      `ping ${n} one interval after the previous one`,
      3000,
    );
    await probe.waitFor('heartbeat', { count: n });
  }
});

test('any inbound frame proves liveness: unanswered pings do not kill a link the server keeps talking on', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await openLibrary(page, server);
  await pauseClock(page);
  server.answerPings = false;
  const probe = await SocketProbe.create(
    page,
    (RS, arg) =>
      new RS.ReliableSocket(arg.url, {
        heartbeat: { intervalMs: 500, timeoutMs: 1000 },
        reconnect: { initialDelayMs: 60_000 },
      }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');

  // 3 s of page time (3 timeouts), a server frame every 250 ms, delivered before the clock moves on.
  for (let n = 1; n <= 12; n++) {
    server.sendToAll(`tick ${n}`);
    await probe.waitFor('message', { count: n });
    await page.clock.runFor(250);
  }
  // Pings went out and none was answered: more than one deadline passed with only server frames arriving.
  expect(pings(server).length).toBeGreaterThanOrEqual(2);
  expect(await probe.events('close')).toEqual([]);
  expect(await probe.state()).toBe('open');
  expect(await probe.events('heartbeat')).toEqual([]);

  // Control: once the server falls silent, the same unanswered pings do kill it.
  await page.clock.runFor(500 + 1000);
  const [close] = await probe.waitFor('close', { timeoutMs: 2000 });
  expect(close!.args[0]).toMatchObject({ reason: 'heartbeat timeout' });
});

test('a chatty server that answers pings after 300 ms: every RTT is at least 300 ms, one ping out at a time', async ({
  page,
  server,
}) => {
  await openLibrary(page, server);
  server.pongDelayMs = 300;
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 100, timeoutMs: 5000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  // The server talks every 20 ms while the pings go on: any of these frames came sooner than a pong.
  const deadline = Date.now() + 10_000; // bounded in time, not in rounds: a loaded machine is slow to answer
  for (let n = 0; Date.now() < deadline && (await probe.events('heartbeat')).length < 5; n++) {
    server.sendToAll(`chat ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const rtts = (await probe.args('heartbeat')).map((h) => h.rttMs);
  expect(rtts.length).toBeGreaterThanOrEqual(5);
  // Each pong left the server 300 ms after its ping arrived, so no true RTT is shorter.
  for (const rttMs of rtts) expect(rttMs).toBeGreaterThanOrEqual(300);
  // One ping out at a time: the server has seen at most one ping more than the pongs the page received
  // (every 100 ms against a 300 ms answer, several pings would be out at once otherwise).
  const ids = pings(server).map((frame) => (JSON.parse(frame) as { id: number }).id);
  expect(ids.length).toBeLessThanOrEqual((await probe.events('heartbeat')).length + 1);
  expect(ids).toEqual(ids.map((_, i) => i + 1));
});

/** A page on a paused fake clock with an open socket whose heartbeat is 1 s / 1 s. */
async function onPausedClock(page: Page, server: FixtureServer): Promise<SocketProbe> {
  await page.clock.install();
  await openLibrary(page, server);
  await pauseClock(page);
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 1000, timeoutMs: 1000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  return probe;
}

// Deadlines on the monotonic clock. A hidden tab's timers are throttled (to once a minute in Chromium), so a
// heartbeat timer may fire long after it was due: `fastForward` moves both of the page's clocks (Date.now and
// performance.now) and fires an overdue timer once, at the end — what such a tab sees. `setSystemTime` moves
// only the wall clock, as a user or NTP setting the time does; the heartbeat must not notice.

test('throttled tab, live link: a late timer does not kill a link whose pong arrived meanwhile', async ({
  page,
  server,
}) => {
  // Proves the deadline is judged by "did anything arrive since the ping", not by how much time has passed:
  // a socket that compared the time with the ping time alone would drop this healthy link.
  const probe = await onPausedClock(page, server);
  await page.clock.runFor(1000); // the first ping goes out…
  await probe.waitFor('heartbeat'); // …and its pong arrives (in real time; the page's clock stands still)

  await page.clock.fastForward(60_000); // the tab sleeps a minute; the next ping's timer fires 59 s late
  await server.waitFor(() => pings(server).length === 2, 'the next ping, sent by the late timer', 3000);
  await probe.waitFor('heartbeat', { count: 2 });
  expect(await probe.events('close')).toEqual([]);
  expect(await probe.state()).toBe('open');
});

test('throttled tab, dead link: the first late timer declares it dead at once, not one timeout later', async ({
  page,
  server,
}) => {
  // Proves a passed deadline is acted on as soon as any timer runs. A socket that, on seeing a big jump,
  // gave the link the benefit of the doubt (ping again, wait another timeout) would keep a dead link for
  // another full timeout — in a throttled tab, another minute or more.
  server.answerPings = false;
  const probe = await onPausedClock(page, server);
  await page.clock.runFor(1000); // a ping goes out; nobody answers
  await server.waitFor(() => pings(server).length === 1, 'the ping');

  const lateAt = (await pageNow(page)) + 60_000;
  await page.clock.fastForward(60_000); // exactly one timer fires: the pending deadline, 59 s late
  const [close] = await probe.waitFor('close', { timeoutMs: 2000 });
  expect(close!.args[0]).toMatchObject({ code: 1006, reason: 'heartbeat timeout' });
  expect(close!.at).toBe(lateAt); // at that very firing
  expect(pings(server)).toHaveLength(1); // and without a second ping first
});

test('a wall clock set back an hour: pings go on every interval and a dead link is still found', async ({
  page,
  server,
}) => {
  const probe = await onPausedClock(page, server);
  await page.clock.runFor(1000);
  await probe.waitFor('heartbeat');

  await page.clock.setSystemTime((await pageNow(page)) - 3_600_000);
  await page.clock.runFor(1000); // one interval later, by the monotonic clock
  await server.waitFor(() => pings(server).length === 2, 'the next ping after the clock went back', 3000);
  await probe.waitFor('heartbeat', { count: 2 });

  server.answerPings = false;
  await page.clock.runFor(1000); // ping 3, never answered…
  await server.waitFor(() => pings(server).length === 3, 'ping 3', 3000);
  await page.clock.runFor(1000); // …is found dead one timeout later
  const [close] = await probe.waitFor('close', { timeoutMs: 2000 });
  expect(close!.args[0]).toMatchObject({ code: 1006, reason: 'heartbeat timeout' });
});

test('a wall clock set forward a minute while a ping is out: the live link is kept, the RTT is the real one', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await openLibrary(page, server);
  await pauseClock(page);
  server.answerPings = false; // the pong is sent by hand, once the clocks have moved
  const probe = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: { intervalMs: 1000, timeoutMs: 3000 } }),
    { url: server.wsUrl },
  );
  await probe.waitFor('open');
  await page.clock.runFor(1000); // ping 1 goes out
  await server.waitFor(() => pings(server).length === 1, 'ping 1');
  await page.clock.setSystemTime((await pageNow(page)) + 60_000);
  await page.clock.runFor(1500); // 1.5 s after the ping: within its 3 s timeout
  expect(await probe.events('close')).toEqual([]);
  server.sendToAll('{"type":"pong","id":1}');
  const [heartbeat] = await probe.waitFor('heartbeat');
  expect(heartbeat!.args[0]).toEqual({ rttMs: 1500 });
  expect(await probe.state()).toBe('open');
});

test('heartbeat: false sends no pings (while the default pings every 25 s)', async ({ page, server }) => {
  await page.clock.install();
  await openLibrary(page, server);
  await pauseClock(page);
  const silent = await SocketProbe.create(
    page,
    (RS, arg) => new RS.ReliableSocket(arg.url, { heartbeat: false }),
    {
      url: server.wsUrl,
    },
  );
  await silent.waitFor('open');
  const silentConnection = 0; // the first handshake
  // Control: a socket with the default heartbeat, on the same clock.
  const pinging = await SocketProbe.create(page, (RS, arg) => new RS.ReliableSocket(arg.url), {
    url: server.wsUrl,
  });
  await pinging.waitFor('open');
  expect(server.handshakes).toHaveLength(2);

  for (let n = 1; n <= 3; n++) {
    await page.clock.runFor(25_000);
    await pinging.waitFor('heartbeat', { count: n });
  }
  // Frames on one connection arrive in order: once this marker is echoed, any ping sent before it is in too.
  await silent.send('marker');
  await silent.waitFor('message');
  const bySilent = server.received.filter((f) => f.connection === silentConnection);
  expect(bySilent.map((f) => [f.data, f.heartbeat])).toEqual([['marker', false]]);
  expect(server.received.filter((f) => f.connection !== silentConnection && f.heartbeat)).toHaveLength(3);
});
