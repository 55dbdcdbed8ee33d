// Protocol v2 on the server, against the real companion server with raw `ws` peers that speak the wire
// protocol by hand: the session handshake, frames handled once per seq and acknowledged in batches, a session
// resumed on a new connection (what the server processed, what it still owes the client, acked in part), a lost
// session (redelivered), replay `since` a position and why it can fail, the session TTL, the budget of what a
// client leaves unacknowledged, and frames that make no sense in v2.
import { MemoryBroker } from '../../src/server/memory-broker.js';
import type { FrameInfo } from '../../src/server/types.js';
import { expect, type Peer, record, test } from './server-kit.js';

type Frame = Record<string, unknown>;
const welcomeOf = (peer: Peer) => peer.frame({ type: 'welcome' });

/** Says hello and waits for the welcome. */
async function hello(peer: Peer, extra: Frame = {}): Promise<Frame> {
  peer.send({ type: 'hello', v: 2, received: 0, ...extra });
  return welcomeOf(peer);
}

test.describe('protocol v2', () => {
  test('hello → welcome; each seq is handled once, duplicates are acknowledged again, acks come in one batch', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const seen: Array<[unknown, FrameInfo]> = [];
    server.handle('in', { message: (data, _client, info) => void seen.push([data, info]) });
    const peer = await kit.connect(url);
    const welcome = await hello(peer);
    expect(welcome).toMatchObject({ v: 2, resumed: false, received: 0 });
    expect(typeof welcome.session).toBe('string');
    expect([...server.clients][0]!.session).toBe(welcome.session);
    for (let seq = 1; seq <= 5; seq++) peer.send({ type: 'message', channel: 'in', data: seq, seq });
    peer.send({ type: 'message', channel: 'in', data: 'again', seq: 3 });
    await expect.poll(() => peer.of('ack')).toEqual([{ type: 'ack', seq: 5 }]);
    expect(seen).toEqual([1, 2, 3, 4, 5].map((n) => [n, { redelivered: false }]));
  });

  test('a resumed session: the server says what it processed, ignores what it has, and re-sends what the client lacks', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const seen: unknown[] = [];
    let release!: () => void;
    server.handle('in', { message: (data) => void seen.push(data) });
    server.handle('rpc', {
      request: (data) =>
        data === 'slow'
          ? new Promise((resolve) => (release = () => resolve('late answer')))
          : `answer ${data}`,
    });
    const first = await kit.connect(url);
    const { session } = await hello(first);
    first.send({ type: 'request', id: 1, channel: 'rpc', data: 'a', seq: 1 });
    first.send({ type: 'request', id: 2, channel: 'rpc', data: 'b', seq: 2 });
    first.send({ type: 'request', id: 3, channel: 'rpc', data: 'slow', seq: 3 });
    first.send({ type: 'message', channel: 'in', data: 'm4', seq: 4 });
    await expect.poll(() => first.of('response').length).toBe(2);
    await expect.poll(() => seen).toEqual(['m4']);
    first.ws.terminate(); // the client got responses 1 and 2, but acknowledged only the first
    await expect.poll(() => server.clients.size).toBe(0);
    release(); // answered while the client is away: kept in the session

    const second = await kit.connect(url);
    const welcome = await hello(second, { session, received: 1 });
    expect(welcome).toEqual({
      type: 'welcome',
      v: 2,
      session,
      resumed: true,
      received: 4,
      limits: { requests: 100 },
    });
    // Re-sent by the client (it had no ack for them): ignored; a new one is handled.
    second.send({ type: 'message', channel: 'in', data: 'm4 again', seq: 4 });
    second.send({ type: 'message', channel: 'in', data: 'm5', seq: 5 });
    await expect
      .poll(() => second.of('response').map((r) => [r.seq, r.id, r.data]))
      .toEqual([
        [2, 2, 'answer b'],
        [3, 3, 'late answer'],
      ]);
    await expect.poll(() => seen).toEqual(['m4', 'm5']);
  });

  test('an unknown or expired session: a new one; frames re-sent to it reach handlers flagged redelivered', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ sessionTtlMs: 50 });
    const seen: Array<[unknown, FrameInfo]> = [];
    server.handle('in', { message: (data, _client, info) => void seen.push([data, info]) });
    const first = await kit.connect(url);
    const { session } = await hello(first);
    first.ws.terminate();
    await new Promise((resolve) => setTimeout(resolve, 200)); // longer than the TTL
    const second = await kit.connect(url);
    const welcome = await hello(second, { session });
    expect(welcome.resumed).toBe(false);
    expect(welcome.session).not.toBe(session);
    second.send({ type: 'message', channel: 'in', data: 'again?', seq: 1, redelivered: true });
    await expect.poll(() => seen).toEqual([['again?', { redelivered: true }]]);
  });

  test('subscribe since a position replays what was missed, then replies; or says why it cannot (epoch, trimmed)', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ history: { maxMessages: 3 } });
    const first = await kit.connect(url);
    await hello(first);
    first.send({ type: 'subscribe', channel: 'news', seq: 1 });
    const reply = await first.frame({ type: 'subscribed' });
    expect(reply).toMatchObject({ channel: 'news', offset: 0 });
    const { epoch } = reply;
    for (let n = 1; n <= 5; n++) await server.publish('news', n); // history keeps 3, 4, 5
    await expect
      .poll(() => first.of('message').map((m) => [m.offset, m.data]))
      .toEqual([
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
        [5, 5],
      ]);
    const since = async (offset: number, epochOf: unknown) => {
      const peer = await kit.connect(url);
      await hello(peer);
      peer.send({ type: 'subscribe', channel: 'news', seq: 1, since: { offset, epoch: epochOf } });
      await peer.frame({ type: 'subscribed' });
      await peer.barrier();
      return peer.frames.filter((f) => f.type === 'message' || f.type === 'subscribed');
    };
    expect(await since(3, epoch)).toEqual([
      { type: 'message', channel: 'news', offset: 4, epoch, data: 4 },
      { type: 'message', channel: 'news', offset: 5, epoch, data: 5 },
      { type: 'subscribed', channel: 'news', offset: 5, epoch, recovered: true },
    ]);
    expect(await since(1, epoch)).toEqual([
      { type: 'subscribed', channel: 'news', offset: 5, epoch, recovered: false, reason: 'trimmed' },
    ]);
    expect(await since(5, 'another epoch')).toEqual([
      { type: 'subscribed', channel: 'news', offset: 5, epoch, recovered: false, reason: 'epoch' },
    ]);
  });

  test('subscribe since a position in a lost epoch: the reply says so from the new epoch’s start, and the new epoch follows', async ({
    kit,
  }) => {
    // After a store loss (a node restarted on memory, Redis restarted) the client's position is in an epoch that
    // is gone; what the new epoch published before its subscription took effect was missed too, and must come.
    const { server, url } = await kit.serve();
    await server.publish('news', 1);
    await server.publish('news', 2);
    const peer = await kit.connect(url);
    await hello(peer);
    peer.send({ type: 'subscribe', channel: 'news', seq: 1, since: { offset: 7, epoch: 'a lost epoch' } });
    const reply = await peer.frame({ type: 'subscribed' });
    await server.publish('news', 3);
    await expect.poll(() => peer.of('message').length).toBe(3);
    const { epoch } = reply;
    expect(peer.frames.filter((f) => f.type === 'message' || f.type === 'subscribed')).toEqual([
      { type: 'subscribed', channel: 'news', offset: 0, epoch, recovered: false, reason: 'epoch' },
      { type: 'message', channel: 'news', offset: 1, epoch, data: 1 },
      { type: 'message', channel: 'news', offset: 2, epoch, data: 2 },
      { type: 'message', channel: 'news', offset: 3, epoch, data: 3 },
    ]);
  });

  test('the except of a publication gets a skip (position, no data), live and in a replay on a new connection', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const first = await kit.connect(url);
    const { session } = await hello(first);
    first.send({ type: 'subscribe', channel: 'chat', seq: 1 });
    const { epoch } = await first.frame({ type: 'subscribed' });
    const [sender] = [...server.clients];
    await server.publish('chat', 'mine', { except: sender! });
    await server.publish('chat', 'theirs');
    await first.barrier();
    expect(first.frames.filter((f) => f.type === 'skip' || f.type === 'message')).toEqual([
      { type: 'skip', channel: 'chat', offset: 1, epoch },
      { type: 'message', channel: 'chat', offset: 2, epoch, data: 'theirs' },
    ]);
    first.ws.terminate();
    const second = await kit.connect(url);
    await hello(second, { session });
    second.send({ type: 'subscribe', channel: 'chat', seq: 2, since: { offset: 0, epoch } });
    await second.frame({ type: 'subscribed' });
    expect(second.frames.filter((f) => f.type === 'skip' || f.type === 'message').map((f) => f.type)).toEqual(
      ['skip', 'message'],
    );
  });

  test('a client that never acknowledges what is sent to it costs a bounded amount: closed with 1013', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ maxBufferedBytes: 64 * 1024 });
    const { named } = record(server);
    const peer = await kit.connect(url);
    await hello(peer);
    const [client] = [...server.clients];
    const data = 'x'.repeat(1000);
    for (let i = 0; i < 100; i++) client!.send('notice', data);
    expect(await peer.closed).toEqual({ code: 1013, reason: 'too much unacknowledged' });
    expect(peer.of('message').length).toBeLessThan(100);
    await expect.poll(() => named('disconnect').length).toBe(1);
  });

  test('frames that make no sense in v2 are malformed: a sequenced frame without seq, a second hello', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const peer = await kit.connect(url);
    await hello(peer);
    peer.send({ type: 'message', channel: 'in', data: 1 });
    peer.send({ type: 'hello', v: 2, received: 0 });
    await expect.poll(() => named('malformed').length).toBe(2);
    expect(peer.of('error').map((f) => f.code)).toEqual(['ERR_MALFORMED_FRAME', 'ERR_MALFORMED_FRAME']);
  });

  test('a broker that fails to attach the session: a BrokerError, nothing handled, the client closed with 1011 to come back', async ({
    kit,
  }) => {
    const broker = new (class extends MemoryBroker {
      override attach(): Promise<never> {
        return Promise.reject(new Error('store unreachable'));
      }
    })();
    const { server, url } = await kit.serve({ broker });
    const errors: Array<{ code: string; cause: unknown }> = [];
    server.on('error', (error) => errors.push(error as unknown as { code: string; cause: unknown }));
    const seen: unknown[] = [];
    server.handle('in', { message: (data) => void seen.push(data) });
    const peer = await kit.connect(url);
    peer.send({ type: 'hello', v: 2, received: 0 });
    peer.send({ type: 'message', channel: 'in', data: 'early', seq: 1 }); // waits for the session, which never comes
    expect(await peer.closed).toEqual({ code: 1011, reason: 'session unavailable' });
    expect(errors.map((error) => error.code)).toEqual(['ERR_BROKER']);
    expect((errors[0]!.cause as Error).message).toBe('store unreachable');
    expect(peer.of('welcome')).toEqual([]);
    expect(seen).toEqual([]);
  });
});
