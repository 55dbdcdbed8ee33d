// The demo's /live endpoint: a foreign origin is refused, and presence under 400 pages (issue 10 measured
// 80,200 presence frames, N²/2) is coalesced, so the frames sent are bounded by N per presence window that
// passed, plus one per subscriber. Uses the built server (demo/chat-room.mjs imports dist/server.js): run
// after `npm run build`.
import { performance } from 'node:perf_hooks';
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import { PRESENCE_INTERVAL_MS } from '../../demo/chat-room.mjs';
import { startDemo } from '../../demo/server.mjs';
import { handshakeStatus } from './server-kit.js';

const PAGES = 400;

test('/live takes the demo page’s own origin (and non-browsers), and refuses another site’s', async () => {
  const demo = await startDemo({ port: 0 });
  try {
    const live = `${demo.url.replace('http', 'ws')}live`;
    expect(await handshakeStatus(live, { origin: new URL(demo.url).origin })).toBe(101);
    expect(await handshakeStatus(live)).toBe(101);
    expect(await handshakeStatus(live, { origin: 'https://evil.example' })).toBe(403);
  } finally {
    await demo.close();
  }
});

test('400 pages joining cost O(N) presence frames per window, not N²/2; every page ends up with the count', async () => {
  test.setTimeout(60_000);
  const demo = await startDemo({ port: 0 });
  const sockets: WebSocket[] = [];
  try {
    const live = `${demo.url.replace('http', 'ws')}live`;
    /** The last count each page heard, and how many presence frames all pages got. */
    const last = new Array<number>(PAGES).fill(0);
    let frames = 0;
    const started = performance.now();
    for (let batch = 0; batch < PAGES; batch += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, offset) => {
          const page = batch + offset;
          const ws = new WebSocket(live);
          sockets.push(ws);
          ws.on('message', (data) => {
            const frame = JSON.parse(String(data)) as {
              type: string;
              channel?: string;
              data?: { online: number };
            };
            if (frame.type !== 'message' || frame.channel !== 'presence') return;
            frames++;
            last[page] = frame.data!.online;
          });
          await new Promise((resolve, reject) => {
            ws.once('open', resolve);
            ws.once('error', reject);
          });
          ws.send(JSON.stringify({ type: 'subscribe', channel: 'presence' }));
        }),
      );
    }
    await expect.poll(() => last.every((online) => online === PAGES), { timeout: 30_000 }).toBe(true);
    const windows = Math.ceil((performance.now() - started) / PRESENCE_INTERVAL_MS) + 1;
    expect(frames).toBeLessThanOrEqual(PAGES + PAGES * windows);
    expect(frames).toBeLessThan((PAGES * PAGES) / 4);
  } finally {
    for (const ws of sockets) ws.terminate();
    await demo.close();
  }
});
