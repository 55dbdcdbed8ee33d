// Who may connect and what they may hear: the origin check, `authorize` with per-client data and its timeout,
// `canSubscribe` (sync, async, failing) with its replies in order, `client.unsubscribe()`, and subscriptions
// that end with their client.

import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ReliableSocketServer, type ServerClient } from '../../src/server/index.js';
import { expect, handshakeStatus, record, test } from './server-kit.js';

const userOf = (request: IncomingMessage): string =>
  new URL(request.url ?? '/', 'http://x').searchParams.get('user') ?? '';

test.describe('origins', () => {
  test('by default only the request’s own origin, or none, may connect; others get 403', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const port = server.port!;
    expect(await handshakeStatus(url)).toBe(101); // no Origin: not a browser
    expect(await handshakeStatus(url, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await handshakeStatus(url, { origin: `https://127.0.0.1:${port}` })).toBe(101);
    for (const origin of [
      'https://evil.example',
      `http://127.0.0.1:${port + 1}`,
      `http://localhost:${port}`,
      'null',
    ])
      expect(await handshakeStatus(url, { origin }), origin).toBe(403);
    await expect.poll(() => named('disconnect').length).toBe(3);
    expect(named('connection')).toHaveLength(3);
  });

  test('DNS rebinding: a loopback server answers only loopback host names; allowedHosts names others', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const port = server.port!;
    const origin = `http://rebind.evil.example:${port}`;
    // The attacker's page is same-origin with itself: only the Host header gives it away.
    expect(await handshakeStatus(url, { origin, headers: { host: `rebind.evil.example:${port}` } })).toBe(
      403,
    );
    expect(await handshakeStatus(url, { headers: { host: `rebind.evil.example:${port}` } })).toBe(403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`])
      expect(await handshakeStatus(url, { headers: { host } }), host).toBe(101);
    const named = await kit.serve({ allowedHosts: ['app.example.com'] });
    expect(await handshakeStatus(named.url, { headers: { host: 'app.example.com' } })).toBe(101);
    expect(await handshakeStatus(named.url, { headers: { host: `127.0.0.1:${named.server.port}` } })).toBe(
      403,
    );
    expect(() => new ReliableSocketServer({ port: 0, allowedHosts: ['app.example.com:443'] })).toThrow(
      /allowedHosts\[0\]/,
    );
  });

  test('the scheme is compared where the request tells it: an http page is not the origin of an https server', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const port = server.port!;
    const forwarded = (proto: string) => ({ 'x-forwarded-proto': proto });
    expect(
      await handshakeStatus(url, { origin: `http://127.0.0.1:${port}`, headers: forwarded('https') }),
    ).toBe(403);
    expect(
      await handshakeStatus(url, { origin: `https://127.0.0.1:${port}`, headers: forwarded('https') }),
    ).toBe(101);
    expect(
      await handshakeStatus(url, { origin: `https://127.0.0.1:${port}`, headers: forwarded('http') }),
    ).toBe(403);
  });

  test('a page on another origin reaches no handler', async ({ kit }) => {
    const seen: unknown[] = [];
    const { server, url } = await kit.serve({ authorize: () => seen.push('authorize') > 0 });
    server.handle('chat', { message: (data) => void seen.push(data), request: (data) => data });
    expect(await handshakeStatus(url, { origin: 'https://evil.example' })).toBe(403);
    expect(seen).toEqual([]);
    expect(server.clients.size).toBe(0);
  });

  test('allowedOrigins widens the check: exact origins, or a function', async ({ kit }) => {
    const listed = await kit.serve({ allowedOrigins: ['https://app.example', 'http://127.0.0.1:1'] });
    expect(await handshakeStatus(listed.url, { origin: 'https://app.example' })).toBe(101);
    expect(await handshakeStatus(listed.url, { origin: 'http://127.0.0.1:1' })).toBe(101);
    expect(await handshakeStatus(listed.url, { origin: 'https://app.example.evil' })).toBe(403);
    const asked: Array<[string, string | undefined]> = [];
    const decided = await kit.serve({
      allowedOrigins: (origin, request) => {
        asked.push([origin, request.url]);
        return origin.endsWith('.example');
      },
    });
    expect(await handshakeStatus(`${decided.url}/live`, { origin: 'https://a.example' })).toBe(101);
    expect(await handshakeStatus(`${decided.url}/live`, { origin: 'https://b.test' })).toBe(403);
    // Its own origin is not asked about.
    expect(await handshakeStatus(decided.url, { origin: `http://127.0.0.1:${decided.server.port}` })).toBe(
      101,
    );
    expect(asked).toEqual([
      ['https://a.example', '/live'],
      ['https://b.test', '/live'],
    ]);
  });

  test('an allowedOrigins function that throws refuses with 500 and emits ERR_AUTHORIZE', async ({ kit }) => {
    const { server, url } = await kit.serve({
      allowedOrigins: () => {
        throw new Error('bug');
      },
    });
    const { named } = record(server);
    expect(await handshakeStatus(url, { origin: 'https://a.example' })).toBe(500);
    expect(named('error').map(([error]) => error)).toEqual([
      expect.objectContaining({ code: 'ERR_AUTHORIZE', option: 'allowedOrigins' }),
    ]);
  });

  test('bad allowedOrigins fail at construction, naming the entry', () => {
    const make = (allowedOrigins: unknown) => () =>
      new ReliableSocketServer({ port: 0, allowedOrigins: allowedOrigins as string[] });
    expect(make('https://app.example')).toThrow(
      'options.allowedOrigins must be an array of origins or a function',
    );
    expect(make(['https://app.example/'])).toThrow('options.allowedOrigins[0] must be an origin');
    expect(make(['https://app.example', 'app.example'])).toThrow(
      'options.allowedOrigins[1] must be an origin',
    );
  });
});

test.describe('authorize', () => {
  test('{ data } accepts and attaches data that handlers and hooks see on the client', async ({ kit }) => {
    const { server, url } = await kit.serve<{ user: string }>({
      authorize: (request) => ({ data: { user: userOf(request) } }),
      canSubscribe: (client, channel) => channel === `user:${client.data.user}`,
    });
    server.handle('whoami', { request: (_data, client) => client.data.user });
    const peer = await kit.connect(`${url}/?user=alice`);
    peer.send({ type: 'request', id: 1, channel: 'whoami' });
    expect((await peer.frame({ type: 'response', id: 1 })).data).toBe('alice');
    expect([...server.clients][0]!.data).toEqual({ user: 'alice' });
    peer.send({ type: 'subscribe', channel: 'user:alice' });
    expect(await peer.frame({ type: 'subscribed' })).toEqual({ type: 'subscribed', channel: 'user:alice' });
  });

  test('an authorize that never settles is answered 503 after authorizeTimeoutMs', async ({ kit }) => {
    let asked = 0;
    const { server, url } = await kit.serve({
      authorizeTimeoutMs: 50,
      authorize: () => {
        asked++;
        return new Promise<boolean>(() => {});
      },
    });
    const statuses = await Promise.all(Array.from({ length: 20 }, () => handshakeStatus(url)));
    expect(statuses).toEqual(Array(20).fill(503));
    expect(asked).toBe(20);
    expect(server.clients.size).toBe(0);
  });
});

test.describe('canSubscribe', () => {
  test('Mallory is refused user:alice and hears none of its messages; Alice gets them', async ({ kit }) => {
    const { server, url } = await kit.serve<{ user: string }>({
      authorize: (request) => ({ data: { user: userOf(request) } }),
      canSubscribe: (client, channel) =>
        !channel.startsWith('user:') || channel === `user:${client.data.user}`,
    });
    const { named } = record(server);
    const alice = await kit.connect(`${url}/?user=alice`);
    const mallory = await kit.connect(`${url}/?user=mallory`);
    alice.send({ type: 'subscribe', channel: 'user:alice' });
    mallory.send({ type: 'subscribe', channel: 'user:alice' });
    mallory.send({ type: 'subscribe', channel: 'news' });
    expect(await alice.frame({ type: 'subscribed' })).toEqual({ type: 'subscribed', channel: 'user:alice' });
    expect(await mallory.frame({ type: 'subscribed', channel: 'user:alice' })).toEqual({
      type: 'subscribed',
      channel: 'user:alice',
      error: { code: 'ERR_SUBSCRIBE_DENIED', message: 'Not allowed to subscribe to "user:alice".' },
    });
    await mallory.frame({ type: 'subscribed', channel: 'news' });
    await server.publish('user:alice', { secret: 1 });
    await alice.frame({ type: 'message', channel: 'user:alice' });
    await mallory.barrier();
    expect(mallory.of('message')).toEqual([]);
    expect(named('subscribe').map(([client, channel]) => `${client.id} ${channel}`)).toEqual([
      '1 user:alice',
      '2 news',
    ]);
  });

  test('asynchronous decisions: replies per channel come in the order of the frames', async ({ kit }) => {
    const pending: Array<{ channel: string; decide: (allowed: boolean) => void }> = [];
    const { server, url } = await kit.serve({
      canSubscribe: (_client, channel) => new Promise<boolean>((decide) => pending.push({ channel, decide })),
    });
    const { named } = record(server);
    const peer = await kit.connect(url);
    for (const [type, channel] of [
      ['subscribe', 'a'],
      ['subscribe', 'b'],
      ['unsubscribe', 'a'],
      ['subscribe', 'a'],
    ])
      peer.send({ type, channel });
    await peer.barrier();
    // The second subscribe to `a` waits for the first to be decided: canSubscribe was asked twice, not three times.
    expect(pending.map((p) => p.channel)).toEqual(['a', 'b']);
    pending[1]!.decide(true);
    await peer.frame({ type: 'subscribed', channel: 'b' });
    pending[0]!.decide(false);
    await expect.poll(() => pending.length).toBe(3);
    expect(pending[2]!.channel).toBe('a');
    pending[2]!.decide(true);
    await expect.poll(() => peer.of('subscribed', 'a').length).toBe(2);
    expect(peer.of('subscribed', 'a').map((f) => (f.error as { code?: string } | undefined)?.code)).toEqual([
      'ERR_SUBSCRIBE_DENIED',
      undefined,
    ]);
    expect([...[...server.clients][0]!.subscriptions]).toEqual(['b', 'a']);
    expect(named('subscribe').map(([, channel]) => channel)).toEqual(['b', 'a']);
    expect(named('unsubscribe')).toEqual([]);
  });

  test('a canSubscribe that throws or rejects refuses with ERR_INTERNAL and emits ERR_CAN_SUBSCRIBE', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({
      canSubscribe: (_client, channel) => {
        if (channel === 'throws') throw new Error('sync bug');
        return Promise.reject(new Error('async bug'));
      },
    });
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'throws' });
    peer.send({ type: 'subscribe', channel: 'rejects' });
    await expect.poll(() => peer.of('subscribed').length).toBe(2);
    expect(peer.of('subscribed').map((f) => (f.error as { code: string }).code)).toEqual([
      'ERR_INTERNAL',
      'ERR_INTERNAL',
    ]);
    expect(named('error').map(([error]) => [error.code, (error.cause as Error).message])).toEqual([
      ['ERR_CAN_SUBSCRIBE', 'sync bug'],
      ['ERR_CAN_SUBSCRIBE', 'async bug'],
    ]);
    expect(named('subscribe')).toEqual([]);
  });

  test('a client that leaves while its subscription is being decided is not kept', async ({ kit }) => {
    let decide!: (allowed: boolean) => void;
    const { server, url } = await kit.serve({
      canSubscribe: () => new Promise<boolean>((resolve) => (decide = resolve)),
    });
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'news' });
    await expect.poll(() => decide).toBeDefined();
    peer.ws.terminate();
    await expect.poll(() => named('disconnect').length).toBe(1);
    decide(true);
    const other = await kit.connect(url);
    await other.barrier();
    expect(named('subscribe')).toEqual([]);
  });
});

test.describe('subscriptions the server ends', () => {
  test('client.unsubscribe() tells the client, emits unsubscribe, and stops its messages', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'room' });
    await peer.frame({ type: 'subscribed', channel: 'room' });
    const [client] = [...server.clients] as ServerClient[];
    expect(client!.unsubscribe('room', 'kicked')).toBe(true);
    expect(client!.unsubscribe('room')).toBe(false);
    expect(client!.unsubscribe('never')).toBe(false);
    expect(await peer.frame({ type: 'unsubscribed' })).toEqual({
      type: 'unsubscribed',
      channel: 'room',
      reason: 'kicked',
    });
    await server.publish('room', 1);
    expect(client!.subscriptions.size).toBe(0);
    expect(named('unsubscribe').map(([c, channel]) => [c.id, channel])).toEqual([[1, 'room']]);
    await peer.barrier();
    expect(peer.of('unsubscribed')).toHaveLength(1);
    expect(peer.of('message')).toEqual([]);
  });

  test('a subscribe listener that ends the subscription at once: the client hears the reply, then the end', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    server.on('subscribe', (client, channel) => client.unsubscribe(channel, 'not today'));
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'room' });
    await peer.frame({ type: 'unsubscribed' });
    expect(peer.frames.filter((f) => f.channel === 'room').map((f) => f.type)).toEqual([
      'subscribed',
      'unsubscribed',
    ]);
  });

  test('a disconnected client is dropped from the channel index: nothing keeps it alive', async ({ kit }) => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { server, url } = await kit.serve();
    // In a function of its own, so that no variable of the test holds the server's client object.
    const watch = async (): Promise<WeakRef<object>> => {
      const peer = await kit.connect(url);
      peer.send({ type: 'subscribe', channel: 'news' });
      await peer.frame({ type: 'subscribed' });
      const ref = new WeakRef([...server.clients][0]!);
      peer.ws.close();
      await expect.poll(() => server.clients.size).toBe(0);
      return ref;
    };
    const ref = await watch();
    await expect
      .poll(() => {
        gc();
        return ref.deref() === undefined;
      })
      .toBe(true);
  });
});
