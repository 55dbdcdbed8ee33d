// What an app that does unexpected things finds, driven in Node with the fake WebSocket and clock: frames
// handed to a native socket that is already closing, an implementation that throws during the flush, buffers
// reused after send(), hooks that look at the socket, a first attempt that fails inside the constructor, a
// final code with the retries used up, a huge delay, and listeners added per wait.
import { expect, test } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { MAX_TIMER_MS } from '../../src/timer.js';
import { whenOpen } from '../../src/when-open.js';
import { FakeWebSocket, names, record, settle, transitions, withFakeTime } from './fakes.js';

const URL = 'ws://127.0.0.1:1/';
const clock = withFakeTime();

function socket(options: ReliableSocketOptions = {}): ReliableSocket {
  return new ReliableSocket(URL, {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    ...options,
    reconnect: options.reconnect === false ? false : { random: () => 0, ...options.reconnect },
  });
}

const ws = (): FakeWebSocket => FakeWebSocket.last();

test.describe('frames handed to the native socket', () => {
  test('a server close frame while onOpen runs: the queue stays queued, and goes out on the next connection', async () => {
    let release!: () => void;
    const s = socket({ onOpen: () => new Promise<void>((resolve) => (release = resolve)) });
    const events = record(s);
    s.send('1');
    s.send('2');
    const first = ws();
    first.open();
    first.closing(); // the server's 1012 arrived right after the handshake; the close event comes later
    release();
    await settle();
    expect(first.discarded).toEqual([]);
    expect(s.queuedMessages).toBe(2);
    expect(s.state).toBe('connecting');
    first.serverClose(1012);
    clock.advance(0);
    ws().open();
    await settle(); // onOpen again
    release();
    await settle();
    expect(ws().sent).toEqual(['1', '2']);
    expect(names(events).filter((n) => n === 'drop')).toEqual([]);
  });

  test('send() while open but the native socket is already CLOSING queues the frame for the next connection', () => {
    const s = socket();
    ws().open();
    ws().closing();
    expect(s.send('late')).toBe('queued');
    expect(ws().discarded).toEqual([]);
    ws().serverClose(1012);
    clock.advance(0);
    ws().open();
    expect(ws().sent).toEqual(['late']);
  });

  test('an implementation that throws on one queued frame: that frame is dropped (reason error), the rest go, open is reached', () => {
    const reported: unknown[] = [];
    const s = socket();
    const events = record(s);
    s.send('before');
    s.send('poison');
    s.send('after');
    const native = ws();
    const send = native.send.bind(native);
    native.send = (data: unknown) => {
      if (data === 'poison') throw new TypeError('cannot send this');
      send(data);
    };
    native.open();
    reported.push(...clock.uncaught.splice(0)); // report() rethrows from a timer in Node < 22
    clock.advance(0);
    reported.push(...clock.uncaught.splice(0));
    expect(s.state).toBe('open');
    expect(native.sent).toEqual(['before', 'after']);
    expect(events.filter((e) => e.name === 'drop').map((e) => e.args)).toEqual([['poison', 'error']]);
    expect(reported.map(String)).toEqual(['TypeError: cannot send this']);
  });

  test('a queued typed array is copied: reusing or transferring the buffer after send() does not change what goes out', () => {
    const s = socket({ binaryType: 'arraybuffer' });
    const bytes = new Uint8Array([1, 2, 3]);
    const view = new Uint8Array(new ArrayBuffer(8), 2, 3);
    view.set([7, 8, 9]);
    const buffer = new Uint8Array([4, 5]).buffer;
    expect(s.send(bytes)).toBe('queued');
    expect(s.send(view)).toBe('queued');
    expect(s.send(buffer)).toBe('queued');
    bytes.fill(0);
    view.fill(0);
    structuredClone(buffer, { transfer: [buffer] }); // detaches the app's buffer
    ws().open();
    expect(s.state).toBe('open');
    expect(ws().sent.map((frame) => [...new Uint8Array(frame as ArrayBuffer)])).toEqual([
      [1, 2, 3],
      [7, 8, 9],
      [4, 5],
    ]);
  });

  test('sending an already detached buffer is a TypeError at send(), as natively, not a silent loss later', () => {
    const s = socket();
    const buffer = new ArrayBuffer(4);
    structuredClone(buffer, { transfer: [buffer] });
    expect(() => s.send(buffer)).toThrow(TypeError);
    expect(s.queuedMessages).toBe(0);
  });
});

test.describe('retry policy and hooks', () => {
  test('shouldReconnect and delay run in reconnecting; send() from them queues', () => {
    const seen: Array<[string, string, string]> = [];
    let s!: ReliableSocket;
    s = socket({
      reconnect: {
        shouldReconnect: () => {
          seen.push(['shouldReconnect', s.state, s.send('from shouldReconnect')]);
          return true;
        },
        delay: () => {
          seen.push(['delay', s.state, s.send('from delay')]);
          return 10;
        },
      },
    });
    ws().open();
    ws().fail();
    expect(seen).toEqual([
      ['shouldReconnect', 'reconnecting', 'queued'],
      ['delay', 'reconnecting', 'queued'],
    ]);
    clock.advance(10);
    ws().open();
    expect(ws().sent).toEqual(['from shouldReconnect', 'from delay']);
  });

  test('shouldReconnect saying no: reconnecting → closed, one final close', () => {
    const s = socket({ reconnect: { shouldReconnect: () => false } });
    const events = record(s);
    ws().open();
    ws().serverClose(4000);
    expect(transitions(events)).toEqual(['connecting→open', 'open→reconnecting', 'reconnecting→closed']);
    expect(names(events)).toEqual(['open', 'close']);
    expect(clock.pending).toBe(0);
  });

  test('a final close code is final even with the retries used up: no RetriesExhaustedError', () => {
    const s = socket({ reconnect: { maxRetries: 0 } });
    const events = record(s);
    ws().open();
    ws().serverClose(1008, 'policy');
    expect(names(events)).toEqual(['open', 'close']);
    expect(events.at(-1)?.args[0]).toMatchObject({ code: 1008, willReconnect: false });
  });

  test('a delay above the longest timer is capped at 2^31−1 ms, not fired at once', () => {
    const s = socket({ reconnect: { delay: () => 2 ** 40 } });
    const events = record(s);
    ws().open();
    ws().fail();
    expect(events.find((e) => e.name === 'reconnecting')?.args[0]).toEqual({
      attempt: 1,
      delayMs: MAX_TIMER_MS,
    });
    clock.advance(60_000);
    expect(s.state).toBe('reconnecting');
    expect(clock.nextIn).toBe(MAX_TIMER_MS - 60_000);
  });

  test('offline at retry time: the retry waits, and looks again after its delay even if online is never fired', () => {
    const network = { onLine: false };
    const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: network, configurable: true });
    try {
      const s = socket({ reconnect: { initialDelayMs: 100, jitter: 'none' } });
      ws().open();
      ws().fail();
      clock.advance(100);
      clock.advance(100);
      expect([s.state, FakeWebSocket.instances.length]).toEqual(['reconnecting', 1]);
      network.onLine = true; // no 'online' event: an emulated network, or a worker
      clock.advance(100);
      expect([s.state, FakeWebSocket.instances.length]).toEqual(['connecting', 2]);
    } finally {
      if (had) Object.defineProperty(globalThis, 'navigator', had);
      else Reflect.deleteProperty(globalThis, 'navigator');
    }
  });

  test('a native constructor that throws on the first attempt: listeners attached after new still hear it', async () => {
    class Refusing extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        throw new SyntaxError('bad port');
      }
    }
    const s = socket({
      WebSocket: Refusing as unknown as ReliableSocketOptions['WebSocket'],
      reconnect: false,
    });
    const events = record(s);
    expect(s.state).toBe('connecting');
    await settle();
    expect(s.state).toBe('closed');
    expect(names(events)).toEqual(['error', 'close']);
    expect(events[1]?.args[0]).toMatchObject({ code: 'ERR_URL' });
  });
});

test.describe('listeners', () => {
  test('once() runs a listener once and leaves nothing behind; its returned function removes it before', () => {
    const s = socket();
    const heard: string[] = [];
    s.once('message', (data) => heard.push(String(data)));
    const off = s.once('message', () => heard.push('never'));
    off();
    ws().open();
    ws().receive('a');
    ws().receive('b');
    expect(heard).toEqual(['a']);
  });

  test('waiting for the next open with once() or whenOpen({ next }) 300 times leaves no listener: no leak warning', async () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
    try {
      const s = socket({ reconnect: { initialDelayMs: 0 } });
      ws().open();
      for (let cycle = 0; cycle < 300; cycle++) {
        let opened = false;
        s.once('open', () => (opened = true));
        const next = whenOpen(s, { next: true });
        ws().fail();
        clock.advance(0);
        ws().open();
        await next;
        expect(opened).toBe(true);
      }
      expect(warnings).toEqual([]);
      // The detector works: listeners that are never removed are reported once, at 101.
      for (let i = 0; i < 150; i++) s.on('open', () => {});
      expect(warnings).toHaveLength(1);
      expect(String(warnings[0])).toContain('101 listeners of "open"');
    } finally {
      console.warn = warn;
    }
  });

  test('whenOpen() resolves at once when open; whenOpen({ next: true }) waits for the next open', async () => {
    const s = socket({ reconnect: { initialDelayMs: 0 } });
    ws().open();
    await whenOpen(s);
    let resolved = false;
    const next = whenOpen(s, { next: true }).then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    s.reconnect();
    ws().open();
    await next;
    expect(resolved).toBe(true);
  });
});
