// Issue 20 against the real companion server, in Node with `ws`: the resend buffer bounds only what was never
// written (1,510 sends on an open socket are all handled, none reported dropped), and requests made before the
// connection are paced under the server's announced limit (none fails with ERR_TOO_MANY_REQUESTS).
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { ReliableSocketServer } from '../../src/server/index.js';

type Numbered = { n: number };
const NodeWebSocket = WebSocket as unknown as ReliableSocketOptions['WebSocket'];

let server: ReliableSocketServer<{ in: Numbered; rpc: Numbered }, { in: Numbered; rpc: Numbered }>;
let socket: ReliableSocket | undefined;
test.afterEach(async () => {
  socket?.close();
  await server.close();
});

test('1,510 sends on an open socket with the default queue: all handled once, in order; no drop, no QueueFullError', async () => {
  test.setTimeout(60_000);
  const handled: number[] = [];
  server = new ReliableSocketServer({ port: 0, drainTimeoutMs: 0 });
  server.handle('in', { message: ({ n }) => void handled.push(n) });
  await server.ready;
  socket = new ReliableSocket(`ws://127.0.0.1:${server.port}/`, { WebSocket: NodeWebSocket });
  const drops: unknown[] = [];
  socket.on('drop', (frame) => drops.push(frame));
  const input = socket.channel('in');
  await expect.poll(() => socket!.state).toBe('open'); // welcomed: what is sent now is written at once
  const results = new Set<string>();
  for (let n = 1; n <= 1510; n++) results.add(input.send({ n }));
  expect([...results]).toEqual(['sent']); // welcomed: each is written at once
  await expect.poll(() => handled.length, { timeout: 50_000 }).toBe(1510);
  expect(handled).toEqual(Array.from({ length: 1510 }, (_, i) => i + 1));
  expect(drops).toEqual([]);
  await expect.poll(() => socket!.unacknowledged).toBe(0);
});

test('requests made before the connection opens are paced under maxPendingRequests: none refused', async () => {
  server = new ReliableSocketServer({ port: 0, maxPendingRequests: 10, drainTimeoutMs: 0 });
  server.handle('rpc', {
    request: async ({ n }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { n };
    },
  });
  await server.ready;
  socket = new ReliableSocket(`ws://127.0.0.1:${server.port}/`, { WebSocket: NodeWebSocket });
  const rpc = socket.channel('rpc');
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      rpc.request({ n: i + 1 }).then(
        (answer) => (answer as Numbered).n,
        (error: { code?: string }) => error.code,
      ),
    ),
  );
  expect(outcomes).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
});
