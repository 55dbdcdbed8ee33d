// The bytes protocol v2 adds per message, against v1, for a typical small payload (a 57-byte chat line), both
// directions, counted on the wire in the page (a WebSocket subclass that logs every frame it sends and
// receives) against the companion server: client → server channel messages (and the server's acks of them),
// frames for one client (`client.send`, and the client's acks of them), and channel publications (no acks:
// recovered from history). Acks are batched (50 ms, or 64 frames on the client), so what they cost per message
// depends on the pace: a burst, a steady 50 messages/s, and 5/s (about an ack per message). Deterministic but
// for the ack batching; Chromium only (the bytes do not depend on the engine).
import type { Page } from '@playwright/test';
import { expect, openLibrary, test } from '../test/fixture/test.js';
import { type BenchServer, startEchoCompanion, wsUrlOf } from './echo-companion.js';
import { record } from './kit.js';
import { type Pace, type ScenarioBytes, tallyBytes, tallyConnection } from './overhead-kit.js';

declare global {
  interface Window {
    overhead?: {
      wire: { out: string[]; in: string[] };
      send(count: number, intervalMs: number): Promise<void>;
      counts(): { notes: number; feed: number; unacknowledged: number };
      close(): void;
    };
  }
}

const PAYLOAD = { user: 'alice', text: 'See you at ten, by the fountain.' };
const PACES: readonly Pace[] = [
  { name: 'burst', count: 1000, intervalMs: 0 },
  { name: '50/s', count: 100, intervalMs: 20 },
  { name: '5/s', count: 10, intervalMs: 200 },
];

/** A socket in the page whose every frame is logged, with views of `sink` (sent to), `note` and `feed`. */
async function connect(page: Page, url: string, delivery: boolean): Promise<void> {
  await page.evaluate(
    async ({ url, delivery, payload }) => {
      const wire = { out: [] as string[], in: [] as string[] };
      class LoggedWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          this.addEventListener('message', (event) => wire.in.push(String(event.data)));
        }
        override send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
          wire.out.push(String(data));
          super.send(data as string);
        }
      }
      const socket = new window.RS.ReliableSocket(url, {
        WebSocket: LoggedWebSocket,
        delivery,
        heartbeat: false, // pings and pongs are the same in both versions; a burst must not meet one
        queue: { maxMessages: 5000, maxBytes: 64 * 1024 * 1024 },
      });
      const sink = socket.channel('sink');
      let notes = 0;
      let feed = 0;
      socket.channel('note').on('message', () => notes++);
      socket.channel('feed').on('message', () => feed++);
      await window.RS.whenOpen(socket);
      window.overhead = {
        wire,
        send: async (count, intervalMs) => {
          for (let i = 0; i < count; i++) {
            sink.send(payload);
            if (intervalMs) await new Promise((resolve) => setTimeout(resolve, intervalMs));
          }
        },
        counts: () => ({ notes, feed, unacknowledged: socket.unacknowledged }),
        close: () => socket.close(),
      };
    },
    { url, delivery, payload: PAYLOAD },
  );
}

/** Takes the frames logged so far (and starts a new log). */
const takeWire = (page: Page) =>
  page.evaluate(() => {
    const { wire } = window.overhead!;
    const taken = { out: wire.out.splice(0), in: wire.in.splice(0) };
    return taken;
  });
const counts = (page: Page) => page.evaluate(() => window.overhead!.counts());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The frames one protocol version exchanges: per connection, then each scenario at each pace. */
async function measure(page: Page, server: BenchServer, sunk: { count: number }, delivery: boolean) {
  await connect(page, wsUrlOf(server), delivery);
  const client = () => [...server.clients][0]!;
  await expect.poll(() => client()?.subscriptions.size).toBe(3); // sink, note, feed
  if (delivery) await expect.poll(async () => (await counts(page)).unacknowledged).toBe(0);
  await sleep(100); // the last batched acks of the handshake
  const connection = await takeWire(page);
  const scenarios: Record<string, ScenarioBytes> = {};
  for (const pace of PACES) {
    // Client → server: channel messages; the server acknowledges them (v2).
    sunk.count = 0;
    await page.evaluate(([count, interval]) => window.overhead!.send(count, interval), [
      pace.count,
      pace.intervalMs,
    ] as const);
    await expect.poll(() => sunk.count).toBe(pace.count);
    if (delivery) await expect.poll(async () => (await counts(page)).unacknowledged).toBe(0);
    await sleep(100);
    scenarios[`message ${pace.name}`] = tallyBytes(await takeWire(page), 'out', pace.count, PAYLOAD);

    // Server → client: frames for this client alone; the client acknowledges them (v2).
    const before = (await counts(page)).notes;
    for (let i = 0; i < pace.count; i++) {
      client().send('note', PAYLOAD);
      if (pace.intervalMs) await sleep(pace.intervalMs);
    }
    await expect.poll(async () => (await counts(page)).notes - before).toBe(pace.count);
    await sleep(150); // the client's last batched ack
    scenarios[`direct ${pace.name}`] = tallyBytes(await takeWire(page), 'in', pace.count, PAYLOAD);
  }
  // Server → client: publications, with their history position (v2); never acknowledged.
  const count = PACES[0]!.count;
  for (let i = 0; i < count; i++) await server.publish('feed', PAYLOAD);
  await expect.poll(async () => (await counts(page)).feed).toBe(count);
  await sleep(150);
  scenarios.publication = tallyBytes(await takeWire(page), 'in', count, PAYLOAD);
  await page.evaluate(() => window.overhead!.close());
  return { connection: tallyConnection(connection), scenarios };
}

test('protocol overhead', async ({ page, server, browser, browserName }, testInfo) => {
  test.skip(browserName !== 'chromium', "the bytes are the protocol's, not the engine's: measured once");
  test.setTimeout(120_000);
  await openLibrary(page, server);
  const companion = await startEchoCompanion(server.httpUrl);
  const sunk = { count: 0 };
  companion.handle('sink', { message: () => void sunk.count++ });
  try {
    const v1 = await measure(page, companion, sunk, false);
    const v2 = await measure(page, companion, sunk, true);
    record(testInfo, browser, 'overhead', {
      payloadBytes: Buffer.byteLength(JSON.stringify(PAYLOAD)),
      paces: PACES,
      v1,
      v2,
    });
    expect(v2.scenarios['message burst']!.count).toBe(PACES[0]!.count);
  } finally {
    await companion.close();
  }
});
