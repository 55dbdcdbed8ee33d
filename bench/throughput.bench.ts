// Throughput: 5 000 pipelined 64-byte echo round trips in one page: through the native WebSocket,
// ReliableSocket.send and a channel over protocol v1 against an echo server that returns every frame verbatim
// (the same work for all three, so the figures compare the clients); and a channel over protocol v1 and over
// protocol v2 against the companion server's echo handler (`client.send`: under v2 both directions numbered and
// acknowledged), so that the v2 row says what delivery costs and the companion-v1 row which part of that is the
// server's. Interleaved, 15 rounds after an untimed warm-up round (so JIT compilation is not billed to the
// first run), every other round in reverse order. Ratios are taken per round against the native run of the same
// round, then the median: the machine's drift between rounds cancels out.
import type { Page } from '@playwright/test';
import { expect, openLibrary, test } from '../test/fixture/test.js';
import { startEchoCompanion, wsUrlOf } from './echo-companion.js';
import { type EchoKind, type EchoRunResult, echoRun } from './echo-run.js';
import { median, record } from './kit.js';

const COUNT = 20_000;
const SIZE = 64;
/**
 * The main figure's runs: many short rounds rather than a few long ones. On a shared machine the load swings
 * within seconds; short runs next to each other see the same load, and the median of many ratios holds still.
 */
const ROUNDS = 15;
const ROUND_COUNT = 5000;
const KINDS: readonly EchoKind[] = ['native', 'raw', 'channel', 'companion-v1', 'companion-v2'];

/** Runs one echo run in the page; fails the benchmark when the library dropped, erred or fell back to v1. */
async function run(page: Page, kind: EchoKind, url: string, count: number): Promise<EchoRunResult> {
  const result = await page.evaluate(echoRun, { kind, url, count, size: SIZE });
  expect(result.drops, `${kind}: drop events`).toBe(0);
  expect(result.errors, `${kind}: error events`).toEqual([]);
  return result;
}

test('throughput', async ({ page, server, browser }, testInfo) => {
  await openLibrary(page, server);
  const companion = await startEchoCompanion(server.httpUrl);
  try {
    // Straight to the servers, not through the fault proxy: the proxy would be one more hop for all.
    const fixtureUrl = `${server.httpUrl.replace('http', 'ws')}/`;
    const urlOf = (kind: EchoKind) => (kind.startsWith('companion') ? wsUrlOf(companion) : fixtureUrl);
    const runs = Object.fromEntries(KINDS.map((kind) => [kind, [] as number[]])) as Record<
      EchoKind,
      number[]
    >;
    // CPU time of this Node process (the echo servers: the fixture's and the companion) per message.
    const serverCpu = Object.fromEntries(KINDS.map((kind) => [kind, [] as number[]])) as Record<
      EchoKind,
      number[]
    >;
    const unacknowledged: Array<{ atEnd: number; after: number }> = [];
    for (let round = -1; round < ROUNDS; round++) {
      // Every other round in reverse order, so that a drift of the machine's load does not favour one kind.
      for (const kind of round % 2 ? [...KINDS].reverse() : KINDS) {
        const cpu = process.cpuUsage();
        const result = await run(page, kind, urlOf(kind), round < 0 ? ROUND_COUNT / 2 : ROUND_COUNT);
        const { user, system } = process.cpuUsage(cpu);
        if (round < 0) continue;
        runs[kind].push(result.perSecond);
        serverCpu[kind].push((user + system) / ROUND_COUNT);
        if (kind === 'companion-v2')
          unacknowledged.push({ atEnd: result.unacknowledgedAtEnd, after: result.unacknowledgedAfter });
      }
    }
    const ratio = (kind: EchoKind) =>
      median(runs[kind].map((perSecond, round) => perSecond / runs.native[round]!));
    const perSecond = (kind: EchoKind) => Math.round(median(runs[kind]));
    const figures = {
      count: ROUND_COUNT,
      rounds: ROUNDS,
      sizeBytes: SIZE,
      runs,
      nativePerSecond: perSecond('native'),
      rawPerSecond: perSecond('raw'),
      channelPerSecond: perSecond('channel'),
      companionV1PerSecond: perSecond('companion-v1'),
      v2PerSecond: perSecond('companion-v2'),
      rawRatio: ratio('raw'),
      channelRatio: ratio('channel'),
      companionV1Ratio: ratio('companion-v1'),
      v2Ratio: ratio('companion-v2'),
      // v2 against v1 through the same companion server: what the delivery protocol itself costs.
      v2OverV1: median(runs['companion-v2'].map((v2, round) => v2 / runs['companion-v1'][round]!)),
      v2Unacknowledged: unacknowledged,
      serverCpuUsPerMessage: Object.fromEntries(KINDS.map((kind) => [kind, median(serverCpu[kind])])),
    };
    record(testInfo, browser, 'throughput', figures);
    expect(figures.nativePerSecond).toBeGreaterThan(0);
    // Every frame of every v2 run was acknowledged in the end.
    expect(unacknowledged.map((u) => u.after)).toEqual(Array(ROUNDS).fill(0));
  } finally {
    await companion.close();
  }
});

/** Profile samples of a few functions, by self time: `name (file:line)` and its share of the busy samples. */
interface HotSpot {
  fn: string;
  share: number;
}

// Where the time goes, in Chromium (CDP): the page's main-thread busy time per message for every kind
// (`Performance.getMetrics` TaskDuration, median of 5 interleaved runs of their own), and the CPU profiler's share of the busy
// main-thread time spent in the library (dist/index.js and eventemitter3) for a raw run, a v1 channel run and
// a v2 channel run, with the functions that took the most of the v2 run. What is left is the browser's own
// work on each frame, which bounds native and ReliableSocket alike.
test('throughput profile', async ({ page, server, browser, browserName }, testInfo) => {
  if (browserName !== 'chromium') return; // the profiler is reached through CDP, which only Chromium has
  await openLibrary(page, server);
  const companion = await startEchoCompanion(server.httpUrl);
  try {
    const fixtureUrl = `${server.httpUrl.replace('http', 'ws')}/`;
    const urlOf = (kind: EchoKind) => (kind.startsWith('companion') ? wsUrlOf(companion) : fixtureUrl);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const taskSeconds = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'TaskDuration')?.value ?? Number.NaN;
    };
    const busy = Object.fromEntries(KINDS.map((kind) => [kind, [] as number[]]));
    for (const kind of KINDS) await run(page, kind, urlOf(kind), ROUND_COUNT / 2); // warm-up
    for (let round = 0; round < 5; round++) {
      for (const kind of round % 2 ? [...KINDS].reverse() : KINDS) {
        const before = await taskSeconds();
        await run(page, kind, urlOf(kind), ROUND_COUNT);
        busy[kind]!.push((((await taskSeconds()) - before) * 1e6) / ROUND_COUNT);
      }
    }
    const busyUsPerMessage = Object.fromEntries(KINDS.map((kind) => [kind, median(busy[kind]!)]));
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    const share: Record<string, number> = {};
    let hotSpots: HotSpot[] = [];
    for (const kind of ['raw', 'channel', 'companion-v2'] as const) {
      await cdp.send('Profiler.start');
      await run(page, kind, urlOf(kind), COUNT);
      const { profile } = await cdp.send('Profiler.stop');
      const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
      let busy = 0;
      let library = 0;
      const self = new Map<string, number>();
      for (const id of profile.samples ?? []) {
        const frame = nodes.get(id);
        if (!frame || frame.functionName === '(idle)') continue;
        busy++;
        if (/\/dist\/index\.js$|eventemitter3/.test(frame.url)) library++;
        const file = frame.url.split('/').pop() || 'native';
        const fn = `${frame.functionName || '(anonymous)'} (${file}:${frame.lineNumber + 1})`;
        self.set(fn, (self.get(fn) ?? 0) + 1);
      }
      share[kind] = library / busy;
      if (kind === 'companion-v2')
        hotSpots = [...self]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([fn, samples]) => ({ fn, share: samples / busy }));
    }
    record(testInfo, browser, 'throughput-profile', {
      busyUsPerMessage,
      libraryShareRaw: share.raw,
      libraryShareChannel: share.channel,
      libraryShareV2: share['companion-v2'],
      v2HotSpots: hotSpots,
    });
    expect(share.raw).toBeGreaterThanOrEqual(0);
  } finally {
    await companion.close();
  }
});

// The library's own JavaScript per message, in every browser: the same socket driven through a stub WebSocket
// that delivers and swallows frames synchronously, so nothing but the library's send and receive path is
// timed. Set against a native round trip measured above, it says how much of the throughput gap the library
// can account for at most. Over v2 the stub answers `hello` with `welcome`, acknowledges every 64 sequenced
// frames as they are sent (its acks' handling is billed to sending), and delivers numbered session frames (the
// client's batched acks to them are billed to receiving).
test('throughput cost', async ({ page, server, browser }, testInfo) => {
  await openLibrary(page, server);
  const cost = await page.evaluate(async (count) => {
    type Stub = {
      onopen: ((e: object) => void) | null;
      onmessage: ((e: { data: string }) => void) | null;
      sequenced: number;
    };
    let last: Stub | undefined;
    const WELCOME = '{"type":"welcome","v":2,"session":"s","resumed":false,"received":0}';
    class StubWebSocket {
      binaryType = 'blob';
      readyState = 0;
      protocol = '';
      bufferedAmount = 0;
      onopen: ((e: object) => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: ((e: object) => void) | null = null;
      onerror: ((e: object) => void) | null = null;
      /** Sequenced frames sent (v2): message, request, subscribe, unsubscribe — told by `{"type":"?`. */
      sequenced = 0;
      constructor() {
        last = this;
        setTimeout(() => {
          this.readyState = 1;
          this.onopen?.({});
        });
      }
      send(text: string): void {
        const type = text.charCodeAt(9);
        if (type === 104 /* h: hello */) setTimeout(() => this.onmessage?.({ data: WELCOME }));
        else if (type === 109 || type === 114 || type === 115 || type === 117) this.sequenced++;
      }
      close(): void {}
    }
    const payload = 'x'.repeat(64);
    const microseconds = (fn: () => void): number => {
      const start = performance.now();
      for (let i = 0; i < count; i++) fn();
      return ((performance.now() - start) * 1000) / count;
    };
    const measure = async (kind: 'raw' | 'channel' | 'v2') => {
      const socket = new window.RS.ReliableSocket('ws://127.0.0.1:1/', {
        WebSocket: StubWebSocket,
        delivery: kind === 'v2',
      });
      let received = 0;
      let send: () => void;
      let receive: () => void;
      if (kind === 'raw') {
        socket.on('message', () => received++);
        send = () => socket.send(payload);
        receive = () => last!.onmessage?.({ data: payload });
      } else {
        const echo = socket.channel('echo');
        echo.on('message', () => received++);
        if (kind === 'channel') {
          send = () => echo.send(payload);
          const inbound = JSON.stringify({ type: 'message', channel: 'echo', data: payload });
          receive = () => last!.onmessage?.({ data: inbound });
        } else {
          let sent = 0;
          send = () => {
            echo.send(payload);
            if (++sent % 64 === 0) last!.onmessage?.({ data: `{"type":"ack","seq":${last!.sequenced}}` });
          };
          // Numbered session frames, built beforehand so that building them is not timed: warm-up and run.
          const frames = Array.from({ length: 2 * count }, (_, i) =>
            JSON.stringify({ type: 'message', channel: 'echo', data: payload, seq: i + 1 }),
          );
          let next = 0;
          receive = () => last!.onmessage?.({ data: frames[next++]! });
        }
      }
      await window.RS.whenOpen(socket);
      microseconds(send); // warm-up
      microseconds(receive);
      const result = { sendUs: microseconds(send), receiveUs: microseconds(receive) };
      const unacknowledged = socket.unacknowledged;
      socket.close();
      return { ...result, received, unacknowledged };
    };
    return { raw: await measure('raw'), channel: await measure('channel'), v2: await measure('v2') };
  }, 100_000);
  record(testInfo, browser, 'throughput-cost', cost);
  expect(cost.raw.received).toBe(200_000);
  expect(cost.v2.received).toBe(200_000);
  expect(cost.v2.unacknowledged).toBeLessThan(64);
});
