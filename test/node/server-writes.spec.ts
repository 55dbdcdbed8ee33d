// How the server writes (issue 23): the frames for one client produced in one tick leave in one write, in
// order, without breaking the buffer limit. Observed on the real socket under `ws`: its write calls counted.
import type { Socket } from 'node:net';
import { expect, type Peer, test } from './server-kit.js';

/** Counts the writes (`_write` and `_writev`, what reaches the system) of a socket from now on. */
function countWrites(socket: Socket): { readonly count: number } {
  const counter = { count: 0 };
  const target = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const original = target[name];
    if (!original) continue;
    target[name] = function (this: unknown, ...args: unknown[]) {
      counter.count++;
      return original.apply(this, args);
    };
  }
  return counter;
}

const subscribe = async (peer: Peer, channel: string) => {
  peer.send({ type: 'subscribe', channel });
  await peer.frame({ type: 'subscribed', channel });
};

test('the frames for one client produced in one tick go out in one write, in order', async ({ kit }) => {
  const { server, url } = await kit.serve({ history: false });
  const peer = await kit.connect(url);
  await subscribe(peer, 'a');
  await subscribe(peer, 'b');
  const [client] = [...server.clients];
  const writes = countWrites(client!.request.socket);
  for (let i = 0; i < 20; i++) {
    void server.publish(i % 2 ? 'a' : 'b', i);
    client!.send('direct', i);
  }
  await expect.poll(() => peer.of('message').length).toBe(40);
  expect(peer.of('message').map((f) => f.data)).toEqual(
    Array.from({ length: 40 }, (_, i) => Math.floor(i / 2)),
  );
  expect(writes.count).toBe(1);
});

test('a tick that produces more than 16 KiB for a client writes as it goes: the buffer limit still reads what the network has not taken', async ({
  kit,
}) => {
  const { server, url } = await kit.serve({ maxBufferedBytes: 64 * 1024, history: false });
  const peer = await kit.connect(url);
  await subscribe(peer, 'big');
  const [client] = [...server.clients];
  const writes = countWrites(client!.request.socket);
  const data = 'x'.repeat(1000);
  for (let i = 0; i < 100; i++) void server.publish('big', data); // 100 KB in one tick, over 64 KiB in all
  await expect.poll(() => peer.of('message').length).toBe(100);
  expect(writes.count).toBeGreaterThan(1);
  expect(client!.request.socket.destroyed).toBe(false); // not closed for its buffer
});
