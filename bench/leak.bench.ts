// Leaks: 300 forced disconnect/reconnect cycles — the server cutting the connection and reconnect() in turn,
// each cycle round-tripping a channel message — then garbage collection. Reports the JS heap growth and the
// native WebSocket objects still alive (Chromium, through a CDP session), and the timers and page listeners
// the socket holds: the same count after 300 cycles as after the warm-up, and none at all after close().
import { openLibrary, test, trackTimers } from '../test/fixture/test.js';
import { record } from './kit.js';

/** Cycles before the first heap reading: the first few dozen grow the heap by JIT code and caches, once. */
const WARM_UP = 50;
const CYCLES = 300;

declare global {
  interface Window {
    leak?: {
      opens: number;
      cycle(kind: 'reconnect' | 'none'): Promise<void>;
      waitOpens(count: number): Promise<void>;
      roundTrip(): Promise<void>;
      close(): Promise<void>;
    };
    pageListeners?: () => number;
  }
}

test('leak', async ({ page, server, browser, browserName }, testInfo) => {
  // Counts listeners on window and document, where the socket listens for online/offline/visibility/pageshow.
  await page.addInitScript(() => {
    const live = new Set<string>();
    const key = (target: EventTarget, type: string, listener: unknown) =>
      `${target === window ? 'window' : 'document'}:${type}:${String(listener).length}:${live.size}`;
    const keys = new WeakMap<object, string>();
    const { addEventListener: add, removeEventListener: remove } = EventTarget.prototype;
    EventTarget.prototype.addEventListener = function (
      this: EventTarget,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | AddEventListenerOptions,
    ) {
      if ((this === window || this === document) && listener && !keys.has(listener)) {
        const k = key(this, type, listener);
        keys.set(listener, k);
        live.add(k);
      }
      return add.call(this, type, listener, options);
    };
    EventTarget.prototype.removeEventListener = function (
      this: EventTarget,
      type: string,
      listener: EventListenerOrEventListenerObject | null,
      options?: boolean | EventListenerOptions,
    ) {
      const k = listener ? keys.get(listener) : undefined;
      if ((this === window || this === document) && listener && k) {
        live.delete(k);
        keys.delete(listener);
      }
      return remove.call(this, type, listener, options);
    };
    window.pageListeners = () => live.size;
  });
  await trackTimers(page);
  await openLibrary(page, server);
  const baselineListeners = await page.evaluate(() => window.pageListeners!());

  await page.evaluate((url) => {
    const socket = new window.RS.ReliableSocket(url, { reconnect: { initialDelayMs: 5, maxDelayMs: 5 } });
    const echo = socket.channel('echo');
    const waiters: Array<() => void> = [];
    const state = {
      opens: 0,
      waitOpens: (count: number) =>
        new Promise<void>((resolve) => {
          if (state.opens >= count) resolve();
          else waiters.push(() => state.opens >= count && resolve());
        }),
      cycle: async (kind: 'reconnect' | 'none') => {
        if (kind === 'reconnect') socket.reconnect();
      },
      roundTrip: () =>
        new Promise<void>((resolve) => {
          const off = echo.on('message', () => {
            off();
            resolve();
          });
          echo.send({ ping: state.opens });
        }),
      close: () =>
        new Promise<void>((resolve) => {
          socket.on('close', ({ willReconnect }) => !willReconnect && resolve());
          socket.close();
        }),
    };
    socket.on('open', () => {
      state.opens++;
      for (const waiter of waiters.splice(0)) waiter();
    });
    window.leak = state;
  }, server.wsUrl);
  await page.evaluate(() => window.leak!.waitOpens(1));

  const cdp = browserName === 'chromium' ? await page.context().newCDPSession(page) : undefined;
  const heapUsed = async (): Promise<number | undefined> => {
    if (!cdp) return undefined;
    for (let i = 0; i < 3; i++) await cdp.send('HeapProfiler.collectGarbage');
    return (await cdp.send('Runtime.getHeapUsage')).usedSize;
  };
  const runCycles = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      if (i % 2 === 0) server.kill();
      else await page.evaluate(() => window.leak!.cycle('reconnect'));
      await page.evaluate((count) => window.leak!.waitOpens(count), i + 2);
      await page.evaluate(() => window.leak!.roundTrip());
    }
  };
  const counts = () =>
    page.evaluate(() => ({ timers: window.pendingTimers!(), listeners: window.pageListeners!() }));

  await runCycles(0, WARM_UP);
  const heapBefore = await heapUsed();
  const before = await counts();
  await runCycles(WARM_UP, WARM_UP + CYCLES);
  const heapAfter = await heapUsed();
  const after = await counts();
  // Every native socket ever created, still in the heap: 1 (the current one) when nothing leaks. Asked last,
  // because CDP keeps what queryObjects returns alive.
  let liveWebSockets: number | undefined;
  if (cdp) {
    const { result } = await cdp.send('Runtime.evaluate', { expression: 'WebSocket.prototype' });
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: result.objectId! });
    const { result: length } = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId!,
      functionDeclaration: 'function () { return this.length; }',
      returnByValue: true,
    });
    liveWebSockets = length.value as number;
  }
  await page.evaluate(() => window.leak!.close());
  const closed = await counts();

  record(testInfo, browser, 'leak', {
    cycles: CYCLES,
    heapBeforeBytes: heapBefore,
    heapAfterBytes: heapAfter,
    heapGrowthBytes: heapBefore === undefined || heapAfter === undefined ? undefined : heapAfter - heapBefore,
    liveWebSockets,
    timersBefore: before.timers,
    timersAfter: after.timers,
    timersAfterClose: closed.timers,
    listenersBefore: before.listeners - baselineListeners,
    listenersAfter: after.listeners - baselineListeners,
    listenersAfterClose: closed.listeners - baselineListeners,
  });
});
