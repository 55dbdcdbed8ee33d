// What one client may cost the server, and what happens past each limit: subscriptions, channel-name length,
// requests in flight (and duplicate ids), subscription frames waiting for canSubscribe, the frame-rate budget,
// the outgoing buffer, protocol pings that only their own pong answers, and the close code `disconnect` reports.
import { performance } from 'node:perf_hooks';
import { RawClient } from './raw-client.js';
import { expect, record, test } from './server-kit.js';

test.describe('subscriptions', () => {
  test('200 subscribes: 128 are accepted, the rest refused with ERR_TOO_MANY_SUBSCRIPTIONS', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const peer = await kit.connect(url);
    for (let i = 0; i < 200; i++) peer.send({ type: 'subscribe', channel: `c${i}` });
    await expect.poll(() => peer.of('subscribed').length).toBe(200);
    const refused = peer.of('subscribed').filter((f) => f.error);
    expect(refused.map((f) => f.channel)).toEqual(Array.from({ length: 72 }, (_, i) => `c${128 + i}`));
    expect(refused[0]!.error).toEqual({
      code: 'ERR_TOO_MANY_SUBSCRIPTIONS',
      message: 'A client may subscribe to 128 channels at once on this server.',
    });
    expect([...server.clients][0]!.subscriptions.size).toBe(128);
    // At the limit, subscribing again to a channel it has is still fine; after an unsubscribe there is room.
    peer.send({ type: 'subscribe', channel: 'c0' });
    peer.send({ type: 'unsubscribe', channel: 'c1' });
    peer.send({ type: 'subscribe', channel: 'c150' });
    await expect.poll(() => peer.of('subscribed').length).toBe(202);
    expect(peer.of('subscribed').slice(200)).toEqual([
      { type: 'subscribed', channel: 'c0' },
      { type: 'subscribed', channel: 'c150' },
    ]);
  });

  test('a channel name over maxChannelNameLength is refused; a 1 MB one costs nothing', async ({ kit }) => {
    const { server, url } = await kit.serve({ maxChannelNameLength: 16, maxPayload: 2 * 1024 * 1024 });
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'x'.repeat(16) });
    peer.send({ type: 'subscribe', channel: 'y'.repeat(17) });
    peer.send({ type: 'subscribe', channel: 'z'.repeat(1_000_000) });
    await expect.poll(() => peer.of('subscribed').length).toBe(3);
    expect(peer.of('subscribed').map((f) => (f.error as { code?: string } | undefined)?.code)).toEqual([
      undefined,
      'ERR_CHANNEL_NAME_TOO_LONG',
      'ERR_CHANNEL_NAME_TOO_LONG',
    ]);
    expect([...[...server.clients][0]!.subscriptions]).toEqual(['x'.repeat(16)]);
  });

  test('past maxPendingRequests, subscription frames waiting for canSubscribe close the client with 1008', async ({
    kit,
  }) => {
    const { url } = await kit.serve({
      maxPendingRequests: 3,
      canSubscribe: () => new Promise<boolean>(() => {}),
      drainTimeoutMs: 0, // close() need not wait for decisions that never come
    });
    const peer = await kit.connect(url);
    // One being decided, three waiting behind it, and one too many.
    for (let i = 0; i < 5; i++) peer.send({ type: i % 2 ? 'unsubscribe' : 'subscribe', channel: 'a' });
    expect(await peer.closed).toEqual({ code: 1008, reason: 'too many subscription frames pending' });
  });
});

test.describe('requests in flight', () => {
  test('past maxPendingRequests a request is answered at once with ERR_TOO_MANY_REQUESTS', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const waiting: Array<() => void> = [];
    server.handle('slow', {
      request: () => new Promise<string>((resolve) => waiting.push(() => resolve('ok'))),
    });
    const peer = await kit.connect(url);
    for (let id = 1; id <= 150; id++) peer.send({ type: 'request', id, channel: 'slow' });
    await expect.poll(() => peer.of('response').length).toBe(50);
    expect(waiting).toHaveLength(100);
    expect(peer.of('response').map((f) => f.id)).toEqual(Array.from({ length: 50 }, (_, i) => 101 + i));
    expect(peer.of('response')[0]!.error).toMatchObject({ code: 'ERR_TOO_MANY_REQUESTS' });
    for (const answer of waiting) answer();
    await expect.poll(() => peer.of('response').length).toBe(150);
    peer.send({ type: 'request', id: 151, channel: 'slow' });
    await expect.poll(() => waiting.length).toBe(101);
    waiting[100]!();
    expect((await peer.frame({ type: 'response', id: 151 })).data).toBe('ok');
  });

  test('a request whose id is in flight is malformed; 1,000 of them close the client with 1008', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ drainTimeoutMs: 0 });
    const { named } = record(server);
    let handled = 0;
    server.handle('slow', { request: () => new Promise(() => void handled++) });
    const peer = await kit.connect(url);
    peer.send({ type: 'request', id: 7, channel: 'slow' });
    peer.send({ type: 'request', id: 7, channel: 'slow' });
    expect((await peer.frame({ type: 'error' })).message).toContain('Request id 7 is already in flight');
    for (let i = 0; i < 1000; i++) peer.send({ type: 'request', id: 7, channel: 'slow' });
    expect((await peer.closed).code).toBe(1008);
    expect(handled).toBe(1);
    expect(named('malformed').length).toBe(11);
  });
});

test.describe('frame rate', () => {
  test('a client over its budget is slowed to the average rate, and nothing it sent is lost', async ({
    kit,
  }) => {
    const { url } = await kit.serve({ rateLimit: { framesPerSecond: 20, burst: 1 } });
    const peer = await kit.connect(url);
    // Waits for the pong itself (expect.poll's own intervals would hide the rate).
    const ping = (id: number) =>
      new Promise<void>((resolve) => {
        const onMessage = (data: unknown) => {
          if ((JSON.parse(String(data)) as { id?: number }).id !== id) return;
          peer.ws.off('message', onMessage);
          resolve();
        };
        peer.ws.on('message', onMessage);
        peer.send({ type: 'ping', id });
      });
    const started = performance.now();
    // One ping per round trip, so each is read on its own. The first takes the only token, the second goes
    // into debt (it was read already), and each next one is read only once the debt is repaid: ≥ 50 ms apart.
    for (let id = 1; id <= 12; id++) await ping(id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(10 * 50 - 10);
    expect(peer.of('pong')).toHaveLength(12);
  });
});

test.describe('the outgoing buffer', () => {
  test('a client that stops reading is closed with 1013 once maxBufferedBytes is full', async ({ kit }) => {
    const { server, url } = await kit.serve({ maxBufferedBytes: 64 * 1024, closeTimeoutMs: 10_000 });
    const { named } = record(server);
    const peer = await kit.connect(url);
    peer.send({ type: 'subscribe', channel: 'feed' });
    await peer.frame({ type: 'subscribed' });
    peer.ws.pause();
    const data = 'x'.repeat(10_000);
    const [client] = [...server.clients];
    let sent = 0;
    // The kernel's socket buffers take megabytes first; 20 MB is far more than they hold. (The in-memory
    // broker hands each publication out before publish() resolves: the client's state then says.)
    for (let i = 0; i < 2000 && (client as unknown as { state: string }).state === 'open'; i++) {
      await server.publish('feed', data);
      if ((client as unknown as { state: string }).state === 'open') sent++;
    }
    expect(sent).toBeLessThan(2000);
    expect((client as unknown as { state: string }).state).toBe('closing');
    peer.ws.resume();
    // It reads what was sent, then the close frame.
    expect(await peer.closed).toEqual({ code: 1013, reason: 'outgoing buffer full' });
    expect(peer.of('message')).toHaveLength(sent);
    await expect.poll(() => named('disconnect').length).toBe(1);
    expect(named('disconnect')[0]![1]).toMatchObject({ code: 1013, wasClean: true });
  });
});

test.describe('liveness and close codes', () => {
  test('unsolicited pongs do not keep a client alive: only the pong to the server’s own ping does', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve({ pingIntervalMs: 50 });
    const { named } = record(server);
    const faker = await kit.connect(url, { autoPong: false });
    const ponging = setInterval(() => faker.ws.pong('alive'), 5);
    try {
      expect((await faker.closed).code).toBe(1006);
    } finally {
      clearInterval(ponging);
    }
    await expect
      .poll(() => named('disconnect').map(([, info]) => [info.code, info.wasClean]))
      .toEqual([[1006, false]]);
  });

  test('by default a frame of 64 KiB is read and one byte more closes with 1009 (maxPayload)', async ({
    kit,
  }) => {
    const { server, url } = await kit.serve();
    const received: number[] = [];
    server.handle('c', { message: (data) => received.push(String(data).length) });
    const envelope = JSON.stringify({ type: 'message', channel: 'c', data: '' }).length;
    const peer = await kit.connect(url);
    peer.send({ type: 'message', channel: 'c', data: 'x'.repeat(64 * 1024 - envelope) });
    await peer.barrier();
    expect(received).toEqual([64 * 1024 - envelope]);
    peer.send({ type: 'message', channel: 'c', data: 'x'.repeat(64 * 1024 - envelope + 1) });
    expect((await peer.closed).code).toBe(1009);
    expect(received).toHaveLength(1);
  });

  test('disconnect reports the server’s 1009 for an oversized frame, also when the client never answers', async ({
    kit,
  }) => {
    const { server } = await kit.serve({ maxPayload: 1024, closeTimeoutMs: 50 });
    const { named } = record(server);
    const raw = await RawClient.connect(server.port!);
    try {
      raw.stopReading();
      raw.send({ type: 'message', channel: 'c', data: 'x'.repeat(2000) });
      await expect.poll(() => named('disconnect').length).toBe(1);
      expect(named('disconnect')[0]![1]).toMatchObject({
        code: 1009,
        wasClean: false,
        error: expect.objectContaining({ code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }),
      });
    } finally {
      raw.destroy();
    }
  });
});
