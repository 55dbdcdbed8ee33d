// Throughput: 20 000 pipelined 64-byte echo round trips, through the native WebSocket, ReliableSocket.send
// and a channel (JSON envelopes), in the same page against the same echo server, interleaved, median of 3
// after an untimed warm-up round (so JIT compilation is not billed to the first run). Ratios are taken per
// round against the native run next to it, then the median: the machine's drift between rounds cancels out.
// The server echoes every frame verbatim (a channel envelope comes back as a valid channel message), so it is
// the same work for all three and the figures compare the clients.
import { expect, openLibrary, test } from '../test/fixture/test.js';
import { median, record } from './kit.js';

type Kind = 'native' | 'raw' | 'channel';
const COUNT = 20_000;
const SIZE = 64;

test('throughput', async ({ page, server, browser }, testInfo) => {
  await openLibrary(page, server);
  // Straight to the server, not through the fault proxy: the proxy would be one more hop for all three.
  const url = `${server.httpUrl.replace('http', 'ws')}/`;
  const runs: Record<Kind, number[]> = { native: [], raw: [], channel: [] };
  for (let round = -1; round < 3; round++) {
    for (const kind of ['native', 'raw', 'channel'] as const) {
      const perSecond = await page.evaluate(
        async ({ url, kind, count, size }) => {
          const payload = 'x'.repeat(size);
          let received = 0;
          let done = (): void => {};
          const finished = new Promise<void>((resolve) => (done = resolve));
          const arrived = (): void => {
            if (++received === count) done();
          };
          let send: (data: string) => unknown;
          let close: () => void;
          if (kind === 'native') {
            const ws = new WebSocket(url);
            await new Promise((resolve) => (ws.onopen = resolve));
            ws.onmessage = arrived;
            send = (data) => ws.send(data);
            close = () => ws.close();
          } else {
            const socket = new window.RS.ReliableSocket(url);
            await window.RS.whenOpen(socket);
            if (kind === 'raw') {
              socket.on('message', arrived);
              send = (data) => socket.send(data);
            } else {
              const echo = socket.channel('echo');
              echo.on('message', arrived);
              send = (data) => echo.send(data);
            }
            close = () => socket.close();
          }
          const start = performance.now();
          for (let i = 0; i < count; i++) send(payload);
          await finished;
          const perSecond = (count / (performance.now() - start)) * 1000;
          close();
          return perSecond;
        },
        { url, kind, count: round < 0 ? COUNT / 10 : COUNT, size: SIZE },
      );
      if (round >= 0) runs[kind].push(perSecond);
    }
  }
  const native = median(runs.native);
  const ratio = (kind: Kind) => median(runs[kind].map((perSecond, round) => perSecond / runs.native[round]!));
  const figures = {
    count: COUNT,
    sizeBytes: SIZE,
    runs,
    nativePerSecond: Math.round(native),
    rawPerSecond: Math.round(median(runs.raw)),
    channelPerSecond: Math.round(median(runs.channel)),
    rawRatio: ratio('raw'),
    channelRatio: ratio('channel'),
  };
  record(testInfo, browser, 'throughput', figures);
  expect(figures.nativePerSecond).toBeGreaterThan(0);
});

// Where the time goes (Chromium's CPU profiler over CDP): the share of the page's busy main-thread time
// spent in the library (dist/index.js and eventemitter3), for a raw and a channel run. What is left is the
// browser's own work on each frame, which bounds native and ReliableSocket alike.
test('throughput profile', async ({ page, server, browser, browserName }, testInfo) => {
  if (browserName !== 'chromium') return; // the profiler is reached through CDP, which only Chromium has
  await openLibrary(page, server);
  const url = `${server.httpUrl.replace('http', 'ws')}/`;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  const share: Record<string, number> = {};
  for (const kind of ['raw', 'channel'] as const) {
    const run = () =>
      page.evaluate(
        async ({ url, kind, count }) => {
          const payload = 'x'.repeat(64);
          let received = 0;
          let done = (): void => {};
          const finished = new Promise<void>((resolve) => (done = resolve));
          const arrived = (): void => {
            if (++received === count) done();
          };
          const socket = new window.RS.ReliableSocket(url);
          await window.RS.whenOpen(socket);
          const echo = socket.channel('echo');
          if (kind === 'raw') socket.on('message', arrived);
          else echo.on('message', arrived);
          for (let i = 0; i < count; i++) kind === 'raw' ? socket.send(payload) : echo.send(payload);
          await finished;
          socket.close();
        },
        { url, kind, count: COUNT },
      );
    await run(); // warm-up
    await cdp.send('Profiler.start');
    await run();
    const { profile } = await cdp.send('Profiler.stop');
    const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    let busy = 0;
    let library = 0;
    for (const id of profile.samples ?? []) {
      const frame = nodes.get(id);
      if (!frame || frame.functionName === '(idle)') continue;
      busy++;
      if (/\/dist\/index\.js$|eventemitter3/.test(frame.url)) library++;
    }
    share[kind] = library / busy;
  }
  record(testInfo, browser, 'throughput-profile', {
    libraryShareRaw: share.raw,
    libraryShareChannel: share.channel,
  });
  expect(share.raw).toBeGreaterThanOrEqual(0);
});

// The library's own JavaScript per message, in every browser: the same socket driven through a stub WebSocket
// that delivers and swallows frames synchronously, so nothing but the library's send and receive path is
// timed. Set against a native round trip measured above, it says how much of the throughput gap the library
// can account for at most.
test('throughput cost', async ({ page, server, browser }, testInfo) => {
  await openLibrary(page, server);
  const cost = await page.evaluate(async (count) => {
    let last:
      | { onopen: ((e: object) => void) | null; onmessage: ((e: { data: string }) => void) | null }
      | undefined;
    class StubWebSocket {
      binaryType = 'blob';
      readyState = 0;
      protocol = '';
      bufferedAmount = 0;
      onopen: ((e: object) => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: ((e: object) => void) | null = null;
      onerror: ((e: object) => void) | null = null;
      constructor() {
        last = this;
        setTimeout(() => {
          this.readyState = 1;
          this.onopen?.({});
        });
      }
      send(): void {}
      close(): void {}
    }
    const payload = 'x'.repeat(64);
    const microseconds = (fn: () => void): number => {
      const start = performance.now();
      for (let i = 0; i < count; i++) fn();
      return ((performance.now() - start) * 1000) / count;
    };
    const measure = async (kind: 'raw' | 'channel') => {
      const socket = new window.RS.ReliableSocket('ws://127.0.0.1:1/', { WebSocket: StubWebSocket });
      await window.RS.whenOpen(socket);
      const ws = last!;
      let received = 0;
      let send: () => void;
      let inbound: string;
      if (kind === 'raw') {
        socket.on('message', () => received++);
        send = () => socket.send(payload);
        inbound = payload;
      } else {
        const echo = socket.channel('echo');
        echo.on('message', () => received++);
        send = () => echo.send(payload);
        inbound = JSON.stringify({ type: 'message', channel: 'echo', data: payload });
      }
      const receive = () => ws.onmessage?.({ data: inbound });
      microseconds(send); // warm-up
      microseconds(receive);
      const result = { sendUs: microseconds(send), receiveUs: microseconds(receive) };
      socket.close();
      return { ...result, received };
    };
    return { raw: await measure('raw'), channel: await measure('channel') };
  }, 100_000);
  record(testInfo, browser, 'throughput-cost', cost);
  expect(cost.raw.received).toBe(200_000);
});
