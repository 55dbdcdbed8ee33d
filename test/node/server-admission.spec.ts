// Who gets in, and for how long (issue 21): connections per address and in total (handshakes under way count),
// new sessions per address and per owner, credentials that expire, refusals the server reports (`refused`)
// and — with `refusal: 'close'` — says in a close code the page can read. Real `ws` clients on 127.0.0.1.
import { once } from 'node:events';
import net from 'node:net';
import type { RefusedInfo } from '../../src/server/index.js';
import { expect, type Frame, handshakeStatus, type Peer, test } from './server-kit.js';

const hello = async (peer: Peer, extra: Frame = {}): Promise<void> => {
  peer.send({ type: 'hello', v: 2, received: 0, ...extra });
};

const refusals = (server: { on(event: 'refused', listener: (info: RefusedInfo) => void): unknown }) => {
  const seen: Array<Pick<RefusedInfo, 'reason' | 'status' | 'address'>> = [];
  server.on('refused', ({ reason, status, address }) => seen.push({ reason, status, address }));
  return seen;
};

test('past maxConnectionsPerAddress an address is refused with 429 — handshakes waiting for authorize count — and gets in again once one leaves', async ({
  kit,
}) => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { server, url } = await kit.serve({
    maxConnectionsPerAddress: 3,
    authorize: async (request) => {
      if (request.url?.includes('slow')) await gate;
      return true;
    },
  });
  const seen = refusals(server);
  const first = await kit.connect(url);
  await kit.connect(url);
  // Stalled in authorize: it holds its place all the same.
  const stalled = kit.connect(`${url}/?slow`);
  await expect.poll(() => seen.length + server.clients.size).toBe(2);
  expect(await handshakeStatus(url)).toBe(429);
  expect(seen).toEqual([{ reason: 'too-many-connections-from-address', status: 429, address: '127.0.0.1' }]);
  release();
  await stalled;
  first.ws.close();
  await expect.poll(() => handshakeStatus(url)).toBe(101);
});

test('past maxConnections the node refuses with 503; a custom clientAddress separates users behind one proxy', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({
    maxConnections: 3,
    maxConnectionsPerAddress: 1,
    clientAddress: (request) => String(request.headers['x-user-address']),
  });
  const seen = refusals(server);
  const as = (address: string) => ({ headers: { 'x-user-address': address } });
  await kit.connect(url, as('10.0.0.1'));
  expect(await handshakeStatus(url, as('10.0.0.1'))).toBe(429);
  await kit.connect(url, as('10.0.0.2'));
  await kit.connect(url, as('10.0.0.3'));
  expect(await handshakeStatus(url, as('10.0.0.4'))).toBe(503);
  expect(seen.map(({ reason, address }) => `${reason} ${address}`)).toEqual([
    'too-many-connections-from-address 10.0.0.1',
    'too-many-connections 10.0.0.4',
  ]);
});

test('past maxSessionsPerAddress a hello is closed with 1013 and no session is made; resuming one is not a new one', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ maxSessionsPerAddress: 2 });
  const sessions: string[] = [];
  for (let i = 0; i < 2; i++) {
    const peer = await kit.connect(url);
    await hello(peer);
    sessions.push(String((await peer.frame({ type: 'welcome' })).session));
    peer.ws.terminate();
  }
  const third = await kit.connect(url);
  await hello(third);
  expect(await third.closed).toEqual({ code: 1013, reason: 'too many sessions' });
  expect(third.of('welcome')).toEqual([]);
  expect([...server.clients].filter((client) => client.session !== undefined)).toEqual([]);
});

test('maxSessionsPerOwner counts an owner across addresses; clients without an owner are counted per address only', async ({
  kit,
}) => {
  const { url } = await kit.serve({
    maxSessionsPerOwner: 1,
    authorize: (request) => {
      const user = new URL(request.url ?? '/', 'http://x').searchParams.get('user');
      return user ? { data: undefined, identity: user } : true;
    },
  });
  const ann = await kit.connect(`${url}/?user=ann`);
  await hello(ann);
  await ann.frame({ type: 'welcome' });
  const annAgain = await kit.connect(`${url}/?user=ann`);
  await hello(annAgain);
  expect(await annAgain.closed).toEqual({ code: 1013, reason: 'too many sessions' });
  const bob = await kit.connect(`${url}/?user=bob`);
  await hello(bob);
  await bob.frame({ type: 'welcome' });
  for (let i = 0; i < 3; i++) {
    const anonymous = await kit.connect(url);
    await hello(anonymous);
    await anonymous.frame({ type: 'welcome' });
  }
});

test('credentials that expire close the connection with 4401; ones already expired are refused (401, reason "expired")', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({
    authorize: (request) => ({
      data: undefined,
      expiresAt: request.url?.includes('stale') ? new Date(Date.now() - 1) : Date.now() + 300,
    }),
  });
  const seen = refusals(server);
  const peer = await kit.connect(url);
  const at = Date.now();
  expect(await peer.closed).toEqual({ code: 4401, reason: 'credentials expired' });
  expect(Date.now() - at).toBeGreaterThanOrEqual(200);
  expect(await handshakeStatus(`${url}/?stale`)).toBe(401);
  expect(seen.map(({ reason, status }) => `${reason} ${status}`)).toEqual(['expired 401']);
});

test("refusal: 'close' completes refused handshakes and closes them with 4401 / 4403; origin refusals stay HTTP 403", async ({
  kit,
}) => {
  const { server, url } = await kit.serve({
    refusal: 'close',
    authorize: (request) => (request.url?.includes('banned') ? 403 : !!request.url?.includes('ok')),
  });
  const seen = refusals(server);
  const connections: number[] = [];
  server.on('connection', (client) => connections.push(client.id));
  const anonymous = await kit.connect(url);
  expect(await anonymous.closed).toEqual({ code: 4401, reason: 'unauthorized' });
  const banned = await kit.connect(`${url}/?banned`);
  expect(await banned.closed).toEqual({ code: 4403, reason: 'forbidden' });
  expect(await handshakeStatus(`${url}/?ok`, { origin: 'https://evil.example' })).toBe(403);
  expect(seen.map(({ reason, status }) => `${reason} ${status}`)).toEqual([
    'unauthorized 4401',
    'forbidden 4403',
    'origin 403',
  ]);
  expect(connections).toEqual([]);
});

test('every refusal is a refused event: path, host, authorize failing or too slow', async ({ kit }) => {
  const { server, url } = await kit.serve({
    path: '/live',
    authorizeTimeoutMs: 100,
    authorize: async (request) => {
      if (request.url?.includes('throw')) throw new Error('boom');
      if (request.url?.includes('slow')) await new Promise((resolve) => setTimeout(resolve, 1000));
      return true;
    },
  });
  server.on('error', () => {});
  const seen = refusals(server);
  expect(await handshakeStatus(`${url}/other`)).toBe(404);
  expect(await handshakeStatus(`${url}/live`, { headers: { Host: 'rebind.evil.example' } })).toBe(403);
  expect(await handshakeStatus(`${url}/live?throw`)).toBe(500);
  expect(await handshakeStatus(`${url}/live?slow`)).toBe(503);
  expect(seen.map(({ reason, status }) => `${reason} ${status}`)).toEqual([
    'path 404',
    'host 403',
    'authorize-failed 500',
    'authorize-timeout 503',
  ]);
});

test('upgrade headers that take longer than handshakeTimeoutMs are cut', async ({ kit }) => {
  const { server } = await kit.serve({ handshakeTimeoutMs: 1000 });
  const socket = net.connect(server.port!, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {}); // a drip may meet the cut (EPIPE)
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  const drip = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
  const at = Date.now();
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(drip);
  socket.destroy();
  // Node looks at most once a second; before this option, Node's own 60 s default applied.
  expect(Date.now() - at).toBeGreaterThanOrEqual(900);
  expect(Date.now() - at).toBeLessThan(10_000);
});
