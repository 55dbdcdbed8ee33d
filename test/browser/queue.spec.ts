// Proves, in real Chromium and Firefox against the fixture server, the send queue of ReliableSocket: frames sent
// while not open are held (bounded in count and bytes), flushed in order on (re)connect before the app sees
// `open`, each exactly once; `send()` says whether a frame was sent, queued or dropped; overflow follows the
// policy and every dropped frame is reported; `close()` settles the queue; and the `onOpen` hook runs on every
// (re)connection ahead of the flush, may hold it while async, and when it fails the connection is retried.
import type { Page } from '@playwright/test';
import type { QueueOptions } from '../../src/index.js';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { expect, openLibrary, test, trackTimers } from '../fixture/test.js';
import { type Caught, installCatch, pageLog } from './probe-kit.js';
import { SocketProbe } from './socket-probe.js';

test.beforeEach(async ({ page, server }) => {
  await trackTimers(page);
  await openLibrary(page, server);
  await installCatch(page);
});

const numbers = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i + 1));
const drops = async (probe: SocketProbe): Promise<unknown[][]> =>
  (await probe.events('drop')).map((e) => e.args);
/** Sends each frame in the page, returning what each `send()` returned or threw. */
const sendAll = (probe: SocketProbe, frames: string[]) =>
  probe.run((socket, frames) => frames.map((frame) => window.catchIn!(() => socket.send(frame))), frames);

test('100 frames sent during a 2 s outage reach the server exactly once, in order, after the reconnect', async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) =>
      new RS.ReliableSocket(url, {
        heartbeat: false,
        reconnect: { initialDelayMs: 100, factor: 1, jitter: 'none' },
      }),
    server.wsUrl,
  );
  await probe.waitFor('open');
  await server.down(2000);
  await probe.waitFor('reconnecting');

  const results = await probe.run((socket) =>
    Array.from({ length: 100 }, (_, i) => socket.send(String(i + 1))),
  );
  expect(results).toEqual(Array(100).fill('queued'));
  expect(await probe.run((socket) => socket.queuedMessages)).toBe(100);

  await probe.waitFor('open', { count: 2, timeoutMs: 10_000 });
  // The server echoes every frame: once the 100th echo is back, everything sent has arrived.
  await probe.waitFor('message', { count: 100 });
  expect(server.messages()).toEqual(numbers(100));
  const connections = new Set(server.received.filter((f) => !f.heartbeat).map((f) => f.connection));
  expect([...connections], 'all 100 went out on the new connection').toEqual([server.handshakes.length - 1]);
  expect(server.handshakes.length).toBeGreaterThan(1);
  expect(await probe.args('message')).toEqual(numbers(100));
  expect(await probe.events('drop')).toEqual([]);
});

test("send() returns 'queued' while connecting or reconnecting and 'sent' when open", async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) => {
      const socket = new RS.ReliableSocket(url, {
        heartbeat: false,
        reconnect: { initialDelayMs: 30_000, jitter: 'none' },
      });
      window.testLog = [socket.state, socket.send('while connecting')];
      return socket;
    },
    server.wsUrl,
  );
  await probe.waitFor('open');
  expect(await pageLog(page)).toEqual(['connecting', 'queued']);
  expect(await probe.send('while open')).toBe('sent');
  await probe.waitFor('message', { count: 2 }); // both echoed: nothing is in flight when the link is cut

  server.kill();
  await probe.waitFor('reconnecting');
  expect(await probe.send('while reconnecting')).toBe('queued');
  await probe.run((socket) => socket.reconnect());
  await probe.waitFor('open', { count: 2 });
  await probe.waitFor('message', { count: 3 });
  expect(server.messages()).toEqual(['while connecting', 'while open', 'while reconnecting']);
});

test('the queue is flushed in order before the app sees open: the open listener’s frame arrives after it', async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) => {
      const socket = new RS.ReliableSocket(url, {
        heartbeat: false,
        reconnect: { initialDelayMs: 30_000, jitter: 'none' },
      });
      const log: unknown[] = [];
      window.testLog = log;
      let opens = 0;
      socket.on('open', () => {
        opens++;
        log.push({ queuedAtOpen: socket.queuedMessages });
        socket.send(`from open listener ${opens}`);
      });
      socket.send('q1');
      socket.send('q2');
      return socket;
    },
    server.wsUrl,
  );
  await probe.waitFor('message', { count: 3 });
  expect(server.messages()).toEqual(['q1', 'q2', 'from open listener 1']);

  server.kill();
  await probe.waitFor('reconnecting');
  await sendAll(probe, ['q3', 'q4']);
  await probe.run((socket) => socket.reconnect());
  await probe.waitFor('message', { count: 6 });
  expect(server.messages()).toEqual(['q1', 'q2', 'from open listener 1', 'q3', 'q4', 'from open listener 2']);
  expect(await pageLog(page)).toEqual([{ queuedAtOpen: 0 }, { queuedAtOpen: 0 }]);
});

test.describe('bounded queue', () => {
  /** Takes the server down, makes a socket with `queue`, waits until it is retrying, sends `frames`. */
  async function sendWhileDown(page: Page, server: FixtureServer, queue: QueueOptions, frames: string[]) {
    await server.down(60_000);
    const probe = await SocketProbe.create(
      page,
      (RS, arg) =>
        new RS.ReliableSocket(arg.url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 20, factor: 1, jitter: 'none' },
          queue: arg.queue,
        }),
      { url: server.wsUrl, queue },
    );
    await probe.waitFor('reconnecting');
    const results = await sendAll(probe, frames);
    return { probe, results };
  }

  /** Brings the server back and waits until the socket has flushed and `expected` frames have come back. */
  async function deliver(server: FixtureServer, probe: SocketProbe, expected: number) {
    await server.up();
    await probe.waitFor('open');
    if (expected > 0) await probe.waitFor('message', { count: expected });
  }

  test("drop-oldest (default), maxMessages 3: five sends all 'queued', frames 1 and 2 reported dropped, the server gets 3, 4, 5", async ({
    page,
    server,
  }) => {
    const { probe, results } = await sendWhileDown(page, server, { maxMessages: 3 }, numbers(5));
    expect(results).toEqual(Array(5).fill({ returned: 'queued' }));
    expect(await drops(probe)).toEqual([
      ['1', 'overflow'],
      ['2', 'overflow'],
    ]);
    await deliver(server, probe, 3);
    expect(server.messages()).toEqual(['3', '4', '5']);
  });

  test("drop-newest, maxMessages 3: sends 4 and 5 return 'dropped' and are reported, the server gets 1, 2, 3", async ({
    page,
    server,
  }) => {
    const { probe, results } = await sendWhileDown(
      page,
      server,
      { maxMessages: 3, overflow: 'drop-newest' },
      numbers(5),
    );
    expect(results.map((r) => ('returned' in r ? r.returned : r))).toEqual([
      'queued',
      'queued',
      'queued',
      'dropped',
      'dropped',
    ]);
    expect(await drops(probe)).toEqual([
      ['4', 'overflow'],
      ['5', 'overflow'],
    ]);
    await deliver(server, probe, 3);
    expect(server.messages()).toEqual(['1', '2', '3']);
  });

  test('throw, maxMessages 3: the 4th send throws QueueFullError (ERR_QUEUE_FULL) and the queue is unchanged', async ({
    page,
    server,
  }) => {
    const { probe, results } = await sendWhileDown(
      page,
      server,
      { maxMessages: 3, overflow: 'throw' },
      numbers(5),
    );
    expect(results.slice(0, 3)).toEqual(Array(3).fill({ returned: 'queued' }));
    for (const result of results.slice(3)) {
      expect(result).toMatchObject({
        name: 'QueueFullError',
        code: 'ERR_QUEUE_FULL',
        queueFullError: true,
      } satisfies Partial<Caught>);
    }
    expect(await probe.events('drop')).toEqual([]);
    await deliver(server, probe, 3);
    expect(server.messages()).toEqual(['1', '2', '3']);
  });

  test('maxBytes 10: of three 4-byte frames only the last two fit; bufferedAmount counts the queued bytes', async ({
    page,
    server,
  }) => {
    const { probe } = await sendWhileDown(page, server, { maxBytes: 10 }, ['aaaa', 'bbbb', 'cccc']);
    expect(await drops(probe)).toEqual([['aaaa', 'overflow']]);
    expect(await probe.run((socket) => [socket.queuedMessages, socket.bufferedAmount])).toEqual([2, 8]);
    await deliver(server, probe, 2);
    expect(server.messages()).toEqual(['bbbb', 'cccc']);
  });

  test('maxBytes counts UTF-8 bytes, and a frame larger than maxBytes is itself dropped and reported', async ({
    page,
    server,
  }) => {
    // 'ééé' is 3 UTF-16 units but 6 bytes; with 'abcde' (5 bytes) that is 11 > 10, so 'ééé' must go.
    const { probe, results } = await sendWhileDown(page, server, { maxBytes: 10 }, [
      'ééé',
      'abcde',
      'x'.repeat(11),
    ]);
    expect(results).toEqual([{ returned: 'queued' }, { returned: 'queued' }, { returned: 'dropped' }]);
    expect(await drops(probe)).toEqual([
      ['ééé', 'overflow'],
      ['x'.repeat(11), 'overflow'],
    ]);
    await deliver(server, probe, 1);
    expect(server.messages()).toEqual(['abcde']);
  });

  test("maxMessages 0: every send while not open returns 'dropped' and is reported; nothing is sent later", async ({
    page,
    server,
  }) => {
    const { probe, results } = await sendWhileDown(page, server, { maxMessages: 0 }, ['a', 'b', 'c']);
    expect(results).toEqual(Array(3).fill({ returned: 'dropped' }));
    expect(await drops(probe)).toEqual([
      ['a', 'overflow'],
      ['b', 'overflow'],
      ['c', 'overflow'],
    ]);
    await deliver(server, probe, 0);
    expect(await probe.send('when open')).toBe('sent');
    await probe.waitFor('message');
    expect(server.messages()).toEqual(['when open']);
  });
});

test('close() settles the queue: each queued frame gets a drop event with reason closed, and nothing is sent after', async ({
  page,
  server,
}) => {
  await server.down(60_000);
  const probe = await SocketProbe.create(
    page,
    (RS, url) => {
      // Counts the attempts the socket makes: each one is a new WebSocket.
      const counted = window as unknown as { attempts: number };
      counted.attempts = 0;
      class Counted extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          counted.attempts++;
        }
      }
      return new RS.ReliableSocket(url, {
        WebSocket: Counted,
        heartbeat: false,
        reconnect: { initialDelayMs: 20, factor: 1, jitter: 'none' },
      });
    },
    server.wsUrl,
  );
  await probe.waitFor('reconnecting');
  await sendAll(probe, ['a', 'b', 'c']);
  await probe.close();
  const attempts = () => page.evaluate(() => (window as unknown as { attempts: number }).attempts);
  const attemptsAtClose = await attempts();
  expect(attemptsAtClose).toBeGreaterThan(0); // the count counts

  expect(await drops(probe)).toEqual([
    ['a', 'closed'],
    ['b', 'closed'],
    ['c', 'closed'],
  ]);
  expect(await probe.run((socket) => [socket.state, socket.queuedMessages, socket.bufferedAmount])).toEqual([
    'closed',
    0,
    0,
  ]);
  await server.up();
  expect(await page.evaluate(() => window.pendingTimers!())).toBe(0);
  await page.waitForTimeout(300); // proving a negative: a retry (every 20 ms) would connect and flush by now
  // No attempt after close(). (Not `server.handshakes`: under load Chromium may still send the upgrade request of
  // an attempt closed while connecting, once the server is back — the page never sees that connection.)
  expect(await attempts()).toBe(attemptsAtClose);
  expect(server.handshakes.length).toBeLessThanOrEqual(1);
  expect(server.messages()).toEqual([]);
});

test.describe('onOpen hook', () => {
  test('runs on every (re)connection, before the flush: its frame arrives ahead of the queued ones each time', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        const socket = new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 20, factor: 1, jitter: 'none' },
          onOpen: ({ send, connection }) => send(`auth ${connection}`),
        });
        socket.send('q1');
        return socket;
      },
      server.wsUrl,
    );
    await probe.waitFor('message', { count: 2 });
    expect(server.messages()).toEqual(['auth 1', 'q1']);

    await server.down(60_000);
    await probe.waitFor('reconnecting');
    expect(await probe.send('q2')).toBe('queued');
    await server.up();
    await probe.waitFor('open', { count: 2 });
    await probe.waitFor('message', { count: 4 });
    const frames = server.received.filter((f) => !f.heartbeat).map((f) => [f.connection, f.data]);
    expect(frames).toEqual([
      [0, 'auth 1'],
      [0, 'q1'],
      [1, 'auth 2'],
      [1, 'q2'],
    ]);
  });

  test('an async hook holds the flush and the open event until it resolves', async ({ page, server }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        const log: unknown[] = [];
        window.testLog = log;
        const gate = new Promise<void>((resolve) => {
          window.testRelease = resolve;
        });
        const socket = new RS.ReliableSocket(url, {
          heartbeat: false,
          onOpen: async ({ send }) => {
            send('auth');
            await gate;
            log.push(Date.now());
          },
        });
        socket.send('queued');
        return socket;
      },
      server.wsUrl,
    );
    await server.waitFor(() => server.messages().length >= 1, "the hook's frame");
    await page.waitForTimeout(300); // proving a negative: while the hook waits, nothing is flushed or opened
    expect(server.messages()).toEqual(['auth']);
    expect(await probe.state()).toBe('connecting');
    expect(await probe.events('open')).toEqual([]);
    expect(await probe.run((socket) => socket.send('also queued'))).toBe('queued');

    await page.evaluate(() => window.testRelease!());
    const [open] = await probe.waitFor('open');
    const [resolvedAt] = (await pageLog(page)) as number[];
    expect(open!.at).toBeGreaterThanOrEqual(resolvedAt!);
    await probe.waitFor('message', { count: 2 });
    expect(server.messages()).toEqual(['auth', 'queued', 'also queued']);
  });

  test('a hook that rejects: error ERR_ON_OPEN, that connection is dropped and retried, and the hook runs again', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        let calls = 0;
        const socket = new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 20, factor: 1, jitter: 'none' },
          onOpen: async ({ send }) => {
            calls++;
            send(`auth ${calls}`);
            if (calls === 1) throw new Error('auth refused');
          },
        });
        socket.send('q1');
        return socket;
      },
      server.wsUrl,
    );
    await probe.waitFor('open');
    await probe.waitFor('message', { count: 2 });

    expect(await probe.args('error')).toEqual([
      expect.objectContaining({ name: 'OnOpenError', code: 'ERR_ON_OPEN' }),
    ]);
    expect(await probe.args('close')).toEqual([
      { code: 1006, reason: 'onOpen failed', wasClean: false, willReconnect: true },
    ]);
    expect(await probe.args('reconnecting')).toEqual([{ attempt: 1, delayMs: 20 }]);
    expect(await probe.events('open')).toHaveLength(1);
    const frames = server.received.filter((f) => !f.heartbeat).map((f) => [f.connection, f.data]);
    expect(frames).toEqual([
      [0, 'auth 1'],
      [1, 'auth 2'],
      [1, 'q1'],
    ]);
    await server.waitFor(() => server.connections === 1, 'the failed connection to be closed');
  });

  test('a hook that outlasts connectTimeoutMs fails the attempt, which is retried', async ({
    page,
    server,
  }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        let calls = 0;
        return new RS.ReliableSocket(url, {
          heartbeat: false,
          connectTimeoutMs: 500,
          reconnect: { initialDelayMs: 20, factor: 1, jitter: 'none' },
          onOpen: () => {
            calls++;
            if (calls === 1) return new Promise<void>(() => {}); // never settles
          },
        });
      },
      server.wsUrl,
    );
    await probe.waitFor('open');
    expect(await probe.args('close')).toEqual([
      { code: 1006, reason: 'connect timeout', wasClean: false, willReconnect: true },
    ]);
    expect(server.handshakes).toHaveLength(2);
  });
});

test('the server closes right after the handshake while onOpen runs: the queue is not poured into the closing socket; it goes out on the next connection', async ({
  page,
  server,
}) => {
  type Page = { natives: WebSocket[]; releaseOnOpen?: () => void };
  const probe = await SocketProbe.create(
    page,
    (RS, url) => {
      const state = window as unknown as Page;
      state.natives = [];
      // The browser's own WebSocket, recorded so that the test can see its readyState.
      class Recorded extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          state.natives.push(this);
        }
      }
      return new RS.ReliableSocket(url, {
        WebSocket: Recorded,
        heartbeat: false,
        reconnect: { initialDelayMs: 20, jitter: 'none' },
        // The first handshake's onOpen waits for the test; later ones pass at once.
        onOpen: () =>
          state.natives.length === 1
            ? new Promise<void>((resolve) => (state.releaseOnOpen = resolve))
            : undefined,
      });
    },
    server.wsUrl,
  );
  await page.waitForFunction(() => (window as unknown as Page).releaseOnOpen !== undefined);
  expect(await sendAll(probe, ['q1', 'q2'])).toEqual([{ returned: 'queued' }, { returned: 'queued' }]);
  // The server's 1012 reaches the page, but the page's answer is held. Chromium then keeps the native socket
  // CLOSING (waiting for the server to end TCP) — the window in which frames vanished. Firefox reports the
  // close at once; the outcome must be the same.
  server.holdClientFrames(true);
  server.closeAll(1012, 'restart');
  await page.waitForFunction(() => (window as unknown as Page).natives[0]!.readyState >= WebSocket.CLOSING);
  await page.evaluate(() => (window as unknown as Page).releaseOnOpen!());
  // Not open (connecting or waiting to retry, depending on the engine and timing), and nothing lost.
  expect(await probe.run((socket) => [socket.state === 'open', socket.queuedMessages])).toEqual([false, 2]);

  server.holdClientFrames(false);
  await probe.waitFor('open');
  await probe.waitFor('message', { count: 2 }); // the echoes
  const frames = server.received.filter((f) => !f.heartbeat).map((f) => [f.connection, f.data]);
  expect(frames).toEqual([
    [1, 'q1'],
    [1, 'q2'],
  ]);
  expect(await probe.events('drop')).toEqual([]);
  // Chromium and Firefox report the server's 1012; WebKit, whose answer to it was held, reports 1006.
  expect((await probe.args('close'))[0]).toMatchObject({ willReconnect: true });
  expect([1012, 1006]).toContain((await probe.args('close'))[0]!.code);
});
