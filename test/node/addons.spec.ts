// The add-on entries as built, imported by name as ESM and as CommonJS: each loads, shares the main entry's
// classes (they import `reliable-socket`, not a copy), and ReliableWebSocket round-trips over `ws` in Node, where
// there is no CloseEvent before Node 23.
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { WebSocket, WebSocketServer } from 'ws';
import type * as Client from '../../src/index.js';
import type * as React from '../../src/react/index.js';
import type * as Adapter from '../../src/websocket/index.js';

// Specifiers in variables: type-checking must not depend on dist/ existing.
const [MAIN, WEBSOCKET, REACT] = ['reliable-socket', 'reliable-socket/websocket', 'reliable-socket/react'];
const require = createRequire(import.meta.url);

const builds = {
  esm: async () => ({
    main: (await import(MAIN)) as typeof Client,
    websocket: (await import(WEBSOCKET)) as typeof Adapter,
    react: (await import(REACT)) as typeof React,
  }),
  cjs: async () => ({
    main: require(MAIN) as typeof Client,
    websocket: require(WEBSOCKET) as typeof Adapter,
    react: require(REACT) as typeof React,
  }),
};

for (const [format, load] of Object.entries(builds)) {
  test(`${format}: the add-on entries load and share the main entry; ReliableWebSocket round-trips over ws`, async () => {
    const { main, websocket, react } = await load();
    expect(typeof react.useReliableSocket).toBe('function');
    expect(typeof react.useChannel).toBe('function');
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    server.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    const ws = new websocket.ReliableWebSocket(`ws://127.0.0.1:${port}/`, undefined, {
      WebSocket: WebSocket as unknown as Client.WebSocketConstructor,
    });
    try {
      ws.send('hello'); // queued until open
      const echoed = await new Promise<unknown>((resolve) => {
        ws.onmessage = (event) => resolve(event.data);
      });
      expect(echoed).toBe('hello');
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.addEventListener('close', ({ code, reason }) => resolve({ code, reason })),
      );
      ws.close(4000, 'done');
      expect(await closed).toEqual({ code: 4000, reason: 'done' });
      // A bad option fails with the main entry's message: the core is the main entry's, not a copy.
      const NodeWebSocket = WebSocket as unknown as Client.WebSocketConstructor;
      expect(() =>
        websocket.ReliableWebSocket.with({ WebSocket: NodeWebSocket, connectTimeoutMs: -1 }),
      ).toThrow(/options\.connectTimeoutMs/);
      // The error classes are the main entry's own: `instanceof` holds across entries.
      const full = new websocket.ReliableWebSocket('ws://127.0.0.1:9/', undefined, {
        WebSocket: NodeWebSocket,
        queue: { maxMessages: 1, overflow: 'throw' },
        reconnect: false,
      });
      full.send('one');
      expect(() => full.send('two')).toThrow(main.QueueFullError);
      full.close();
    } finally {
      ws.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
}
