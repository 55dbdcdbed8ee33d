// Proves, in real Chromium and Firefox against the fixture server, the life of a ReliableSocket as its user sees
// it: the explicit state machine (every change one `state {from, to, reason}` event, `readyState` in step), in
// the ESM and the UMD build; the shape of `close` events; `message` and `heartbeat` events; `on()` returning an
// unsubscribe function; `whenOpen()` with and without an AbortSignal; and bad arguments failing in the page with
// the option named.
import { ERROR_DOCS } from '../../src/errors.js';
import type { StateChange } from '../../src/index.js';
import { type Build, expect, openLibrary, test, trackTimers } from '../fixture/test.js';
import { installCatch, pageLog } from './probe-kit.js';
import { SocketProbe } from './socket-probe.js';

test.beforeEach(async ({ page, server }, testInfo) => {
  if (testInfo.tags.includes('@umd')) return; // loads its own build
  await trackTimers(page);
  await openLibrary(page, server);
  await installCatch(page);
});

for (const build of ['esm', 'umd'] as Build[]) {
  test(`${build} build: a life is connecting → open → reconnecting → connecting → open → closing → closed, one state event per change, readyState 0,1,0,0,1,2,3`, {
    tag: build === 'umd' ? '@umd' : [],
  }, async ({ page, server }) => {
    if (build === 'umd') {
      await trackTimers(page);
      await openLibrary(page, server, 'umd');
    }
    const probe = await SocketProbe.create(
      page,
      (RS, url) => {
        const socket = new RS.ReliableSocket(url, {
          heartbeat: false,
          reconnect: { initialDelayMs: 20, jitter: 'none' },
        });
        // readyState at birth, then as every state listener sees it.
        const readyStates: unknown[] = [socket.readyState];
        window.testLog = readyStates;
        socket.on('state', () => readyStates.push(socket.readyState));
        return socket;
      },
      server.wsUrl,
    );
    await probe.waitFor('open');
    server.kill();
    await probe.waitFor('open', { count: 2 });
    await probe.close();
    await probe.waitForState('closed');

    const changes: StateChange[] = await probe.args('state');
    expect(changes.map((c) => c.to)).toEqual([
      'open',
      'reconnecting',
      'connecting',
      'open',
      'closing',
      'closed',
    ]);
    let previous = 'connecting';
    for (const change of changes) {
      expect(change.from, `${change.from} → ${change.to}`).toBe(previous);
      expect(typeof change.reason).toBe('string');
      expect(change.reason.length, `reason of ${change.from} → ${change.to}`).toBeGreaterThan(0);
      previous = change.to;
    }
    expect(await pageLog(page)).toEqual([0, 1, 0, 0, 1, 2, 3]);

    // The other events of that life, in order.
    const others = (await probe.events()).filter((e) => e.name !== 'state').map((e) => e.name);
    expect(others).toEqual(['open', 'close', 'reconnecting', 'open', 'close']);
    expect((await probe.args('close')).map((c) => c.willReconnect)).toEqual([true, false]);
    expect(await page.evaluate(() => window.pendingTimers!())).toBe(0);
  });
}

test("close event after the server's closeAll(4001, 'x'): { code: 4001, reason: 'x', wasClean: true, willReconnect: true }", async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
    server.wsUrl,
  );
  await probe.waitFor('open');
  server.closeAll(4001, 'x');
  await probe.waitFor('close');
  expect(await probe.args('close')).toEqual([
    { code: 4001, reason: 'x', wasClean: true, willReconnect: true },
  ]);
});

test('message events carry text and binary frames; pongs are not messages but heartbeat events with rttMs', async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) => new RS.ReliableSocket(url, { binaryType: 'arraybuffer', heartbeat: { intervalMs: 100 } }),
    server.wsUrl,
  );
  await probe.waitFor('open');
  await probe.run((socket) => {
    socket.send('text');
    socket.send(new Uint8Array([1, 2, 3]));
  });
  await probe.waitFor('message', { count: 2 });
  await probe.waitFor('heartbeat');
  expect(await probe.args('message')).toEqual(['text', { binary: 3 }]);
  for (const { rttMs } of await probe.args('heartbeat')) {
    expect(rttMs).toBeGreaterThanOrEqual(0);
    expect(rttMs).toBeLessThan(5000);
  }
  expect(server.received.some((f) => f.heartbeat)).toBe(true);
});

test('on() returns an unsubscribe function: after calling it, that listener gets nothing; others still do', async ({
  page,
  server,
}) => {
  const probe = await SocketProbe.create(
    page,
    (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
    server.wsUrl,
  );
  await probe.waitFor('open');
  const calls = await probe.run(async (socket) => {
    let calls = 0;
    const off = socket.on('message', () => {
      calls++;
    });
    const nextMessage = () =>
      new Promise<void>((resolve) => {
        const stop = socket.on('message', () => {
          stop();
          resolve();
        });
      });
    const counts: number[] = [];
    let echoed = nextMessage();
    socket.send('a');
    await echoed;
    counts.push(calls);
    off();
    off(); // a second call is harmless
    echoed = nextMessage();
    socket.send('b');
    await echoed;
    counts.push(calls);
    return counts;
  });
  expect(calls).toEqual([1, 1]);
  expect(await probe.args('message')).toEqual(['a', 'b']);
});

test.describe('whenOpen()', () => {
  /** Calls whenOpen() in the page and records how it settles in `window.testLog`. */
  const watchWhenOpen = (
    probe: Awaited<ReturnType<typeof SocketProbe.create>>,
    signal: 'none' | 'controller' | 'aborted',
  ) =>
    probe.run((socket, signal) => {
      const log: unknown[] = [];
      window.testLog = log;
      const reason = new Error('the user navigated away');
      const controller = new AbortController();
      window.testRelease = () => controller.abort(reason);
      const options =
        signal === 'none'
          ? undefined
          : { signal: signal === 'aborted' ? AbortSignal.abort(reason) : controller.signal };
      const promise = window.RS.whenOpen(socket, options);
      // "At once" means before any task: a timeout of 0 is a task, so it loses to an already settled promise.
      const ticked = new Promise((resolve) => setTimeout(resolve, 0));
      let settledBeforeATask = false;
      void ticked.then(() => {
        log.push({ settledBeforeATask });
      });
      promise.then(
        () => {
          settledBeforeATask = true;
          log.unshift({ resolved: socket.state });
        },
        (error: unknown) => {
          settledBeforeATask = true;
          const e = error as Error & { code?: string };
          log.unshift({
            rejected: {
              name: e.name,
              code: e.code,
              socketClosedError: error instanceof window.RS.SocketClosedError,
              isSignalReason: error === reason,
            },
          });
        },
      );
    }, signal);

  test('resolves when the socket opens, not before', async ({ page, server }) => {
    server.stallHandshakes(true);
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } }),
      server.wsUrl,
    );
    await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
    await watchWhenOpen(probe, 'none');
    await expect.poll(() => pageLog(page)).toEqual([{ settledBeforeATask: false }]);

    server.stallHandshakes(false); // cuts the stalled attempt; the retry gets through
    await probe.waitFor('open');
    await expect.poll(() => pageLog(page)).toEqual([{ resolved: 'open' }, { settledBeforeATask: false }]);
  });

  test('resolves at once when already open', async ({ page, server }) => {
    const probe = await SocketProbe.create(
      page,
      (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
      server.wsUrl,
    );
    await probe.waitFor('open');
    await watchWhenOpen(probe, 'none');
    await expect.poll(() => pageLog(page)).toEqual([{ resolved: 'open' }, { settledBeforeATask: true }]);
  });

  test('rejects with SocketClosedError when close() ends the socket before it opens (server down)', async ({
    page,
    server,
  }) => {
    await server.down(60_000);
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } }),
      server.wsUrl,
    );
    await probe.waitFor('reconnecting');
    await watchWhenOpen(probe, 'none');
    await expect.poll(() => pageLog(page)).toEqual([{ settledBeforeATask: false }]);
    await probe.close();
    await expect
      .poll(() => pageLog(page))
      .toEqual([
        {
          rejected: {
            name: 'SocketClosedError',
            code: 'ERR_SOCKET_CLOSED',
            socketClosedError: true,
            isSignalReason: false,
          },
        },
        { settledBeforeATask: false },
      ]);

    // And once closed, a new call rejects at once.
    await watchWhenOpen(probe, 'none');
    await expect
      .poll(() => pageLog(page))
      .toEqual([
        { rejected: expect.objectContaining({ code: 'ERR_SOCKET_CLOSED', socketClosedError: true }) },
        { settledBeforeATask: true },
      ]);
  });

  test('rejects with SocketClosedError when the socket gives up by itself (maxRetries exhausted)', async ({
    page,
    server,
  }) => {
    server.stallHandshakes(true);
    const probe = await SocketProbe.create(
      page,
      (RS, url) => new RS.ReliableSocket(url, { heartbeat: false, reconnect: { maxRetries: 0 } }),
      server.wsUrl,
    );
    await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
    await watchWhenOpen(probe, 'none');
    server.stallHandshakes(false); // the attempt fails, and no retry is allowed
    await probe.waitForState('closed');
    await expect
      .poll(() => pageLog(page))
      .toEqual([
        { rejected: expect.objectContaining({ code: 'ERR_SOCKET_CLOSED', socketClosedError: true }) },
        { settledBeforeATask: false },
      ]);
  });

  test("rejects with the signal's reason when its AbortController aborts, and stays rejected when the socket opens", async ({
    page,
    server,
  }) => {
    server.stallHandshakes(true);
    const probe = await SocketProbe.create(
      page,
      (RS, url) =>
        new RS.ReliableSocket(url, { heartbeat: false, reconnect: { initialDelayMs: 20, jitter: 'none' } }),
      server.wsUrl,
    );
    await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
    await watchWhenOpen(probe, 'controller');
    await expect.poll(() => pageLog(page)).toEqual([{ settledBeforeATask: false }]);
    await page.evaluate(() => window.testRelease!());
    await expect
      .poll(() => pageLog(page))
      .toEqual([
        { rejected: expect.objectContaining({ isSignalReason: true }) },
        { settledBeforeATask: false },
      ]);

    server.stallHandshakes(false);
    await probe.waitFor('open');
    expect(await pageLog(page)).toHaveLength(2);
  });

  test("an already-aborted signal rejects at once with the signal's reason", async ({ page, server }) => {
    server.stallHandshakes(true);
    const probe = await SocketProbe.create(
      page,
      (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
      server.wsUrl,
    );
    await server.waitFor(() => server.handshakes.length === 1, 'the stalled handshake');
    await watchWhenOpen(probe, 'aborted');
    await expect
      .poll(() => pageLog(page))
      .toEqual([
        { rejected: expect.objectContaining({ isSignalReason: true }) },
        { settledBeforeATask: true },
      ]);
  });
});

test('bad arguments throw in the page, naming the option, with a stable code; nothing connects', async ({
  page,
  server,
  libraryBuild,
}) => {
  const caught = await page.evaluate(
    (url) =>
      [
        () => new window.RS.ReliableSocket('ftp://x'),
        () => new window.RS.ReliableSocket(url, { heartbeat: { intervalMs: -1 } }),
        () => new window.RS.ReliableSocket(url, { reconect: {} } as never),
        () => new window.RS.ReliableSocket(url, { queue: { overflow: 'drop-all' as never } }),
      ].map((construct) => window.catchIn!(construct)),
    server.wsUrl,
  );
  // Both builds throw the same class with the same code, naming the option; the development build also says
  // what the option must be and what it got, the production build gives the code instead.
  const message = (development: RegExp, production: string) =>
    libraryBuild === 'development'
      ? expect.stringMatching(development)
      : `reliable-socket: ${production.replace(/\)$/, `, see ${ERROR_DOCS})`)}`;
  expect(caught[0]).toMatchObject({
    typeError: true,
    code: 'ERR_INVALID_TYPE',
    message: message(/\burl\b.*"ftp:\/\/x"/, 'url (ERR_INVALID_TYPE)'),
  });
  expect(caught[1]).toMatchObject({
    rangeError: true,
    code: 'ERR_OUT_OF_RANGE',
    message: message(/options\.heartbeat\.intervalMs.*-1/, 'options.heartbeat.intervalMs (ERR_OUT_OF_RANGE)'),
  });
  expect(caught[2]).toMatchObject({
    typeError: true,
    code: 'ERR_UNKNOWN_OPTION',
    message: message(/"reconect" \(known: /, 'options.reconect (ERR_UNKNOWN_OPTION)'),
  });
  expect(caught[3]).toMatchObject({
    typeError: true,
    code: 'ERR_INVALID_TYPE',
    message: message(/options\.queue\.overflow.*"drop-all"/, 'options.queue.overflow (ERR_INVALID_TYPE)'),
  });
  expect(await page.evaluate(() => window.pendingTimers!())).toBe(0);

  const probe = await SocketProbe.create(
    page,
    (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }),
    server.wsUrl,
  );
  await probe.waitFor('open');
  const sendObject = await probe.run((socket) => window.catchIn!(() => socket.send({} as never)));
  expect(sendObject).toMatchObject({
    typeError: true,
    code: 'ERR_INVALID_TYPE',
    message: message(/send\(\) data must be .*JSON\.stringify/, 'send() data (ERR_INVALID_TYPE)'),
  });
  expect(await probe.state()).toBe('open');
  expect(server.handshakes, 'only the valid socket connected').toHaveLength(1);
});
