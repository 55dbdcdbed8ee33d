// The edges of a v2 session on the server (issue 20), each against the real companion server and MemoryBroker
// with raw `ws` peers: a new session is a new seq space, one writer per session (a takeover closes the older
// connection, whose late frames are refused), handlers run only once the broker recorded the frame, a late
// attach, frames sent before `hello`, answers larger than the budget, the outbox bounded in the broker while the
// client is away, and channel positions kept while they can still be asked for.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Broker, SessionLink } from '../../src/server/broker.js';
import { MemoryBroker } from '../../src/server/memory-broker.js';
import { expect, type Frame, type Peer, test } from './server-kit.js';

const hello = async (peer: Peer, extra: Frame = {}): Promise<Frame> => {
  peer.send({ type: 'hello', v: 2, received: 0, ...extra });
  return peer.frame({ type: 'welcome' });
};

/** The real broker with some calls held back: how a slow store (Redis under load) looks to a node. */
function slowed(broker: Broker, delays: { attach?: () => number; processed?: () => number }): Broker {
  const later = <T>(ms: number, call: () => Promise<T>): Promise<T> =>
    new Promise((resolve) => setTimeout(resolve, ms)).then(call);
  const slow: Partial<Broker> = {
    attach: ((id: string | undefined, link: SessionLink, owner: string, attempt?: number) =>
      later(delays.attach?.() ?? 0, () => broker.attach(id, link, owner, attempt))) as Broker['attach'],
    processed: (...args) => later(delays.processed?.() ?? 0, () => broker.processed(...args)),
  };
  return new Proxy(broker, {
    get: (target, key) => {
      const own = slow[key as keyof Broker] ?? Reflect.get(target, key);
      return typeof own === 'function' && !(key in slow) ? own.bind(target) : own;
    },
  });
}

/** Heap in use after a full collection. */
function heapUsed(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

test('a new session after a lost one is a new seq space: its first frames are not taken for ones the client had', async ({
  kit,
}) => {
  const { server, url } = await kit.serve();
  server.on('connection', (client) => {
    for (const n of [1, 2, 3]) client.send('direct', n);
  });
  const peer = await kit.connect(url);
  // The client counted 7 frames in a session this server does not know (it restarted, say).
  const welcome = await hello(peer, { session: 'gone', received: 7 });
  expect(welcome).toMatchObject({ resumed: false, received: 0 });
  await expect
    .poll(() => peer.of('message', 'direct').map((f) => [f.seq, f.data]))
    .toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
});

test('one writer per session: a second connection takes it over, the first is closed with 4409 and its late frames are not handled', async ({
  kit,
}) => {
  const { server, url } = await kit.serve();
  const handled: Array<[number, unknown]> = [];
  server.handle('in', { message: (data, client) => void handled.push([client.id, data]) });
  const first = await kit.connect(url);
  const { session } = await hello(first);
  const second = await kit.connect(url);
  await hello(second, { session });
  // The first connection's frames arrive late (a half-open link releasing what it held).
  for (let seq = 1; seq <= 5; seq++) first.send({ type: 'message', channel: 'in', data: seq, seq });
  for (let seq = 1; seq <= 5; seq++) second.send({ type: 'message', channel: 'in', data: seq, seq });
  expect(await first.closed).toEqual({ code: 4409, reason: 'session taken over' });
  await second.barrier();
  await expect.poll(() => second.of('ack').at(-1)).toEqual({ type: 'ack', seq: 5 });
  const secondId = [...server.clients][0]!.id;
  expect(handled).toEqual([1, 2, 3, 4, 5].map((n) => [secondId, n]));
});

test('a handler runs only after its frame was recorded: a slow record on a node the client left never runs it there', async ({
  kit,
}) => {
  const broker = new MemoryBroker();
  const effects: string[] = [];
  const nodeA = await kit.serve({ broker: slowed(broker, { processed: () => 500 }) });
  const nodeB = await kit.serve({ broker });
  for (const [name, { server }] of [
    ['A', nodeA],
    ['B', nodeB],
  ] as const)
    server.handle('in', {
      message: (data, _c, info) => void effects.push(`${name}:${data}:${info.redelivered}`),
    });
  const onA = await kit.connect(nodeA.url);
  const { session } = await hello(onA);
  onA.send({ type: 'message', channel: 'in', data: 1, seq: 1 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  onA.ws.terminate(); // A is still recording seq 1 when its client moves to B
  const onB = await kit.connect(nodeB.url);
  expect(await hello(onB, { session })).toMatchObject({ resumed: true });
  onB.send({ type: 'message', channel: 'in', data: 1, seq: 1 });
  await expect.poll(() => onB.of('ack').at(-1)).toEqual({ type: 'ack', seq: 1 });
  await new Promise((resolve) => setTimeout(resolve, 700)); // A's record is refused: the session moved on
  expect(effects).toEqual(['B:1:false']);
  await broker.close();
});

test('a late hello takes nothing: the live connection keeps the session, the late one is closed, and what was sent to it reaches the live one', async ({
  kit,
}) => {
  let attaches = 0;
  const broker = new MemoryBroker();
  const { server, url } = await kit.serve({
    broker: slowed(broker, { attach: () => (++attaches === 2 ? 300 : 0) }),
  });
  server.handle('rpc', { request: (data) => `answer ${data}` });
  server.on('connection', (client) => client.send('greeting', `to connection ${client.id}`));
  const first = await kit.connect(url);
  const { session } = await hello(first, { attempt: 1 });
  const late = await kit.connect(url); // the client's second connection: its hello is slow to attach
  late.send({ type: 'hello', v: 2, received: 0, session, attempt: 2 });
  const live = await kit.connect(url); // the client gave up on it and came back on a third
  await hello(live, { session, attempt: 3 });
  live.send({ type: 'request', id: 1, channel: 'rpc', data: 'x', seq: 1 });
  expect(await late.closed).toEqual({ code: 4409, reason: 'session taken over' });
  await expect.poll(() => live.of('response').map((f) => f.data)).toEqual(['answer x']);
  // The greeting sent to the late connection went into the session: the live connection has it.
  await expect
    .poll(() => live.of('message', 'greeting').map((f) => f.data))
    .toEqual(['to connection 1', 'to connection 3', 'to connection 2']);
  expect(live.ws.readyState).toBe(live.ws.OPEN);
  await broker.close();
});

test('frames sent before hello go through the session after welcome; to a v1 client, as they are', async ({
  kit,
}) => {
  const { server, url } = await kit.serve();
  server.on('connection', (client) => client.send('greeting', 'hi'));
  const v2 = await kit.connect(url);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the greeting is ready before the hello comes
  await hello(v2);
  await expect
    .poll(() => v2.of('message', 'greeting'))
    .toEqual([{ type: 'message', channel: 'greeting', data: 'hi', seq: 1 }]);
  expect(v2.frames[0]).toMatchObject({ type: 'welcome' });
  const v1 = await kit.connect(url);
  v1.send({ type: 'ping', id: 1 });
  await expect
    .poll(() => v1.of('message', 'greeting'))
    .toEqual([{ type: 'message', channel: 'greeting', data: 'hi' }]);
});

test('an answer larger than the session budget becomes an error answer: the handler runs once', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ maxBufferedBytes: 64 * 1024 });
  let runs = 0;
  server.handle('rpc', {
    request: () => {
      runs++;
      return 'x'.repeat(100 * 1024);
    },
  });
  const peer = await kit.connect(url);
  await hello(peer);
  peer.send({ type: 'request', id: 1, channel: 'rpc', data: null, seq: 1 });
  const response = await peer.frame({ type: 'response', id: 1 });
  expect(response.error).toMatchObject({ code: 'ERR_RESPONSE_TOO_LARGE' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(runs).toBe(1);
});

test('the outbox of a detached session is bounded in the broker: past the budget the session ends', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ maxBufferedBytes: 1024 * 1024 });
  const peer = await kit.connect(url);
  const { session } = await hello(peer);
  const client = [...server.clients][0]!;
  peer.ws.terminate();
  await expect.poll(() => server.clients.size).toBe(0);
  const before = heapUsed();
  const payload = 'y'.repeat(10 * 1024);
  for (let n = 0; n < 5000; n++) client.send('direct', payload); // 50 MB to a client that is away
  await new Promise((resolve) => setTimeout(resolve, 200));
  const grown = heapUsed() - before;
  expect(grown).toBeLessThan(8 * 1024 * 1024);
  const back = await kit.connect(url);
  expect(await hello(back, { session, received: 0 })).toMatchObject({ resumed: false });
});

test('a channel that was never published on keeps no state, yet a client coming back to it hears no gap', async ({
  kit,
}) => {
  const { url } = await kit.serve();
  const first = await kit.connect(url);
  await hello(first);
  first.send({ type: 'subscribe', channel: 'lab', seq: 1 });
  const { offset, epoch } = await first.frame({ type: 'subscribed', channel: 'lab' });
  first.ws.terminate(); // the last subscriber leaves: the broker lets the channel go
  await new Promise((resolve) => setTimeout(resolve, 100));
  const back = await kit.connect(url);
  await hello(back);
  back.send({ type: 'subscribe', channel: 'lab', seq: 1, since: { offset, epoch } });
  expect(await back.frame({ type: 'subscribed', channel: 'lab' })).toMatchObject({ recovered: true });
});

test('a client seq past a hole handles nothing past it: the connection closes with 1011 and the session waits for the client', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ sessionTtlMs: 300 });
  const handled: unknown[] = [];
  server.handle('in', { message: (data) => void handled.push(data) });
  const peer = await kit.connect(url);
  const { session } = await hello(peer);
  peer.send({ type: 'message', channel: 'in', data: 1, seq: 1 });
  peer.send({ type: 'message', channel: 'in', data: 3, seq: 3 });
  expect(await peer.closed).toEqual({ code: 1011, reason: 'resync' });
  expect(handled).toEqual([1]);
  const back = await kit.connect(url);
  expect(await hello(back, { session })).toMatchObject({ resumed: true, received: 1 });
  // Out of step again, and the client stays away: the session is let go after its TTL, not kept for ever.
  back.send({ type: 'message', channel: 'in', data: 4, seq: 4 });
  expect(await back.closed).toEqual({ code: 1011, reason: 'resync' });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const late = await kit.connect(url);
  expect(await hello(late, { session })).toMatchObject({ resumed: false });
});

test("a session belongs to its owner: another user's hello naming it gets a new session, and the owner keeps hers", async ({
  kit,
}) => {
  const { server, url } = await kit.serve({
    authorize: (request) => ({
      data: null,
      identity: new URL(request.url ?? '', 'ws://x').searchParams.get('user') ?? '',
    }),
  });
  server.handle('rpc', { request: (data, client) => `${data} for ${client.identity}` });
  const alice = await kit.connect(`${url}/?user=alice`);
  const { session } = await hello(alice);
  const mallory = await kit.connect(`${url}/?user=mallory`);
  const stolen = await hello(mallory, { session, received: 0 });
  expect(stolen).toMatchObject({ resumed: false });
  expect(stolen.session).not.toBe(session);
  alice.send({ type: 'request', id: 1, channel: 'rpc', data: 'balance', seq: 1 });
  await expect.poll(() => alice.of('response').map((f) => f.data)).toEqual(['balance for alice']);
  expect(mallory.of('response')).toEqual([]);
  alice.ws.terminate();
  const back = await kit.connect(`${url}/?user=alice`);
  expect(await hello(back, { session })).toMatchObject({ resumed: true, received: 1 });
});

test('while a session is being attached the server reads nothing from the client, and gives up after attachTimeoutMs', async ({
  kit,
}) => {
  const broker = new MemoryBroker();
  const { url } = await kit.serve({
    broker: slowed(broker, { attach: () => 3000 }),
    attachTimeoutMs: 1500,
    maxPayload: 1024 * 1024, // 900 KB frames: this is about what waits in the TCP connection
  });
  const peer = await kit.connect(url);
  const before = heapUsed();
  peer.send({ type: 'hello', v: 2, received: 0 });
  const chunk = 'z'.repeat(900 * 1024);
  for (let seq = 1; seq <= 60; seq++) peer.send({ type: 'message', channel: 'in', data: chunk, seq }); // 54 MB
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(heapUsed() - before).toBeLessThan(16 * 1024 * 1024);
  expect(await peer.closed).toEqual({ code: 1011, reason: 'session unavailable' });
  await broker.close();
});

test('a burst of resubscriptions up to maxSubscriptions is accepted: a channel being recovered counts once', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ maxSubscriptions: 100 });
  for (let n = 0; n < 100; n++) await server.publish(`c${n}`, n);
  const peer = await kit.connect(url);
  await hello(peer);
  for (let n = 0; n < 100; n++)
    peer.send({ type: 'subscribe', channel: `c${n}`, seq: n + 1, since: { offset: 0, epoch: 'x' } });
  await expect.poll(() => peer.of('subscribed').length).toBe(100);
  expect(peer.of('subscribed').filter((f) => f.error)).toEqual([]);
});
