// Proves, in real Chromium and Firefox against the fixture server, how ReliableSocket reconnects: the backoff
// curve with full, equal and no jitter, and that each retry really waits its delay; a custom delay function and
// what it receives; the reset of the attempt counter after `stableAfterMs` of uptime; `maxRetries` ending in a
// visible close; final close codes and `shouldReconnect`; a URL function called before every attempt;
// `reconnect()`; and `close()` being final and idempotent, leaving no timer and causing no handshake after it.
import type { Page } from '@playwright/test';
import type { CloseDetails } from '../../src/index.js';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { expect, openLibrary, test, trackTimers } from '../fixture/test.js';
import { type Caught, handshakeUrls, installCatch, pageLog } from './probe-kit.js';
import { type RecordedEvent, SocketProbe } from './socket-probe.js';

test.beforeEach(async ({ page, server }, testInfo) => {
  // Tests that use page.clock install it (and the timer counter) themselves before the page loads.
  if (testInfo.tags.includes('@clock')) return;
  await trackTimers(page);
  await openLibrary(page, server);
  await installCatch(page);
});

/** Installs a paused fake clock in the page: timers fire only when the test runs the clock. */
async function openWithPausedClock(page: Page, server: FixtureServer): Promise<void> {
  await page.clock.install({ time: 1_000_000 });
  await trackTimers(page);
  await openLibrary(page, server);
  await installCatch(page);
  await page.clock.pauseAt(2_000_000);
}

const statesOf = async (probe: SocketProbe): Promise<string[]> =>
  (await probe.args('state')).map((s) => s.to);
const pendingTimers = (probe: SocketProbe): Promise<number> =>
  probe.page.evaluate(() => window.pendingTimers!());

/**
 * For each `reconnecting` event, the page time from it to the next `connecting` state (the retry starting),
 * for as many retries as have started.
 */
function measuredWaits(events: RecordedEvent[]): number[] {
  const waits: number[] = [];
  events.forEach((event, i) => {
    if (event.name !== 'reconnecting') return;
    const next = events
      .slice(i + 1)
      .find((e) => e.name === 'state' && (e.args[0] as { to: string }).to === 'connecting');
    if (next) waits.push(next.at - event.at);
  });
  return waits;
}

test.describe('backoff', () => {
  const curves = [
    { jitter: 'full', random: 0.5, delays: [50, 100, 200, 200, 200] }, // random · cap
    { jitter: 'none', random: 0.5, delays: [100, 200, 400, 400, 400] }, // the cap; random is ignored
    { jitter: 'equal', random: 0, delays: [50, 100, 200, 200, 200] }, // cap/2 + random · cap/2
  ] as const;
  for (const { jitter, random, delays } of curves) {
    test(`jitter '${jitter}' with random ${random}: delays ${delays.join(', ')} (cap 100·2^n up to 400), and each retry waits exactly its delay`, {
      tag: '@clock',
    }, async ({ page, server }) => {
      // On the page's paused clock: a retry that starts 1 ms early or late shows, however loaded the machine.
      await openWithPausedClock(page, server);
      await server.down(60_000);
      const probe = await SocketProbe.create(
        page,
        (RS, arg) =>
          new RS.ReliableSocket(arg.url, {
            heartbeat: false,
            reconnect: {
              initialDelayMs: 100,
              factor: 2,
              maxDelayMs: 400,
              jitter: arg.jitter,
              random: () => arg.random,
            },
          }),
        { url: server.wsUrl, jitter, random },
      );
      for (const [i, delayMs] of delays.entries()) {
        const retries = await probe.waitFor('reconnecting', { count: i + 1 }); // the refusal comes in real time
        expect(retries[i]!.args[0]).toEqual({ attempt: i + 1, delayMs });
        // Retries started so far (each fails at once against the refusing server, in real time).
        const started = async () => (await probe.args('state')).filter((s) => s.to === 'connecting').length;
        await page.clock.runFor(delayMs - 1);
        expect(await started(), `1 ms before retry ${i + 1}`).toBe(i);
        await page.clock.runFor(1);
        expect(await started(), `at retry ${i + 1}`).toBe(i + 1);
      }
      expect(measuredWaits(await probe.events())).toEqual(delays);
    });
  }

  test('default options: the first retry after a lost connection waits a random delay within [0, 1000] ms', async ({
    page,
    server,
  }) => {
    // Five sockets, so that a fixed delay (no jitter) would show as five equal numbers.
    const probes: SocketProbe[] = [];
    for (let i = 0; i < 5; i++) {
      probes.push(await SocketProbe.create(page, (RS, url) => new RS.ReliableSocket(url), server.wsUrl));
    }
    for (const probe of probes) await probe.waitFor('open');
    server.kill();
    const delays: number[] = [];
    for (const probe of probes) {
      const [first] = await probe.waitFor('reconnecting');
      const info = first!.args[0] as { attempt: number; delayMs: number };
      expect(info.attempt).toBe(1);
      expect(info.delayMs).toBeGreaterThanOrEqual(0);
      expect(info.delayMs).toBeLessThanOrEqual(1000);
      delays.push(info.delayMs);
    }
    expect(new Set(delays).size, `delays ${delays.join(', ')} should be random`).toBeGreaterThan(1);
  });

  test('a custom delay(attempt, lastClose) replaces the backoff and receives the close that caused the retry', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        const log: unknown[] = [];
        window.testLog = log;
        return new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: {
            stableAfterMs: Infinity, // keep counting attempts however slow the machine
            delay: (attempt, lastClose) => {
              log.push({ attempt, lastClose });
              return attempt * 40;
            },
          },
        });
      },
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.closeAll(4001, 'first');
    await probe.waitFor('open', { count: 2 });
    server.closeAll(4002, 'second');
    await probe.waitFor('open', { count: 3 });
    server.kill();
    await probe.waitFor('open', { count: 4 });

    expect(await pageLog(page)).toEqual([
      { attempt: 1, lastClose: { code: 4001, reason: 'first', wasClean: true } },
      { attempt: 2, lastClose: { code: 4002, reason: 'second', wasClean: true } },
      { attempt: 3, lastClose: { code: 1006, reason: '', wasClean: false } },
    ]);
    expect(await probe.args('reconnecting')).toEqual([
      { attempt: 1, delayMs: 40 },
      { attempt: 2, delayMs: 80 },
      { attempt: 3, delayMs: 120 },
    ]);
    const waits = measuredWaits(await probe.events());
    expect(waits).toHaveLength(3);
    waits.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual((i + 1) * 40 - 5);
    });
  });
});

test('stableAfterMs: a connection lost before 300 ms of uptime continues the count, one that lasted 300 ms starts again at 1', {
  tag: '@clock',
}, async ({ page, server }) => {
  await openWithPausedClock(page, server);
  const probe = await SocketProbe.create(
    page,
    (RS, url) =>
      new RS.ReliableSocket(url, {
        heartbeat: false,
        reconnect: { initialDelayMs: 100, factor: 1, jitter: 'none', stableAfterMs: 300 },
      }),
    server.wsUrl,
  );
  await probe.waitFor('open'); // the handshake needs no timer; page time stands still

  server.kill(); // uptime 0
  await probe.waitFor('reconnecting');
  await page.clock.runFor(100);
  await probe.waitFor('open', { count: 2 });

  await page.clock.runFor(299);
  server.kill(); // uptime 299 ms: not stable
  await probe.waitFor('reconnecting', { count: 2 });
  await page.clock.runFor(100);
  await probe.waitFor('open', { count: 3 });

  await page.clock.runFor(300);
  server.kill(); // uptime 300 ms: stable, the count starts again
  await probe.waitFor('reconnecting', { count: 3 });

  expect((await probe.args('reconnecting')).map((r) => r.attempt)).toEqual([1, 2, 1]);
});

test.describe('maxRetries', () => {
  test('maxRetries: 2 with the server down: retries 1 and 2, then error ERR_RETRIES_EXHAUSTED, a final close, state closed', async ({
    page,
    server,
  }) => {
    await server.down(60_000);
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { maxRetries: 2, initialDelayMs: 20, factor: 1, jitter: 'none' },
        }),
      server.wsUrl,
    );
    await probe.waitForState('closed');

    expect((await probe.args('reconnecting')).map((r) => r.attempt)).toEqual([1, 2]);
    // One close per attempt: the first connection and two retries; only the last is final.
    expect((await probe.args('close')).map((c) => c.willReconnect)).toEqual([true, true, false]);
    expect(await statesOf(probe)).toEqual([
      'reconnecting',
      'connecting',
      'reconnecting',
      'connecting',
      'closed',
    ]);
    const tail = (await probe.events()).slice(-3).map((e) => [e.name, e.args[0]]);
    expect(tail).toEqual([
      ['state', { from: 'connecting', to: 'closed', reason: 'connection lost' }],
      ['error', expect.objectContaining({ name: 'RetriesExhaustedError', code: 'ERR_RETRIES_EXHAUSTED' })],
      ['close', expect.objectContaining({ code: 1006, willReconnect: false })],
    ]);
    expect(await pendingTimers(probe)).toBe(0);
  });

  test('maxRetries: 2 with handshakes rejected: the server sees exactly the first connection and two retries', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { maxRetries: 2, initialDelayMs: 20, factor: 1, jitter: 'none' },
        }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.rejectHandshakes(503);
    server.kill();
    await probe.waitForState('closed');
    expect((await probe.args('error')).map((e) => e.code)).toEqual(['ERR_RETRIES_EXHAUSTED']);
    expect(server.handshakes.map((h) => h.outcome)).toEqual(['accepted', 'rejected', 'rejected']);

    server.rejectHandshakes(undefined);
    expect(await pendingTimers(probe)).toBe(0);
    await page.waitForTimeout(300); // proving a negative: at 20 ms per retry, a leak would show here
    expect(server.handshakes).toHaveLength(3);
  });
});

test.describe('final close codes', () => {
  for (const code of [1002, 1003, 1007, 1008, 1009, 1010]) {
    test(`server close code ${code} is final by default: close with willReconnect false, state closed, no retry`, async ({
      page,
      server,
    }) => {
      const probe = await SocketProbe.create(
        page,
        (RS, url) =>
          new RS.ReliableSocket(url, {
            heartbeat: false,
            reconnect: { initialDelayMs: 20, jitter: 'none' },
          }),
        server.wsUrl,
      );
      await probe.waitFor('open');
      server.closeAll(code, 'policy');
      await probe.waitFor('close');
      expect(await probe.args('close')).toEqual([
        { code, reason: 'policy', wasClean: true, willReconnect: false },
      ]);
      expect(await probe.state()).toBe('closed');
      expect(await probe.events('reconnecting')).toEqual([]);
      expect(await pendingTimers(probe)).toBe(0);
      await page.waitForTimeout(300); // proving a negative: a retry would come after 20 ms
      expect(server.handshakes).toHaveLength(1);
    });
  }

  for (const code of [1000, 1001, 1011, 4001]) {
    test(`server close code ${code} is not final by default: the socket reconnects`, async ({
      page,
      server,
    }) => {
      const probe = await SocketProbe.create(
        page,
        (RS, url) =>
          new RS.ReliableSocket(url, { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } }),
        server.wsUrl,
      );
      await probe.waitFor('open');
      server.closeAll(code, 'bye');
      await probe.waitFor('open', { count: 2 });
      expect(await probe.args('close')).toEqual([
        { code, reason: 'bye', wasClean: true, willReconnect: true },
      ]);
      expect(server.handshakes).toHaveLength(2);
    });
  }

  test('shouldReconnect(close) receives the close details; returning false makes that close final', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        const log: unknown[] = [];
        window.testLog = log;
        return new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: {
            initialDelayMs: 20,
            jitter: 'none',
            shouldReconnect: (close) => {
              log.push(close);
              return close.code !== 4001;
            },
          },
        });
      },
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.closeAll(4000, 'again');
    await probe.waitFor('open', { count: 2 });
    server.closeAll(4001, 'enough');
    await probe.waitForState('closed');

    expect(await pageLog(page)).toEqual([
      { code: 4000, reason: 'again', wasClean: true },
      { code: 4001, reason: 'enough', wasClean: true },
    ] satisfies CloseDetails[]);
    expect((await probe.args('close')).map((c) => [c.code, c.willReconnect])).toEqual([
      [4000, true],
      [4001, false],
    ]);
    expect(await pendingTimers(probe)).toBe(0);
    await page.waitForTimeout(300); // proving a negative: a retry would come after 20 ms
    expect(server.handshakes).toHaveLength(2);
  });

  test('finalCloseCodes: [] retries even after 1008', async ({ page, server }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 20, jitter: 'none', finalCloseCodes: [] },
        }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.closeAll(1008, 'policy');
    await probe.waitFor('open', { count: 2 });
    expect(await probe.args('close')).toEqual([
      { code: 1008, reason: 'policy', wasClean: true, willReconnect: true },
    ]);
  });
});

test.describe('URL function', () => {
  for (const kind of ['sync', 'async'] as const) {
    test(`a ${kind} URL function is called before every attempt: the server sees token=1, 2, 3`, async ({
      page,
      server,
    }) => {
      const probe = await SocketProbe.create(
        page,
        (RS, arg) => {
          let n = 0;
          const next = () => `${arg.url}?token=${++n}`;
          return new RS.ReliableSocket(
            arg.kind === 'sync'
              ? next
              : () => new Promise<string>((resolve) => setTimeout(() => resolve(next()), 10)),
            { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } },
          );
        },
        { url: server.wsUrl, kind },
      );
      await probe.waitFor('open');
      server.kill();
      await probe.waitFor('open', { count: 2 });
      server.kill();
      await probe.waitFor('open', { count: 3 });
      expect(handshakeUrls(server)).toEqual(['/?token=1', '/?token=2', '/?token=3']);
      expect(await probe.run((socket) => socket.url)).toBe(`${server.wsUrl}?token=3`);
    });
  }

  for (const failure of ['throws', 'rejects', 'returns an ftp: URL'] as const) {
    test(`a URL function that ${failure} gives an error event ERR_URL, and the attempt is retried`, async ({
      page,
      server,
    }) => {
      const probe = await SocketProbe.create(
        page,
        (RS, arg) => {
          let calls = 0;
          return new RS.ReliableSocket(
            () => {
              calls++;
              if (calls === 1 && arg.failure === 'throws') throw new Error('no token yet');
              if (calls === 1 && arg.failure === 'rejects') return Promise.reject(new Error('no token yet'));
              if (calls === 1) return 'ftp://127.0.0.1/';
              return `${arg.url}?token=${calls}`;
            },
            { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } },
          );
        },
        { url: server.wsUrl, failure },
      );
      await probe.waitFor('open');
      expect(await probe.args('error')).toEqual([
        expect.objectContaining({ name: 'UrlError', code: 'ERR_URL' }),
      ]);
      expect(await probe.args('close')).toEqual([
        { code: 1006, reason: 'URL function failed', wasClean: false, willReconnect: true },
      ]);
      expect(await probe.args('reconnecting')).toEqual([{ attempt: 1, delayMs: 20 }]);
      expect(handshakeUrls(server)).toEqual(['/?token=2']);
    });
  }
});

test.describe('reconnect()', () => {
  test('while open: drops the connection and connects again at once, without backoff', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 30_000, jitter: 'none' }, // a backoff would be plain to see
        }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    await probe.run((socket) => socket.reconnect());
    await probe.waitFor('open', { count: 2, timeoutMs: 5000 });
    await server.waitFor(() => server.connections === 1, 'the old server-side connection to close');

    expect(server.handshakes).toHaveLength(2);
    expect(await probe.args('state')).toEqual([
      { from: 'connecting', to: 'open', reason: 'connected' },
      { from: 'open', to: 'connecting', reason: 'reconnect()' },
      { from: 'connecting', to: 'open', reason: 'connected' },
    ]);
    expect(await probe.args('close')).toEqual([
      { code: 1006, reason: 'reconnect()', wasClean: false, willReconnect: true },
    ]);
    expect(await probe.events('reconnecting')).toEqual([]);
    // The new connection works, and the old one no longer speaks to the socket.
    expect(await probe.send('after')).toBe('sent');
    await probe.waitFor('message');
    expect(await probe.args('message')).toEqual(['after']);
  });

  test('while waiting to reconnect with a long delay: connects at once and the pending retry is cancelled', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 30_000, jitter: 'none' },
        }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.kill();
    await probe.waitFor('reconnecting');
    expect(await probe.args('reconnecting')).toEqual([{ attempt: 1, delayMs: 30_000 }]);

    await probe.run((socket) => socket.reconnect());
    await probe.waitFor('open', { count: 2, timeoutMs: 5000 });
    expect(await probe.args('state')).toEqual([
      { from: 'connecting', to: 'open', reason: 'connected' },
      { from: 'open', to: 'reconnecting', reason: 'closed with code 1006' },
      { from: 'reconnecting', to: 'connecting', reason: 'reconnect()' },
      { from: 'connecting', to: 'open', reason: 'connected' },
    ]);
    expect(server.handshakes).toHaveLength(2);
    // Open with no heartbeat: nothing is scheduled, so the 30 s retry timer is gone.
    expect(await pendingTimers(probe)).toBe(0);
  });
});

test.describe('close()', () => {
  const situations = [
    'open',
    'waiting to reconnect',
    'connecting (handshake stalled)',
    'awaiting the URL function',
  ] as const;
  for (const situation of situations) {
    test(`close() while ${situation}: final and idempotent, no timer left, no handshake in 10 s of page time`, {
      tag: '@clock',
    }, async ({ page, server }) => {
      await openWithPausedClock(page, server);
      if (situation === 'waiting to reconnect') await server.down(60_000);
      if (situation === 'connecting (handshake stalled)') server.stallHandshakes(true);
      const probe = await SocketProbe.create(
        page,
        (RS, arg) =>
          new RS.ReliableSocket(
            arg.situation === 'awaiting the URL function' ? () => new Promise<string>(() => {}) : arg.url,
            {
              reconnect: { initialDelayMs: 1000, jitter: 'none' },
            },
          ),
        { url: server.wsUrl, situation },
      );
      if (situation === 'open') await probe.waitFor('open');
      if (situation === 'waiting to reconnect') await probe.waitFor('reconnecting');
      if (situation === 'connecting (handshake stalled)') {
        await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
      }
      const before = (await probe.events()).length;

      await probe.run((socket) => {
        socket.close();
        socket.close();
      });
      await probe.waitForState('closed');

      // Let a stray retry through if there were one.
      if (situation === 'waiting to reconnect') await server.up();
      if (situation === 'connecting (handshake stalled)') server.stallHandshakes(false);

      const after = (await probe.events()).slice(before);
      const closes = after.filter((e) => e.name === 'close').map((e) => e.args[0]);
      expect(closes).toEqual([
        situation === 'open'
          ? { code: 1000, reason: '', wasClean: true, willReconnect: false } // the server answered the close
          : expect.objectContaining({ willReconnect: false }),
      ]);
      const states = after.filter((e) => e.name === 'state').map((e) => (e.args[0] as { to: string }).to);
      expect(states).toEqual(
        situation === 'open' || situation.startsWith('connecting (') ? ['closing', 'closed'] : ['closed'],
      );

      const sendAfter = await probe.run((socket) => window.catchIn!(() => socket.send('late')));
      const reconnectAfter = await probe.run((socket) => window.catchIn!(() => socket.reconnect()));
      for (const caught of [sendAfter, reconnectAfter]) {
        expect(caught).toMatchObject({
          code: 'ERR_SOCKET_CLOSED',
          socketClosedError: true,
        } satisfies Partial<Caught>);
      }
      expect(await pendingTimers(probe)).toBe(0);

      const handshakes = server.handshakes.length;
      await page.clock.runFor(10_000);
      await page.waitForTimeout(500); // proving a negative: a retry started by the page clock would arrive by now
      expect(server.handshakes).toHaveLength(handshakes);
      expect((await probe.events()).slice(before + after.length)).toEqual([]);
      expect(server.messages()).toEqual([]);
    });
  }

  test('close(code, reason): invalid codes and long reasons throw RangeError and change nothing; a valid one reaches the server', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    const bad = await probe.run((socket) =>
      [
        () => socket.close(1001),
        () => socket.close(2000),
        () => socket.close(1000.5),
        () => socket.close(4000, 'é'.repeat(62)), // 124 bytes of UTF-8
      ].map((call) => window.catchIn!(call)),
    );
    for (const caught of bad) expect(caught).toMatchObject({ rangeError: true });
    expect(await probe.state()).toBe('open');

    await probe.close(4000, 'bye');
    await probe.waitForState('closed');
    // The fixture (ws) answers a close frame with the same code and reason, so this is what it received.
    expect(await probe.args('close')).toEqual([
      { code: 4000, reason: 'bye', wasClean: true, willReconnect: false },
    ]);
  });
});
