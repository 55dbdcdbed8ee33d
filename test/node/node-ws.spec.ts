/**
 * The same ReliableSocket class runs in Node with `ws` passed as its `WebSocket` option: it connects,
 * heartbeats (pongs give an RTT), reconnects after the server cuts it off, and after `close()` leaves no
 * timer or socket behind that would keep Node alive.
 */
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import { ReliableSocket } from '../../src/index.js';
import { FixtureServer } from '../fixture/fixture-server.js';

/** Node's live handles of the kinds a socket could leak: timers and TCP sockets. */
function handles(): { timers: number; sockets: number } {
  const info = process.getActiveResourcesInfo();
  return {
    timers: info.filter((kind) => kind === 'Timeout').length,
    sockets: info.filter((kind) => kind === 'TCPSocketWrap').length,
  };
}

let server: FixtureServer;
test.beforeEach(async () => {
  server = await FixtureServer.start();
});
test.afterEach(async () => {
  await server.close();
});

test('with `ws` as its WebSocket: connects, heartbeats, reconnects after a kill, and closes cleanly', async () => {
  const before = handles();
  const socket = new ReliableSocket(server.wsUrl, {
    // Exactly as the docs say (options.ts, and the error message when no WebSocket exists). This line does
    // not type-check: `WebSocketConstructor` (src/options.ts) must build a DOM `WebSocket`, and the `ws`
    // client lacks `dispatchEvent` (it is no EventTarget), though the SDK never calls it. It runs fine.
    WebSocket,
    heartbeat: { intervalMs: 200, timeoutMs: 1000 },
    reconnect: { initialDelayMs: 100, jitter: 'none' },
  });
  const events: string[] = [];
  const rtts: number[] = [];
  socket.on('open', () => events.push('open'));
  socket.on('close', ({ code, willReconnect }) => events.push(`close ${code} ${willReconnect}`));
  socket.on('reconnecting', ({ attempt }) => events.push(`reconnecting ${attempt}`));
  socket.on('heartbeat', ({ rttMs }) => rtts.push(rttMs));
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(data));

  await expect.poll(() => socket.state).toBe('open');
  socket.send('hello from node');
  await expect.poll(() => messages).toEqual(['hello from node']);

  await expect.poll(() => rtts.length).toBeGreaterThanOrEqual(1);
  expect(typeof rtts[0]).toBe('number');
  expect(rtts[0]).toBeGreaterThanOrEqual(0);
  expect(server.received.filter((f) => f.heartbeat).length).toBeGreaterThanOrEqual(1);

  server.kill();
  await expect.poll(() => events.filter((e) => e === 'open').length).toBe(2);
  expect(events).toEqual(['open', 'close 1006 true', 'reconnecting 1', 'open']);
  expect(server.handshakes).toHaveLength(2);
  expect(messages).toEqual(['hello from node']); // pongs never reached the app

  socket.close();
  await expect.poll(() => socket.state).toBe('closed');
  expect(events.at(-1)).toBe('close 1000 false');
  // Nothing of the socket's is left to keep Node alive: no timer, no TCP socket (the client's, or the
  // fixture's side of it) beyond what there was before it was created. (Not expect.poll: it holds a timer.)
  const same = (): boolean => JSON.stringify(handles()) === JSON.stringify(before);
  await server.waitFor(same, 'no timer or TCP socket left behind', 5000).catch(() => {});
  expect(handles()).toEqual(before);
});
