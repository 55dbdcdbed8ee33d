/**
 * The companion server (`reliable-socket/server`) against real `ws` clients, on 127.0.0.1 and ephemeral
 * ports: a server per test, every server, client and HTTP server disposed after it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base, expect } from '@playwright/test';
import { type ClientOptions, WebSocket } from 'ws';
import {
  ReliableSocketServer,
  type ReliableSocketServerEvents,
  type ReliableSocketServerOptions,
  type ServerClient,
} from '../../src/server/index.js';

type Frame = Record<string, unknown>;

/** A `ws` client that records what it receives. */
class Peer {
  /** Text frames, parsed. */
  readonly frames: Frame[] = [];
  /** Protocol-level pings received. */
  pings = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  #nextPing = 0;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(JSON.parse(String(data)) as Frame);
    });
    ws.on('ping', () => this.pings++);
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }));
    });
  }

  send(frame: Frame | string | Buffer): void {
    this.ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
  }

  /** Waits for a frame that matches `expected` (a subset of its properties). */
  async frame(expected: Frame): Promise<Frame> {
    const matches = (frame: Frame) => Object.entries(expected).every(([key, value]) => frame[key] === value);
    await expect
      .poll(() => this.frames.some(matches), { message: `a frame like ${JSON.stringify(expected)}` })
      .toBe(true);
    return this.frames.find(matches)!;
  }

  /** Frames are handled in order: once the pong is back, the server has handled everything sent before. */
  async barrier(): Promise<void> {
    const id = ++this.#nextPing + 1000;
    this.send({ type: 'ping', id });
    await this.frame({ type: 'pong', id });
  }

  /** Frames with this `type` (and `channel`, if given). */
  of(type: string, channel?: string): Frame[] {
    return this.frames.filter((f) => f.type === type && (channel === undefined || f.channel === channel));
  }
}

/** Every event a server emits, in order, with its arguments. */
function record(server: ReliableSocketServer) {
  const events: Array<
    {
      [E in keyof ReliableSocketServerEvents]: [E, ...ReliableSocketServerEvents[E]];
    }[keyof ReliableSocketServerEvents]
  > = [];
  for (const name of [
    'connection',
    'disconnect',
    'subscribe',
    'unsubscribe',
    'malformed',
    'error',
  ] as const) {
    server.on(name, (...args: unknown[]) => events.push([name, ...args] as never));
  }
  const named = <E extends keyof ReliableSocketServerEvents>(name: E) =>
    events
      .filter((event) => event[0] === name)
      .map((event) => event.slice(1) as ReliableSocketServerEvents[E]);
  return { events, named };
}

/** The HTTP status a WebSocket handshake gets: 101 when it is accepted. */
function handshakeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.on('open', () => {
      resolve(101);
      ws.terminate();
    });
    ws.on('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

/** Node's live handles of the kinds the server could leak. */
function handles(): Record<string, number> {
  const info = process.getActiveResourcesInfo();
  const kinds = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'];
  return Object.fromEntries(kinds.map((kind) => [kind, info.filter((each) => each === kind).length]));
}

/** Creates servers, HTTP servers and clients for one test, and disposes of all of them after it. */
class Kit {
  readonly #servers: ReliableSocketServer[] = [];
  readonly #https: http.Server[] = [];
  readonly #sockets: WebSocket[] = [];

  /** A server listening on 127.0.0.1 and a free port, and its ws: URL. */
  async serve(options: Omit<ReliableSocketServerOptions, 'server' | 'port'> = {}) {
    const server = new ReliableSocketServer({ port: 0, ...options });
    this.#servers.push(server);
    await server.ready;
    return { server, url: `ws://127.0.0.1:${server.port}` };
  }

  /** A plain HTTP server on a free port that answers every request with `hello`. */
  async http(): Promise<{ httpServer: http.Server; origin: string }> {
    const httpServer = http.createServer((_request, response) => response.end('hello'));
    this.#https.push(httpServer);
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    return { httpServer, origin: `127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
  }

  /** A server attached to `httpServer`. */
  attach(httpServer: http.Server, options: Omit<ReliableSocketServerOptions, 'server' | 'port'> = {}) {
    const server = new ReliableSocketServer({ server: httpServer, ...options });
    this.#servers.push(server);
    return server;
  }

  /** A connected client. */
  async connect(url: string, options?: ClientOptions): Promise<Peer> {
    const ws = new WebSocket(url, options);
    this.#sockets.push(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new Peer(ws);
  }

  async dispose(): Promise<void> {
    for (const ws of this.#sockets) ws.terminate();
    await Promise.all(this.#servers.map((server) => server.close()));
    for (const server of this.#https) server.closeAllConnections();
    await Promise.all(this.#https.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

const test = base.extend<{ kit: Kit }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  kit: async ({}, use) => {
    const kit = new Kit();
    await use(kit);
    await kit.dispose();
  },
});

test.describe('listening and attaching', () => {
  test('listens on 127.0.0.1 and a free port; plain HTTP requests get 426', async ({ kit }) => {
    const { server, url } = await kit.serve();
    expect(server.listening).toBe(true);
    expect(server.address()).toMatchObject({ address: '127.0.0.1', port: server.port });
    expect(server.port).toBeGreaterThan(0);
    const peer = await kit.connect(url);
    await peer.barrier();
    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(response.status).toBe(426);
    await response.body?.cancel();
  });

  test('attaches to an existing HTTP server, which still serves its own requests and outlives close()', async ({
    kit,
  }) => {
    const { httpServer, origin } = await kit.http();
    const server = kit.attach(httpServer);
    await server.ready;
    expect(server.port).toBe((httpServer.address() as AddressInfo).port);
    const peer = await kit.connect(`ws://${origin}/anything`);
    await peer.barrier();
    expect(await (await fetch(`http://${origin}/page`)).text()).toBe('hello');
    await server.close();
    expect(httpServer.listening).toBe(true);
    expect(await (await fetch(`http://${origin}/page`)).text()).toBe('hello');
    // Without our upgrade listener, Node hands upgrade requests to the request handler: no WebSocket.
    expect(await handshakeStatus(`ws://${origin}/anything`)).toBe(200);
  });

  test('`path` takes only its own upgrades, leaving others to other listeners', async ({ kit }) => {
    const { httpServer, origin } = await kit.http();
    const server = kit.attach(httpServer, { path: '/live' });
    const connected: string[] = [];
    server.on('connection', (client) => connected.push(client.request.url ?? ''));
    expect(await handshakeStatus(`ws://${origin}/live?token=1`)).toBe(101);
    expect(connected).toEqual(['/live?token=1']);
    // Alone on the server, it refuses foreign paths (nobody else would answer).
    expect(await handshakeStatus(`ws://${origin}/other`)).toBe(404);
    expect(await handshakeStatus(`ws://${origin}/live/x`)).toBe(404);
    httpServer.on('upgrade', (request, socket) => {
      if (request.url === '/other') socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
    });
    expect(await handshakeStatus(`ws://${origin}/other`)).toBe(418);
    expect(connected).toEqual(['/live?token=1']);
  });

  test('bad options fail at construction, naming the option', () => {
    const make = (options: unknown) => () => new ReliableSocketServer(options as ReliableSocketServerOptions);
    expect(make({})).toThrow(TypeError);
    expect(make({})).toThrow('exactly one of options.server');
    expect(make({ port: 0, server: http.createServer() })).toThrow('exactly one of options.server');
    expect(make({ port: 0, pingInterval: 5 })).toThrow('options has no option "pingInterval"');
    expect(make({ port: 70_000 })).toThrow(RangeError);
    expect(make({ port: 0, maxPayload: 0 })).toThrow('options.maxPayload must be an integer from 1');
    expect(make({ port: 0, path: 'live' })).toThrow('options.path must be a pathname starting with "/"');
    expect(make({ port: 0, authorize: true })).toThrow('options.authorize must be a function');
    expect(make({ server: http.createServer(), host: '0.0.0.0' })).toThrow('options.host only applies');
  });

  test('a port in use rejects `ready` with ERR_LISTEN and emits it', async ({ kit }) => {
    const { server: first } = await kit.serve();
    const second = new ReliableSocketServer({ port: first.port! });
    const errors: unknown[] = [];
    second.on('error', (error) => errors.push(error));
    await expect(second.ready).rejects.toMatchObject({ name: 'ListenError', code: 'ERR_LISTEN' });
    await expect.poll(() => errors).toHaveLength(1);
    await second.close();
    expect(second.state).toBe('closed');
  });
});

test.describe('the protocol', () => {
  test('answers app-level pings with a pong of the same id', async ({ kit }) => {
    const { url } = await kit.serve();
    const peer = await kit.connect(url);
    peer.send({ type: 'ping', id: 7 });
    expect(await peer.frame({ type: 'pong' })).toEqual({ type: 'pong', id: 7 });
  });

  test('tracks subscriptions, idempotently, and publish() reaches subscribers only', async ({ kit }) => {
    const { server, url } = await kit.serve();
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

    expect(server.publish('news', { n: 1 })).toBe(2);
    expect(server.publish('news', { n: 2 }, { except: clientA! })).toBe(1);
    expect(server.publish('nobody', 0)).toBe(0);
    // Frames arrive in order: once this last one is in, nothing else is coming.
    expect(server.publish('other', 'last')).toBe(1);
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
    expect(server.publish('news', { n: 3 })).toBe(1);

    // Subscriptions die with the connection.
    c.ws.close();
    await expect.poll(() => named('disconnect').length).toBe(1);
    expect(server.publish('news', { n: 4 })).toBe(0);
  });

  test('subscriptions end with their connection: a new one starts with none', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const first = await kit.connect(url);
    first.send({ type: 'subscribe', channel: 'news' });
    await first.barrier();
    first.ws.close();
    await expect.poll(() => server.clients.size).toBe(0);
    const second = await kit.connect(url);
    expect(server.publish('news', 1)).toBe(0);
    expect([...[...server.clients][0]!.subscriptions]).toEqual([]);
    await second.barrier();
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
        throw Object.assign(new Error('no such user'), { code: 'E_NO_USER' });
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
    // A code that is not a string is not sent.
    expect(await peer.frame({ type: 'response', id: 4 })).toEqual({
      type: 'response',
      id: 4,
      error: { message: 'nope' },
    });
    expect(await peer.frame({ type: 'response', id: 5 })).toEqual({
      type: 'response',
      id: 5,
      error: { message: 'plain string' },
    });
    expect(await peer.frame({ type: 'response', id: 6 })).toEqual({
      type: 'response',
      id: 6,
      error: { message: 'No request handler for channel "missing" on this server.', code: 'ERR_NO_HANDLER' },
    });
    // Errors of request handlers go to the client, not to the server's `error` event.
    expect(named('error')).toEqual([]);
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
    server.publish('ticks', 'x');
    expect(server.publish('ticks', 1)).toBe(0);
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

test.describe('authorize', () => {
  const statuses = async (kit: Kit, authorize: ReliableSocketServerOptions['authorize']) => {
    const { server, url } = await kit.serve({ authorize });
    const { named } = record(server);
    return { server, url, named, status: (path = '/') => handshakeStatus(url + path) };
  };

  test('true accepts, and the client carries the request authorize saw', async ({ kit }) => {
    const seen: http.IncomingMessage[] = [];
    const { server, url } = await kit.serve({ authorize: (request) => seen.push(request) > 0 });
    await kit.connect(`${url}/?user=ann`);
    expect([...server.clients][0]!.request).toBe(seen[0]);
    expect(seen[0]!.url).toBe('/?user=ann');
  });

  test('false refuses with 401, a status with that status', async ({ kit }) => {
    const { status, server } = await statuses(kit, (request) =>
      request.url === '/forbidden' ? 403 : request.url === '/unauthorized' ? 401 : false,
    );
    expect(await status('/')).toBe(401);
    expect(await status('/unauthorized')).toBe(401);
    expect(await status('/forbidden')).toBe(403);
    expect(server.clients.size).toBe(0);
  });

  test('an async authorize is awaited', async ({ kit }) => {
    const { status } = await statuses(kit, async (request) => {
      await new Promise((resolve) => setImmediate(resolve));
      return request.url === '/?token=good' ? true : 403;
    });
    expect(await status('/?token=good')).toBe(101);
    expect(await status('/?token=bad')).toBe(403);
  });

  test('a throwing or rejecting authorize refuses with 500 and emits ERR_AUTHORIZE', async ({ kit }) => {
    const { status, named } = await statuses(kit, (request) => {
      if (request.url === '/reject') return Promise.reject(new Error('db down'));
      throw new Error('bug');
    });
    expect(await status('/')).toBe(500);
    expect(await status('/reject')).toBe(500);
    expect(named('error').map(([error]) => [error.code, (error.cause as Error).message])).toEqual([
      ['ERR_AUTHORIZE', 'bug'],
      ['ERR_AUTHORIZE', 'db down'],
    ]);
  });
});

test.describe('errors nobody handles', () => {
  test('become process warnings, never crashes, even when an error listener throws', async ({ kit }) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { server, url } = await kit.serve({
        authorize: () => {
          throw new Error('bug');
        },
      });
      expect(await handshakeStatus(url)).toBe(500);
      await expect.poll(() => warnings.map((warning) => warning.name)).toEqual(['AuthorizeError']);
      server.on('error', () => {
        throw new Error('error listener bug');
      });
      expect(await handshakeStatus(url)).toBe(500);
      await expect.poll(() => warnings.map((warning) => warning.message)).toContain('error listener bug');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

test.describe('dead clients', () => {
  test('protocol pings cut off a client that does not answer them; a live one stays', async ({ kit }) => {
    const { server, url } = await kit.serve({ pingIntervalMs: 50 });
    const { named } = record(server);
    const live = await kit.connect(url);
    const dead = await kit.connect(url, { autoPong: false });
    expect((await dead.closed).code).toBe(1006);
    expect(dead.pings).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => named('disconnect').map(([client, info]) => [client.id, info.code]))
      .toEqual([[2, 1006]]);
    // Three more sweeps, and the live one is still there.
    const pings = live.pings;
    await expect.poll(() => live.pings).toBeGreaterThanOrEqual(pings + 3);
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    await live.barrier();
    expect(server.clients.size).toBe(1);
  });
});

test.describe('close()', () => {
  test('sends 1012 to every client, stops listening and accepts nothing more', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const peers = [await kit.connect(url), await kit.connect(url)];
    peers[0]!.send({ type: 'subscribe', channel: 'news' });
    await peers[0]!.barrier();
    const closing = server.close();
    expect(server.state).toBe('closing');
    expect(server.listening).toBe(false);
    expect(server.close()).toBe(closing);
    await closing;
    for (const peer of peers) expect(await peer.closed).toEqual({ code: 1012, reason: 'service restart' });
    expect(named('disconnect').map(([, info]) => info.code)).toEqual([1012, 1012]);
    expect(server.state).toBe('closed');
    expect(server.clients.size).toBe(0);
    expect(server.address()).toBeNull();
    expect(server.publish('news', 1)).toBe(0);
    await expect(kit.connect(url)).rejects.toThrow('ECONNREFUSED');
  });

  test('cuts off a client that does not answer within closeTimeoutMs', async ({ kit }) => {
    const { server, url } = await kit.serve({ closeTimeoutMs: 100 });
    const { named } = record(server);
    const stuck = await kit.connect(url);
    stuck.ws.pause(); // reads nothing, so never answers the close frame
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(named('disconnect').map(([, info]) => info.code)).toEqual([1006]);
  });

  test('cuts handshakes still waiting for authorize', async ({ kit }) => {
    let asked = 0;
    const { server, url } = await kit.serve({
      authorize: () => {
        asked++;
        return new Promise<boolean>(() => {}); // never settles
      },
    });
    const status = handshakeStatus(url);
    await expect.poll(() => asked).toBe(1);
    await server.close();
    await expect(status).rejects.toThrow('socket hang up');
  });

  test('leaves no timer, socket or server behind', async ({ kit }) => {
    const before = handles();
    const { server, url } = await kit.serve({ pingIntervalMs: 20 });
    const peer = await kit.connect(url);
    await expect.poll(() => peer.pings).toBeGreaterThanOrEqual(1);
    await peer.barrier();
    expect(handles()).not.toEqual(before);
    await server.close();
    await peer.closed;
    // Not expect.poll: its own timers would be counted. Each wait's timer has fired before handles() looks.
    for (let tries = 0; tries < 100 && JSON.stringify(handles()) !== JSON.stringify(before); tries++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handles()).toEqual(before);
  });
});
