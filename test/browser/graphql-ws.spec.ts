// A real consumer over ReliableWebSocket: graphql-ws's client (from npm, bundled into a test page) with our
// class as its `webSocketImpl`, against graphql-ws's own server behind the fixture's faults. A subscription keeps
// delivering across a killed connection and across a half-open link that only our heartbeat notices — and no
// connection is left behind: graphql-ws reconnects by constructing a new socket, and each of ours ends with its
// `close`.
import { GraphQLInt, GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { FixtureServer } from '../fixture/fixture-server.js';
import { test as base, expect, openTestPage } from '../fixture/test.js';

/** Numbers published to every `ticks` subscription; each subscription is counted while it lasts. */
class Ticker {
  readonly #listeners = new Set<(n: number) => void>();
  subscriptions = 0;

  get live(): number {
    return this.#listeners.size;
  }

  publish(n: number): void {
    for (const listener of this.#listeners) listener(n);
  }

  /** An async iterator that stops listening the moment graphql-ws ends it (a generator would wait for a value). */
  subscribe(): AsyncIterableIterator<number> {
    this.subscriptions++;
    const queue: number[] = [];
    let waiting: ((result: IteratorResult<number>) => void) | undefined;
    const push = (n: number): void => {
      if (waiting) waiting({ value: n, done: false });
      else queue.push(n);
      waiting = undefined;
    };
    this.#listeners.add(push);
    const end = (): Promise<IteratorResult<number>> => {
      this.#listeners.delete(push);
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    const iterator: AsyncIterableIterator<number> = {
      next: () =>
        queue.length > 0
          ? Promise.resolve({ value: queue.shift()!, done: false })
          : new Promise((resolve) => {
              waiting = resolve;
            }),
      return: end,
      throw: end,
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}

// The fixture's test, with its server serving graphql-ws instead of the echo.
const test = base.extend<{ ticker: Ticker; server: FixtureServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  ticker: async ({}, use) => use(new Ticker()),
  server: async ({ ticker, libraryBuild }, use) => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
      }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          ticks: { type: GraphQLInt, subscribe: () => ticker.subscribe(), resolve: (n: number) => n },
        },
      }),
    });
    const graphql = new WebSocketServer({ noServer: true });
    const disposable = useServer({ schema }, graphql);
    const server = await FixtureServer.start({
      serve: (ws, request) => graphql.emit('connection', ws, request),
      build: libraryBuild,
    });
    await use(server);
    await server.close();
    await disposable.dispose();
  },
});

declare global {
  interface Window {
    graphqlWs: {
      createClient: typeof import('graphql-ws').createClient;
      ReliableWebSocket: typeof import('../../src/websocket/index.js').ReliableWebSocket;
    };
    /** What the page's client saw. */
    seen: { ticks: number[]; connected: number; closed: number; sockets: Array<{ readyState: number }> };
  }
}

test('a graphql-ws subscription over ReliableWebSocket survives a kill and a half-open link, one connection at a time', async ({
  page,
  server,
  ticker,
}) => {
  await openTestPage(page, server, 'graphql-ws-app');
  await page.evaluate((url) => {
    const { createClient, ReliableWebSocket } = window.graphqlWs;
    const seen: Window['seen'] = { ticks: [], connected: 0, closed: 0, sockets: [] };
    window.seen = seen;
    // graphql-ws's own ping and pong are our heartbeat's shapes: the server answers them.
    const Configured = ReliableWebSocket.with({
      heartbeat: { intervalMs: 500, timeoutMs: 500, ping: '{"type":"ping"}', pong: '{"type":"pong"}' },
    });
    class Tracked extends Configured {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        seen.sockets.push(this);
      }
    }
    const client = createClient({
      url,
      webSocketImpl: Tracked,
      retryAttempts: Infinity,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
      on: { connected: () => seen.connected++, closed: () => seen.closed++ },
    });
    client.subscribe(
      { query: 'subscription { ticks }' },
      {
        next: ({ data }) => seen.ticks.push((data as { ticks: number }).ticks),
        error: (error) => console.error(error),
        complete: () => {},
      },
    );
  }, server.wsUrl);

  const seen = () =>
    page.evaluate(() => ({ ...window.seen, sockets: window.seen.sockets.map((s) => s.readyState) }));
  /** Waits for the client's `n`-th subscription to be live at the server, then publishes `value` to it. */
  const publishOn = async (n: number, value: number) => {
    await server.waitFor(() => ticker.subscriptions === n && ticker.live === 1, `subscription ${n} live`);
    ticker.publish(value);
    await expect.poll(async () => (await seen()).ticks).toContain(value);
  };

  await publishOn(1, 1);

  server.kill();
  await publishOn(2, 2);

  server.halfOpen(true);
  // Nothing closes a half-open link but our heartbeat; graphql-ws then constructs a new socket, whose handshake
  // hangs in the frozen proxy until the fault heals.
  await expect.poll(async () => (await seen()).closed, { timeout: 5000 }).toBe(2);
  server.halfOpen(false);
  await publishOn(3, 3);

  const final = await seen();
  expect(final.ticks).toEqual([1, 2, 3]);
  expect(final.connected).toBe(3);
  // One of ours per connection; all but the current one closed for good.
  expect(final.sockets).toEqual([3, 3, 1]);
  await server.waitFor(() => server.connections === 1, 'the old connections to be gone at the server');
});
