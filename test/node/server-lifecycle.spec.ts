// The companion server's life against real `ws` clients: listening or attaching, authorize, errors nobody
// handles, dead clients, and close().
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { ReliableSocketServer, type ReliableSocketServerOptions } from '../../src/server/index.js';
import { expect, handles, handshakeStatus, type Kit, record, test } from './server-kit.js';

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
    expect(make({ port: 0, canSubscribe: 'yes' })).toThrow('options.canSubscribe must be a function');
    expect(make({ port: 0, authorizeTimeoutMs: 0 })).toThrow('options.authorizeTimeoutMs must be an integer');
    expect(make({ port: 0, maxBufferedBytes: 10 })).toThrow(
      'options.maxBufferedBytes must be an integer from 1024',
    );
    expect(make({ port: 0, maxSubscriptions: -1 })).toThrow(RangeError);
    expect(make({ port: 0, maxChannelNameLength: 0 })).toThrow('options.maxChannelNameLength');
    expect(make({ port: 0, maxPendingRequests: 1.5 })).toThrow('options.maxPendingRequests');
    expect(make({ port: 0, drainTimeoutMs: -1 })).toThrow('options.drainTimeoutMs');
    expect(make({ port: 0, rateLimit: true })).toThrow('options.rateLimit must be false or an object');
    expect(make({ port: 0, rateLimit: { framesPerSecond: 0 } })).toThrow('options.rateLimit.framesPerSecond');
    expect(make({ port: 0, rateLimit: { burst: 10, perSecond: 1 } })).toThrow(
      'options.rateLimit has no option "perSecond"',
    );
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
    // 250 ms: a live client must answer within one interval, and a loaded machine can stall a process ~100 ms.
    const { server, url } = await kit.serve({ pingIntervalMs: 250 });
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

test.describe('client.close()', () => {
  test('checks its code and reason before anything happens; then closes with them', async ({ kit }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    const peer = await kit.connect(url);
    const [client] = [...server.clients];
    expect(() => client!.close(1005)).toThrow(TypeError);
    expect(() => client!.close(2000)).toThrow('close() code must be 1000–1014 but 1004–1006, or 3000–4999');
    expect(() => client!.close(1000, 'é'.repeat(62))).toThrow(RangeError);
    await peer.barrier(); // still open and working
    client!.close(4000, 'bye');
    expect(await peer.closed).toEqual({ code: 4000, reason: 'bye' });
    await expect
      .poll(() => named('disconnect').map(([, info]) => [info.code, info.reason, info.wasClean]))
      .toEqual([[4000, 'bye', true]]);
    client!.close(); // after the end: nothing
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
    await expect(kit.connect(url)).rejects.toThrow('ECONNREFUSED');
  });

  test('a 300 ms request in flight gets its response before the 1012; new frames but pings are ignored', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const { named } = record(server);
    let started = 0;
    server.handle('slow', {
      request: (data) => {
        started++;
        return new Promise((resolve) => setTimeout(() => resolve(data), 300));
      },
    });
    const peer = await kit.connect(url);
    const order: string[] = [];
    peer.ws.on('message', (data) => order.push(String(JSON.parse(String(data)).type)));
    peer.ws.on('close', (code) => order.push(`close ${code}`));
    peer.send({ type: 'request', id: 1, channel: 'slow', data: 'answered' });
    await expect.poll(() => started).toBe(1);
    const closing = server.close();
    // While it drains: a ping is answered; a new request and a subscribe are not taken.
    peer.send({ type: 'request', id: 2, channel: 'slow', data: 'too late' });
    peer.send({ type: 'subscribe', channel: 'news' });
    await peer.barrier();
    await closing;
    expect(await peer.closed).toEqual({ code: 1012, reason: 'service restart' });
    expect(peer.of('response')).toEqual([{ type: 'response', id: 1, data: 'answered' }]);
    expect(order).toEqual(['pong', 'response', 'close 1012']);
    expect(started).toBe(1);
    expect(named('subscribe')).toEqual([]);
    expect(named('disconnect').map(([, info]) => [info.code, info.wasClean])).toEqual([[1012, true]]);
  });

  test('a handler that never settles holds close() for drainTimeoutMs only', async ({ kit }) => {
    const { server, url } = await kit.serve({ drainTimeoutMs: 50 });
    server.handle('never', { request: () => new Promise(() => {}) });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 1, channel: 'never' });
    await peer.barrier();
    await server.close();
    expect((await peer.closed).code).toBe(1012);
    expect(peer.of('response')).toEqual([]);
  });

  test('cuts off a client that does not answer within closeTimeoutMs', async ({ kit }) => {
    const { server, url } = await kit.serve({ closeTimeoutMs: 100 });
    const { named } = record(server);
    const stuck = await kit.connect(url);
    stuck.ws.pause(); // reads nothing, so never answers the close frame
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    // The server's close frame started it; the client never answered it.
    expect(named('disconnect').map(([, info]) => [info.code, info.wasClean])).toEqual([[1012, false]]);
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
