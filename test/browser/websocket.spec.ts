// ReliableWebSocket (reliable-socket/websocket, the built file) where it is more than the native socket: what it
// queues, retries and detects, and how a lost connection ends an instance — or, with reconnectAfterOpen, does not.
import { expect, test } from '../fixture/test.js';
import { openWebSocketPage, WsProbe } from './websocket-kit.js';

test.beforeEach(async ({ page, server }) => {
  await openWebSocketPage(page, server);
});

const summary = (events: Awaited<ReturnType<WsProbe['events']>>) =>
  events.map(({ type, readyState, code, reason, data }) =>
    type === 'close' ? `${type}:${code}:${reason}:${readyState}` : data ? `${type}:${data}` : type,
  );

test('send() while connecting queues the frame for the open connection; the native socket throws', async ({
  page,
  server,
}) => {
  const native = await page.evaluate((url) => {
    try {
      new WebSocket(url).send('x');
      return 'sent';
    } catch (error) {
      return (error as DOMException).name;
    }
  }, server.wsUrl);
  expect(native).toBe('InvalidStateError');
  const probe = await WsProbe.open(page, 'reliable', server.wsUrl);
  const buffered = await probe.run((ws) => {
    ws.send('early');
    return ws.bufferedAmount;
  });
  expect(buffered).toBe(5);
  await probe.waitFor('message');
  expect(summary(await probe.events())).toEqual(['open', 'message:early']);
  expect(server.messages()).toEqual(['early']);
});

test('the heartbeat is off unless configured: no ping reaches a server that would not answer it', async ({
  page,
  server,
}) => {
  await page.clock.install();
  await openWebSocketPage(page, server);
  const quiet = await WsProbe.open(page, 'reliable', `${server.wsUrl}?quiet`);
  const pinging = await WsProbe.open(page, 'reliable', `${server.wsUrl}?pinging`, {
    heartbeat: { intervalMs: 1000, ping: 'ping', pong: 'pong' },
  });
  await quiet.waitFor('open');
  await pinging.waitFor('open');
  await page.clock.runFor(5000);
  await server.waitFor(() => server.received.some((f) => f.heartbeat), 'a ping from the configured socket');
  const pingedFrom = server.received
    .filter((f) => f.heartbeat)
    .map((f) => server.handshakes[f.connection]?.url);
  expect(new Set(pingedFrom)).toEqual(new Set(['/?pinging']));
  expect(await quiet.run((ws) => ws.readyState)).toBe(1);
});

test('a configured heartbeat turns a half-open link into close 1006 "heartbeat timeout": the end of the instance', async ({
  page,
  server,
}) => {
  const probe = await WsProbe.open(page, 'reliable', server.wsUrl, {
    heartbeat: { intervalMs: 300, timeoutMs: 300, ping: 'ping', pong: 'pong' },
    reconnect: { initialDelayMs: 10 },
  });
  await probe.waitFor('open');
  server.halfOpen(true);
  await probe.waitFor('close');
  server.halfOpen(false);
  await page.waitForTimeout(500); // proving a negative: a retry (10 ms away) would have reached the server by now
  expect(summary(await probe.events())).toEqual(['open', 'close:1006:heartbeat timeout:3']);
  expect(server.handshakes).toHaveLength(1);
});

test('failed attempts before the first open are retried without an event, as if the handshake were slow', async ({
  page,
  server,
}) => {
  server.rejectHandshakes(503);
  const probe = await WsProbe.open(page, 'reliable', server.wsUrl, {
    reconnect: { initialDelayMs: 20, jitter: 'none' },
  });
  await server.waitFor(() => server.handshakes.length >= 3, 'three rejected handshakes');
  expect(await probe.run((ws) => ws.readyState)).toBe(0);
  server.rejectHandshakes(undefined);
  await probe.waitFor('open');
  expect(summary(await probe.events())).toEqual(['open']);
});

test('reconnectAfterOpen: the same instance reports each lost connection with close, then open again', async ({
  page,
  server,
}) => {
  const probe = await WsProbe.open(page, 'reliable', server.wsUrl, {
    reconnectAfterOpen: true,
    reconnect: { initialDelayMs: 10 },
  });
  await probe.waitFor('open');
  server.kill();
  await probe.waitFor('open', 2);
  await probe.run((ws) => ws.send('again'));
  await probe.waitFor('message');
  await probe.run((ws) => ws.close(4000, 'done'));
  await probe.waitFor('close', 2);
  expect(summary(await probe.events())).toEqual([
    'open',
    'close:1006::0',
    'open',
    'message:again',
    'close:4000:done:3',
  ]);
  expect(server.handshakes).toHaveLength(2);
});

test('with(): a configured subclass with the (url, protocols) constructor; bad options fail at with()', async ({
  page,
  server,
}) => {
  const shape = await page.evaluate(async (url) => {
    const Configured = window.ReliableWebSocket.with({ connectTimeoutMs: 5000 });
    const ws = new Configured(url, ['chat', 'json']);
    await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
    const thrown = [
      () => window.ReliableWebSocket.with({ heartbeat: { intervalMs: -1 } }),
      () => window.ReliableWebSocket.with({ binaryType: 'blob' } as never),
      () => window.ReliableWebSocket.with({ reconnectAfterOpen: 'yes' } as never),
    ].map((call) => {
      try {
        call();
        return 'returned';
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    ws.close();
    return {
      instance: ws instanceof window.ReliableWebSocket,
      protocol: ws.protocol,
      constants: Configured.OPEN === 1 && 'CLOSED' in Configured,
      thrown,
    };
  }, server.wsUrl);
  expect(shape.instance).toBe(true);
  expect(shape.constants).toBe(true);
  expect(shape.protocol).toBe('chat');
  expect(server.handshakes[0]?.protocols).toEqual(['chat', 'json']);
  expect(shape.thrown).toEqual([
    expect.stringMatching(/^RangeError: .*options\.heartbeat\.intervalMs/),
    expect.stringMatching(/^TypeError: .*options\.binaryType/),
    expect.stringMatching(/^TypeError: .*options\.reconnectAfterOpen/),
  ]);
});
