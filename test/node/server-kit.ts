// Shared by the companion server's tests: real `ws` clients (Peer), a Kit that starts servers on 127.0.0.1 and
// ephemeral ports and disposes every server, client and HTTP server after each test, and small probes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test as base, expect } from '@playwright/test';
import { type ClientOptions, WebSocket } from 'ws';
import {
  ReliableSocketServer,
  type ReliableSocketServerEvents,
  type ReliableSocketServerOptions,
} from '../../src/server/index.js';

export type Frame = Record<string, unknown>;

/** A `ws` client that records what it receives. */
export class Peer {
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
export function record(server: ReliableSocketServer) {
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
export function handshakeStatus(url: string, options?: ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
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
export function handles(): Record<string, number> {
  const info = process.getActiveResourcesInfo();
  const kinds = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'];
  return Object.fromEntries(kinds.map((kind) => [kind, info.filter((each) => each === kind).length]));
}

/** Creates servers, HTTP servers and clients for one test, and disposes of all of them after it. */
export class Kit {
  readonly #servers: Array<{ close(): Promise<void> }> = [];
  readonly #https: http.Server[] = [];
  readonly #sockets: WebSocket[] = [];

  /** A server listening on 127.0.0.1 and a free port, and its ws: URL. */
  async serve<ClientData = unknown>(
    options: Omit<ReliableSocketServerOptions<Record<string, unknown>, ClientData>, 'server' | 'port'> = {},
  ) {
    const server = new ReliableSocketServer<Record<string, unknown>, Record<string, unknown>, ClientData>({
      port: 0,
      ...options,
    });
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

export const test = base.extend<{ kit: Kit }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  kit: async ({}, use) => {
    const kit = new Kit();
    await use(kit);
    await kit.dispose();
  },
});

export { expect };
