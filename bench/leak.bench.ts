// Leaks, as a slope: the JS heap (after forced GC) at two large cycle counts, for the library and for the native
// WebSocket doing the same work in the same run. A cycle: a message out and its echo back, then the server
// destroys the connection (1006), and the socket reconnects after 10–50 ms. After WARM_UP cycles (JIT code,
// caches), readings at FIRST and SECOND cycles; the slope is the growth between them per cycle. Live objects are
// counted by constructor from a heap snapshot at both readings (Connection, Heartbeat, Timer, WebSocket, the
// library's listeners), with the pending timers and window/document listeners; and again after close().
// Heap and objects need CDP (Chromium). Firefox runs a short version: timers and listeners only.
import type { Browser, Page } from '@playwright/test';
import type { FixtureServer } from '../test/fixture/fixture-server.js';
import { openLibrary, test, trackPageListeners, trackTimers } from '../test/fixture/test.js';
import { record } from './kit.js';
import { countObjects, countWebSockets, heapUsed, startDestroyingServer } from './leak-kit.js';

const WARM_UP = 10;
const FIRST = 1500;
const SECOND = 3000;
/** Without CDP there is no heap to read: a short run for the timers and listeners. */
const SHORT = 300;
/**
 * Constructors counted in the heap: the socket, its per-connection objects, its timers, and eventemitter3's
 * listener records (`EE`, one per listener of any of the library's emitters). Native WebSockets are counted
 * by prototype.
 */
const CONSTRUCTORS = ['ReliableSocket', 'Connection', 'Heartbeat', 'Timer', 'EE'] as const;

type Side = 'library' | 'native';

declare global {
  interface Window {
    leak?: { cycles: number; run(count: number): Promise<void>; close(): Promise<void> };
  }
}

/** In the page: one socket of `side` that cycles on demand. Its close and echo listeners are set up once; each next open is awaited anew (the library with once()). */
function setUp({ url, side }: { url: string; side: Side }): void {
  const waiting: Partial<Record<'open' | 'echo' | 'close', (() => void) | undefined>> = {};
  const next = (name: keyof typeof waiting) => new Promise<void>((resolve) => (waiting[name] = resolve));
  const fire = (name: keyof typeof waiting): void => {
    const resolve = waiting[name];
    waiting[name] = undefined;
    resolve?.();
  };
  const delay = (): number => 10 + Math.random() * 40;
  const frame = (n: number): string => JSON.stringify({ type: 'message', channel: 'echo', data: { n } });
  let send: (n: number) => void;
  let close: () => void;
  /** The next open: the library's is awaited with once(), so the bench also proves that leaves nothing behind. */
  let nextOpen = (): Promise<void> => next('open');
  if (side === 'library') {
    const socket = new window.RS.ReliableSocket(url, {
      heartbeat: { intervalMs: 2000, timeoutMs: 2000 },
      reconnect: { delay },
      delivery: false, // the bench server echoes channel frames; it does not speak protocol v2
    });
    const echo = socket.channel('echo');
    nextOpen = () => new Promise((resolve) => socket.once('open', resolve));
    socket.on('close', () => fire('close'));
    echo.on('message', () => fire('echo'));
    send = (n) => echo.send({ n });
    close = () => socket.close();
  } else {
    let ws: WebSocket;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = (): void => {
      ws = new WebSocket(url);
      ws.onopen = () => fire('open');
      ws.onmessage = () => fire('echo');
      ws.onclose = () => {
        timer = setTimeout(connect, delay());
        fire('close');
      };
    };
    connect();
    send = (n) => ws.send(frame(n));
    close = () => {
      clearTimeout(timer);
      ws.onclose = null;
      ws.close();
    };
  }
  const opened = nextOpen();
  const state = {
    cycles: 0,
    run: async (count: number) => {
      await opened;
      for (let i = 0; i < count; i++) {
        const [echoed, closed] = [next('echo'), next('close')];
        send(state.cycles);
        await echoed;
        await closed;
        await nextOpen(); // registered long before the reconnection delay (≥ 10 ms) is over
        state.cycles++;
      }
    },
    close: async () => close(),
  };
  window.leak = state;
}

interface Reading {
  cycles: number;
  heapBytes: number | undefined;
  objects: Record<string, number> | undefined;
  pendingTimers: number;
  pageListeners: number;
}

/** Runs one side in a page of its own: warm-up, the readings, then close() and a last reading. */
async function measure(
  browser: Browser,
  url: string,
  side: Side,
  withCdp: boolean,
  httpServer: FixtureServer,
) {
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  try {
    await trackPageListeners(page);
    await trackTimers(page);
    await openLibrary(page, httpServer); // both sides load the library, so their heaps start alike
    const cdp = withCdp ? await context.newCDPSession(page) : undefined;
    const baseListeners = await page.evaluate(() => window.pageListeners!());
    await page.evaluate(setUp, { url, side });
    const read = async (): Promise<Reading> => ({
      cycles: await page.evaluate(() => window.leak!.cycles),
      heapBytes: cdp ? await heapUsed(cdp) : undefined,
      objects: cdp
        ? { ...(await countObjects(cdp, CONSTRUCTORS)), WebSocket: await countWebSockets(cdp) }
        : undefined,
      pendingTimers: await page.evaluate(() => window.pendingTimers!()),
      pageListeners: (await page.evaluate(() => window.pageListeners!())) - baseListeners,
    });
    const startedAt = Date.now();
    await page.evaluate((n) => window.leak!.run(n), WARM_UP);
    const readings: Reading[] = [];
    for (const at of withCdp ? [FIRST, SECOND] : [SHORT]) {
      const done = await page.evaluate(() => window.leak!.cycles);
      await page.evaluate((n) => window.leak!.run(n), WARM_UP + at - done);
      readings.push(await read());
    }
    const seconds = (Date.now() - startedAt) / 1000;
    await page.evaluate(() => window.leak!.close());
    await page
      .waitForFunction(() => window.pendingTimers!() === 0, undefined, { timeout: 5000 })
      .catch(() => {});
    const closed = await read();
    const [first, second] = readings;
    const slope =
      first?.heapBytes !== undefined && second?.heapBytes !== undefined
        ? (second.heapBytes - first.heapBytes) / (second.cycles - first.cycles)
        : undefined;
    return { readings, afterClose: closed, slopeBytesPerCycle: slope, seconds };
  } finally {
    await context.close();
  }
}

test('leak', async ({ browser, browserName, server }, testInfo) => {
  test.setTimeout(15 * 60_000);
  const destroying = await startDestroyingServer();
  try {
    const withCdp = browserName === 'chromium';
    // One after the other, each in its own page, so neither's garbage is in the other's heap.
    const native = await measure(browser, destroying.url, 'native', withCdp, server);
    const library = await measure(browser, destroying.url, 'library', withCdp, server);
    record(testInfo, browser, 'leak', {
      warmUp: WARM_UP,
      readingsAt: withCdp ? [FIRST, SECOND] : [SHORT],
      reconnectDelayMs: [10, 50],
      heartbeat: { intervalMs: 2000, timeoutMs: 2000 },
      library,
      native,
    });
  } finally {
    await destroying.close();
  }
});
