// Hostile clients against the built server (dist/server.js) in a child process, whose RSS is measured there:
// a subscriber that never reads (keeping itself "alive" with unsolicited pongs) while 200 MB are published,
// and a client that asks for 2,000 responses of 100 KB and never reads them. Before the outgoing-buffer limit
// they cost the server 230–260 MB of RSS and stayed connected (issue 10); the bound asserted is 64 MB, with
// the default `maxBufferedBytes` of 4 MiB. Raw TCP clients, so that backpressure is real.
import { Child, expect, MB, test } from './child-kit.js';
import { OPCODE, RawClient } from './raw-client.js';

test.describe('a client that never reads', () => {
  test.setTimeout(60_000);

  test('subscribed, with 200 MB published in 10 KB messages: cut off with 1013, RSS +< 64 MB', async ({
    children,
    raws,
  }) => {
    const { child, port } = await Child.start(children);
    const raw = await RawClient.connect(port);
    raws.push(raw);
    raw.send({ type: 'subscribe', channel: 'feed' });
    await expect.poll(async () => (await child.state()).subscribed).toBe(1);
    raw.stopReading();
    // Unsolicited pongs: they must not keep it "alive".
    const ponging = setInterval(() => raw.control(OPCODE.pong, Buffer.from('alive')), 20);
    try {
      const { rss: baseline } = await child.ask<{ rss: number }>({ type: 'baseline' }, 'baseline');
      const { published, delivered } = await child.ask<{ published: number; delivered: number }>(
        { type: 'publish', channel: 'feed', bytes: 10_000, total: 200_000_000 },
        'published',
      );
      expect(published).toBe(20_000);
      await expect.poll(async () => (await child.state()).disconnects, { timeout: 15_000 }).toHaveLength(1);
      const { disconnects, peak, clients } = await child.state();
      expect(disconnects[0]).toMatchObject({ code: 1013, wasClean: false });
      expect(clients).toBe(0);
      // Only what fitted into the kernel's socket buffers and 4 MiB of its own was handed over.
      expect(delivered).toBeLessThan(published / 4);
      expect((peak - baseline) / MB).toBeLessThan(64);
    } finally {
      clearInterval(ponging);
    }
  });

  test('asking for 2,000 responses of 100 KB: reading stops, then it is cut off with 1013, RSS +< 64 MB', async ({
    children,
    raws,
  }) => {
    const { child, port } = await Child.start(children);
    const { rss: baseline } = await child.ask<{ rss: number }>({ type: 'baseline' }, 'baseline');
    const raw = await RawClient.connect(port);
    raws.push(raw);
    raw.stopReading();
    for (let id = 1; id <= 2000; id++) raw.send({ type: 'request', id, channel: 'big', data: 100_000 });
    await expect.poll(async () => (await child.state()).disconnects, { timeout: 15_000 }).toHaveLength(1);
    const { disconnects, peak, requests } = await child.state();
    expect(disconnects[0]).toMatchObject({ code: 1013, wasClean: false });
    // It stopped reading the requests long before the last: it never produced 200 MB of answers.
    expect(requests).toBeLessThan(2000);
    expect((peak - baseline) / MB).toBeLessThan(64);
  });
});
