// Who gets in, and for how long (issue 21): connections per address and in total (handshakes under way count),
// new sessions per address and per owner, credentials that expire, refusals the server reports (`refused`)
// and — with `refusal: 'close'` — says in a close code the page can read. Real `ws` clients on 127.0.0.1.
import { once } from 'node:events';
import net from 'node:net';
import type { Broker, SessionLink } from '../../src/server/broker.js';
import type { RefusedInfo } from '../../src/server/index.js';
import { MemoryBroker } from '../../src/server/memory-broker.js';
import { expect, type Frame, handshakeStatus, type Kit, type Peer, test } from './server-kit.js';

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

// Sessions started together while the broker is slow to attach (a Redis round trip under load): the place a
// hello may take is reserved when it is checked, and given back when the attach resumes a session or fails.

/** The memory broker with `attach` held back 200 ms, and failing (rejecting) while `failing` says so. */
function slowAttach(broker: MemoryBroker, failing: () => boolean = () => false): Broker {
  const attach = (async (id: string | undefined, link: SessionLink, owner: string, attempt?: number) => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (failing()) throw new Error('store unavailable');
    return broker.attach(id, link, owner, attempt);
  }) as Broker['attach'];
  return new Proxy(broker, {
    get: (target, key) => {
      if (key === 'attach') return attach;
      const own = Reflect.get(target, key);
      return typeof own === 'function' ? own.bind(target) : own;
    },
  });
}

/** `count` connections that say hello at once: how many were welcomed, and how the others were closed. */
async function hellosAtOnce(kit: Kit, url: string, count: number) {
  const peers = await Promise.all(Array.from({ length: count }, () => kit.connect(url)));
  const closes = peers.map(() => undefined as string | undefined);
  peers.forEach((peer, i) => {
    void peer.closed.then(({ code, reason }) => {
      closes[i] = `${code} ${reason}`;
    });
  });
  for (const peer of peers) await hello(peer);
  const outcome = (peer: Peer, i: number) => {
    const welcome = peer.of('welcome')[0];
    return welcome ? `welcome resumed:${welcome.resumed}` : closes[i];
  };
  await expect.poll(() => peers.every((peer, i) => outcome(peer, i) !== undefined)).toBe(true);
  const outcomes: Record<string, number> = {};
  peers.forEach((peer, i) => {
    const key = outcome(peer, i)!;
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  });
  return outcomes;
}

test('maxSessionsPerAddress 2, attach taking 200 ms: of 20 hellos sent at once 2 get a session, 18 are closed with 1013', async ({
  kit,
}) => {
  const broker = new MemoryBroker();
  const { server, url } = await kit.serve({ broker: slowAttach(broker), maxSessionsPerAddress: 2 });
  const outcomes = await hellosAtOnce(kit, url, 20);
  // Before the place was reserved at the check: all 20 welcomed (every check ran before any attach ended).
  expect(outcomes).toEqual({ 'welcome resumed:false': 2, '1013 too many sessions': 18 });
  expect([...server.clients].filter((client) => client.session !== undefined)).toHaveLength(2);
  await broker.close();
});

test('a hello that resumes a session while the quota has room is welcomed (resumed) and gives its place back; so does a failed attach', async ({
  kit,
}) => {
  let failing = false;
  const broker = new MemoryBroker();
  const { server, url } = await kit.serve({
    broker: slowAttach(broker, () => failing),
    maxSessionsPerAddress: 2,
  });
  const errors: unknown[] = [];
  server.on('error', (error) => errors.push(error));
  const first = await kit.connect(url);
  await hello(first);
  const { session } = await first.frame({ type: 'welcome' });
  first.ws.terminate();
  // Resumed twice, dropped in between: each takes the second place while it attaches, and gives it back.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const again = await kit.connect(url);
    await hello(again, { session, attempt });
    expect(await again.frame({ type: 'welcome' })).toMatchObject({ session, resumed: true });
    again.ws.terminate();
    await again.closed;
  }
  // Attaches that fail make no session either: the client is told to retry, and the place is free again.
  failing = true;
  const failed = await kit.connect(url);
  await hello(failed);
  expect(await failed.closed).toEqual({ code: 1011, reason: 'session unavailable' });
  expect(errors).toHaveLength(1); // reported as a BrokerError
  failing = false;
  // One session so far: of 5 hellos at once, one more gets a place.
  const outcomes = await hellosAtOnce(kit, url, 5);
  expect(outcomes).toEqual({ 'welcome resumed:false': 1, '1013 too many sessions': 4 });
  await broker.close();
});

// The byte budget of history replays is kept per client address, across its connections: another address
// does not share it.

test('replays: a second connection from an address that spent its byte budget waits for it; another address gets its replay at once', async ({
  kit,
}) => {
  // 10 publications of 10 KB (one replay: ~101 KB); 100 KB at once, then 40 KB/s: a second replay puts the
  // address ~2.5 s in debt.
  const { server, url } = await kit.serve({
    history: { maxMessages: 10, maxBytes: 1024 * 1024 },
    rateLimit: { bytesPerSecond: 40_000, burstBytes: 100_000 },
    clientAddress: (request) => String(request.headers['x-addr']),
  });
  server.on('error', () => {});
  let last: Promise<{ epoch: string }> | undefined;
  for (let i = 0; i < 10; i++) last = server.publish('feed', 'x'.repeat(10_000));
  const { epoch } = await last!;
  const from = (address: string) => kit.connect(url, { headers: { 'x-addr': address } });
  const since = { offset: 0, epoch };
  const replays = (peer: Peer) => peer.of('message', 'feed').length;

  const a1 = await from('A');
  await hello(a1);
  await a1.frame({ type: 'welcome' });
  a1.send({ type: 'subscribe', channel: 'feed', seq: 1, since });
  a1.send({ type: 'unsubscribe', channel: 'feed', seq: 2 });
  a1.send({ type: 'subscribe', channel: 'feed', seq: 3, since });
  await expect.poll(() => a1.of('subscribed', 'feed').length).toBe(2);
  expect(replays(a1)).toBe(20);

  // Another connection from A, a new session: its replay waits until A's budget has refilled.
  const a2 = await from('A');
  await hello(a2);
  a2.send({ type: 'subscribe', channel: 'feed', seq: 1, since });
  // Long enough for the replay to come if nothing held it back (it takes a few ms); A's debt lasts ~2.5 s.
  for (const until = Date.now() + 300; Date.now() < until && replays(a2) === 0; )
    await new Promise((resolve) => setTimeout(resolve, 10));
  const b = await from('B');
  await hello(b);
  b.send({ type: 'subscribe', channel: 'feed', seq: 1, since });
  await expect.poll(() => b.of('subscribed', 'feed').length).toBe(1);
  expect(replays(b)).toBe(10);
  // B had its replay while A's second connection still waits for its own.
  expect({ subscribed: a2.of('subscribed', 'feed').length, replayed: replays(a2) }).toEqual({
    subscribed: 0,
    replayed: 0,
  });
  // Slowed, not refused: it comes once A's budget allows.
  await expect.poll(() => replays(a2), { timeout: 10_000 }).toBe(10);
  await expect.poll(() => a2.of('subscribed', 'feed').length).toBe(1);
  expect(a2.ws.readyState).toBe(a2.ws.OPEN);
});
