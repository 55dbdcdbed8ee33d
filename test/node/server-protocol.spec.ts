import { type HandlerError, PublicError } from '../../src/server/errors.js';
import {
  MemoryBroker,
  type Publication,
  type ReliableSocketServer,
  type ServerClient,
} from '../../src/server/index.js';
import { expect, record, test } from './server-kit.js';

test.describe('the protocol', () => {
  test('answers app-level pings with a pong of the same id', async ({ kit }) => {
    const { url } = await kit.serve();
    const peer = await kit.connect(url);
    peer.send({ type: 'ping', id: 7 });
    expect(await peer.frame({ type: 'pong' })).toEqual({ type: 'pong', id: 7 });
  });

  test('tracks subscriptions, idempotently, and publish() reaches subscribers only', async ({ kit }) => {
    // The broker says when this node lets go of a channel: the last subscriber gone, by unsubscribe or close.
    const ended: string[] = [];
    const broker = new (class extends MemoryBroker {
      override async subscribe(channel: string, deliver: (publication: Publication) => void) {
        const end = await super.subscribe(channel, deliver);
        return async () => {
          ended.push(channel);
          await end();
        };
      }
    })();
    const { server, url } = await kit.serve({ broker });
    const { named } = record(server);
    const [a, b, c] = [await kit.connect(url), await kit.connect(url), await kit.connect(url)];
    const [clientA] = [...server.clients];
    a.send({ type: 'subscribe', channel: 'news' });
    a.send({ type: 'subscribe', channel: 'news' });
    c.send({ type: 'subscribe', channel: 'news' });
    b.send({ type: 'subscribe', channel: 'other' });
    await Promise.all([a.barrier(), b.barrier(), c.barrier()]);
    expect([...clientA!.subscriptions]).toEqual(['news']);
    expect(named('subscribe').map(([client, channel]) => `${client.id} ${channel}`)).toEqual([
      '1 news',
      '3 news',
      '2 other',
    ]);

    await server.publish('news', { n: 1 });
    await server.publish('news', { n: 2 }, { except: clientA! });
    await server.publish('nobody', 0);
    // Frames arrive in order: once this last one is in, nothing else is coming.
    await server.publish('other', 'last');
    await b.frame({ type: 'message', channel: 'other' });
    await a.barrier();
    await c.barrier();
    expect(a.of('message')).toEqual([{ type: 'message', channel: 'news', data: { n: 1 } }]);
    expect(c.of('message').map((f) => f.data)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(b.of('message')).toEqual([{ type: 'message', channel: 'other', data: 'last' }]);

    a.send({ type: 'unsubscribe', channel: 'news' });
    a.send({ type: 'unsubscribe', channel: 'news' });
    await a.barrier();
    expect(named('unsubscribe').map(([client, channel]) => `${client.id} ${channel}`)).toEqual(['1 news']);
    expect(clientA!.subscriptions.size).toBe(0);
    await server.publish('news', { n: 3 });
    await Promise.all([a.barrier(), c.barrier()]);
    expect(c.of('message').map((f) => f.data)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(a.of('message')).toHaveLength(1);
    expect(ended).toEqual([]); // c is still subscribed to news

    // Subscriptions die with the connection: c was the last subscriber to news, so the node lets go of it.
    c.ws.close();
    await expect.poll(() => named('disconnect').length).toBe(1);
    await expect.poll(() => ended).toEqual(['news']);
    await server.publish('news', { n: 4 });
    await a.barrier();
    expect(a.of('message')).toHaveLength(1);
  });

  test('subscriptions end with their connection: a new one starts with none', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const first = await kit.connect(url);
    first.send({ type: 'subscribe', channel: 'news' });
    await first.barrier();
    first.ws.close();
    await expect.poll(() => server.clients.size).toBe(0);
    const second = await kit.connect(url);
    await server.publish('news', 1);
    expect([...[...server.clients][0]!.subscriptions]).toEqual([]);
    await second.barrier();
    expect(second.of('message')).toEqual([]);
  });

  test('client.send() reaches that client alone, subscribed or not', async ({ kit }) => {
    const { server, url } = await kit.serve();
    server.handle('echo', { message: (data, client) => client.send('echo', data) });
    const [a, b] = [await kit.connect(url), await kit.connect(url)];
    a.send({ type: 'message', channel: 'echo', data: 'hi' });
    await a.frame({ type: 'message', channel: 'echo', data: 'hi' });
    await b.barrier();
    expect(b.of('message')).toEqual([]);
  });

  test('a message handler gets the data and the client; a channel without one ignores messages', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const got: Array<[unknown, ServerClient]> = [];
    server.handle('chat', { message: (data, client) => void got.push([data, client]) });
    const peer = await kit.connect(url);
    peer.send({ type: 'message', channel: 'chat', data: { text: 'hi' } });
    peer.send({ type: 'message', channel: 'nobody', data: 1 });
    await peer.barrier();
    expect(got).toHaveLength(1);
    expect(got[0]![0]).toEqual({ text: 'hi' });
    expect(got[0]![1]).toBe([...server.clients][0]);
    expect(got[0]![1]).toBe(named('connection')[0]![0]);
    expect(peer.frames.filter((f) => f.type !== 'pong')).toEqual([]);
    expect(named('error')).toEqual([]);
  });

  test('request handlers: sync, async, throwing, rejecting, and none', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    server.handle('sync', { request: (data) => ({ doubled: (data as number) * 2 }) });
    server.handle('async', { request: async (data, client) => `${data} from ${client.id}` });
    server.handle('throws', {
      request: () => {
        throw new PublicError('no such user', 'E_NO_USER');
      },
    });
    server.handle('rejects', {
      request: () => Promise.reject(Object.assign(new Error('nope'), { code: 42 })),
    });
    server.handle('string', {
      request: () => {
        throw 'plain string';
      },
    });
    const peer = await kit.connect(url);
    const ask = (id: number, channel: string, data?: unknown) =>
      peer.send({ type: 'request', id, channel, data });
    ask(1, 'sync', 21);
    ask(2, 'async', 'hi');
    ask(3, 'throws');
    ask(4, 'rejects');
    ask(5, 'string');
    ask(6, 'missing');
    expect(await peer.frame({ type: 'response', id: 1 })).toEqual({
      type: 'response',
      id: 1,
      data: { doubled: 42 },
    });
    expect(await peer.frame({ type: 'response', id: 2 })).toEqual({
      type: 'response',
      id: 2,
      data: 'hi from 1',
    });
    expect(await peer.frame({ type: 'response', id: 3 })).toEqual({
      type: 'response',
      id: 3,
      error: { message: 'no such user', code: 'E_NO_USER' },
    });
    // Anything but a PublicError is not shown to the client (a path, a library's message…): ERR_INTERNAL, and
    // the error goes to the server's `error` event.
    const internal = { message: 'The server failed to answer the request.', code: 'ERR_INTERNAL' };
    expect(await peer.frame({ type: 'response', id: 4 })).toEqual({
      type: 'response',
      id: 4,
      error: internal,
    });
    expect(await peer.frame({ type: 'response', id: 5 })).toEqual({
      type: 'response',
      id: 5,
      error: internal,
    });
    expect(await peer.frame({ type: 'response', id: 6 })).toEqual({
      type: 'response',
      id: 6,
      error: { message: 'No request handler for this channel on this server.', code: 'ERR_NO_HANDLER' },
    });
    const reported = named('error').map(([error]) => `${error.code} ${(error as HandlerError).channel}`);
    expect(reported.sort()).toEqual(['ERR_HANDLER rejects', 'ERR_HANDLER string']);
  });

  test('an error marked expose (http-errors) is shown; an ENOENT with a path is not', async ({ kit }) => {
    const { server, url } = await kit.serve();
    server.handle('http', {
      request: () => Promise.reject(Object.assign(new Error('Not found'), { expose: true, code: 'E404' })),
    });
    server.handle('fs', {
      request: () =>
        Promise.reject(
          Object.assign(new Error("ENOENT: no such file or directory, open '/srv/app/x'"), {
            code: 'ENOENT',
          }),
        ),
    });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 1, channel: 'http' });
    peer.send({ type: 'request', id: 2, channel: 'fs' });
    expect((await peer.frame({ type: 'response', id: 1 })).error).toEqual({
      message: 'Not found',
      code: 'E404',
    });
    expect(JSON.stringify(await peer.frame({ type: 'response', id: 2 }))).not.toContain('/srv/app');
  });

  test('a request or message on a channel name over maxChannelNameLength reaches no handler, and the name is not repeated back', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ maxChannelNameLength: 16 });
    let runs = 0;
    const long = 'c'.repeat(10_000);
    server.handle(long, { request: () => runs++, message: () => void runs++ });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 1, channel: long });
    peer.send({ type: 'message', channel: long, data: 1 });
    const response = await peer.frame({ type: 'response', id: 1 });
    expect(response.error).toMatchObject({ code: 'ERR_CHANNEL_NAME_TOO_LONG' });
    await peer.barrier();
    expect(runs).toBe(0);
    expect(peer.of('error')).toHaveLength(2);
    expect(JSON.stringify(peer.frames).length).toBeLessThan(2000);
  });

  test('an answer that is not JSON gets ERR_INTERNAL, and the details go to `error`', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    server.handle('big', { request: () => 10n });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 1, channel: 'big' });
    expect((await peer.frame({ type: 'response', id: 1 })).error).toMatchObject({ code: 'ERR_INTERNAL' });
    expect(named('error')).toHaveLength(1);
    expect(named('error')[0]![0]).toMatchObject({ code: 'ERR_HANDLER', channel: 'big', clientId: 1 });
  });

  test('a handler that answers after its client left is harmless', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    let answer!: (value: string) => void;
    server.handle('slow', { request: () => new Promise<string>((resolve) => (answer = resolve)) });
    const leaving = await kit.connect(url);
    leaving.send({ type: 'request', id: 1, channel: 'slow' });
    await expect.poll(() => answer).toBeDefined();
    leaving.ws.terminate();
    await expect.poll(() => named('disconnect').length).toBe(1);
    answer('too late');
    const other = await kit.connect(url);
    await other.barrier();
    expect(named('error')).toEqual([]);
  });

  test('a message handler that throws or rejects is reported as ERR_HANDLER; the server carries on', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    server.handle('sync', {
      message: () => {
        throw new Error('sync boom');
      },
    });
    server.handle('async', { message: async () => Promise.reject(new Error('async boom')) });
    const peer = await kit.connect(url);
    peer.send({ type: 'message', channel: 'sync', data: 1 });
    peer.send({ type: 'message', channel: 'async', data: 2 });
    await peer.barrier();
    await expect.poll(() => named('error').length).toBe(2);
    expect(named('error').map(([error]) => [error.code, (error.cause as Error).message])).toEqual([
      ['ERR_HANDLER', 'sync boom'],
      ['ERR_HANDLER', 'async boom'],
    ]);
    expect(peer.frames.filter((f) => f.type !== 'pong')).toEqual([]);
  });

  test('a listener that throws is reported as ERR_LISTENER; the others still run', async ({ kit }) => {
    const { server, url } = await kit.serve();
    server.on('connection', () => {
      throw new Error('listener boom');
    });
    const { named } = record(server);
    const peer = await kit.connect(url);
    await peer.barrier();
    expect(named('connection')).toHaveLength(1);
    expect(named('error').map(([error]) => error)).toEqual([
      expect.objectContaining({ code: 'ERR_LISTENER', event: 'connection' }),
    ]);
  });

  test('handle() refuses a second set of handlers for a channel until the first is removed', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const remove = server.handle('c', { request: () => 1 });
    expect(() => server.handle('c', { request: () => 2 })).toThrow(
      expect.objectContaining({ code: 'ERR_HANDLER_EXISTS' }),
    );
    expect(() => server.handle('d', { reqest: () => 2 } as never)).toThrow('got "reqest"');
    remove();
    server.handle('c', { request: () => 2 });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 1, channel: 'c' });
    expect((await peer.frame({ type: 'response', id: 1 })).data).toBe(2);
  });

  test('`__proto__`, `constructor` and `prototype` keys in client data never reach a handler', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const got: unknown[] = [];
    server.handle('c', {
      message: (data) => void got.push(data),
      request: (data) => {
        got.push(data);
        return Object.keys(data as object);
      },
    });
    const peer = await kit.connect(url);
    const evil =
      '{"__proto__":{"polluted":true},"ok":1,"nested":{"constructor":{"prototype":{"polluted":1}}}}';
    peer.send(`{"type":"message","channel":"c","data":${evil}}`);
    // The same key spelt with a JSON escape.
    peer.send(
      '{"type":"message","channel":"c","data":{"\\u005f_proto__":{"polluted":true},"ok":1,"nested":{}}}',
    );
    peer.send(`{"type":"request","id":1,"channel":"c","data":${evil}}`);
    expect((await peer.frame({ type: 'response', id: 1 })).data).toEqual(['ok', 'nested']);
    expect(got).toHaveLength(3);
    for (const data of got as Array<Record<string, unknown>>) {
      expect(Object.hasOwn(data, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      expect(data.polluted).toBeUndefined();
      expect(Object.keys(data.nested as object)).toEqual([]);
      expect(data).toEqual({ ok: 1, nested: {} });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('payload types follow the In and Out channel maps', async ({ kit }) => {
    const server = (await kit.serve()).server as unknown as ReliableSocketServer<
      { chat: { text: string } },
      { chat: { text: string }; ticks: number }
    >;
    server.handle('chat', { request: (data) => ({ text: data.text.toUpperCase() }) });
    // @ts-expect-error: the answer must be Out['chat']
    server.handle('ticks' as 'chat', { request: () => 5 });
    // @ts-expect-error: a channel In does not name
    server.handle('nope', {});
    // @ts-expect-error: ticks carry numbers
    void server.publish('ticks', 'x');
    expect(await server.publish('ticks', 1)).toMatchObject({ offset: 2 }); // the one above was first
  });
});

test.describe('malformed frames', () => {
  test('each is answered with ERR_MALFORMED_FRAME; past the limit the socket is closed with 1008', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ maxMalformedFrames: 2 });
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send('{not json');
    expect(await peer.frame({ type: 'error' })).toEqual({
      type: 'error',
      code: 'ERR_MALFORMED_FRAME',
      message: expect.stringContaining('Malformed frame 1 of 2 allowed'),
    });
    peer.send(Buffer.from([1, 2, 3]));
    await expect.poll(() => peer.of('error').length).toBe(2);
    expect(peer.of('error')[1]!.message).toContain('Binary frames are not part of the protocol');
    await peer.barrier();
    peer.send('null');
    expect(await peer.closed).toEqual({ code: 1008, reason: 'too many malformed frames' });
    expect(peer.of('error')).toHaveLength(2);
    expect(named('malformed').map(([, info]) => [info.data, info.count, info.closing])).toEqual([
      ['{not json', 1, false],
      [Buffer.from([1, 2, 3]), 2, false],
      ['null', 3, true],
    ]);
  });

  test('every kind of non-envelope counts; valid frames still work in between', async ({ kit }) => {
    const { server, url } = await kit.serve({ maxMalformedFrames: Infinity });
    server.handle('c', { request: (data) => data });
    const peer = await kit.connect(url);
    const bad = [
      '',
      'null',
      '[1,2]',
      '"text"',
      '{"type":"nope"}',
      '{"type":"message"}',
      '{"type":"subscribe","channel":""}',
      '{"type":"request","channel":"c","data":1}',
      '{"type":"request","id":"1","channel":"c"}',
      '{"type":"ping","id":1.5}',
    ];
    for (const frame of bad) peer.send(frame);
    peer.send({ type: 'request', id: 9, channel: 'c', data: 'still here' });
    expect((await peer.frame({ type: 'response', id: 9 })).data).toBe('still here');
    expect(peer.of('error')).toHaveLength(bad.length);
    expect(peer.of('error')[9]!.message).toMatch(/Malformed frame 10\.$/);
  });

  test('with maxMalformedFrames 0, the first one closes the socket', async ({ kit }) => {
    const { url } = await kit.serve({ maxMalformedFrames: 0 });
    const peer = await kit.connect(url);
    peer.send('oops');
    expect((await peer.closed).code).toBe(1008);
    expect(peer.frames).toEqual([]);
  });

  test('a frame over maxPayload closes the socket with 1009', async ({ kit }) => {
    const { server, url } = await kit.serve({ maxPayload: 1024 });
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send({ type: 'message', channel: 'c', data: 'x'.repeat(900) });
    await peer.barrier();
    peer.send({ type: 'message', channel: 'c', data: 'x'.repeat(1100) });
    expect((await peer.closed).code).toBe(1009);
    await expect.poll(() => named('disconnect').length).toBe(1);
    expect(named('disconnect')[0]![1].error).toMatchObject({ code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
  });
});
