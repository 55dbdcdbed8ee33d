// The ReliableSocket state machine, driven in Node with a fake WebSocket and a fake clock: every path through
// the states, including re-entrant calls from listeners. Each scenario runs through the real checkTransition,
// so an illegal transition anywhere fails the test that provoked it. Behaviour against real browsers and a
// real server is proven again in test/browser.
import { expect, test } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { whenOpen } from '../../src/when-open.js';
import { FakeWebSocket, names, type Recorded, record, settle, transitions, withFakeTime } from './fakes.js';

const URL = 'ws://127.0.0.1:1/';
const clock = withFakeTime();

/** A socket on the fake WebSocket with deterministic backoff (random 0.5) unless overridden. */
function open(options: ReliableSocketOptions = {}): { socket: ReliableSocket; events: Recorded[] } {
  const socket = new ReliableSocket(URL, {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    ...options,
    reconnect: options.reconnect === false ? false : { random: () => 0.5, ...options.reconnect },
  });
  return { socket, events: record(socket) };
}

const ws = (): FakeWebSocket => FakeWebSocket.last();

test.describe('connect', () => {
  test('connecting → open, emitting open once the handshake is done', () => {
    const { socket, events } = open();
    expect([socket.state, socket.readyState]).toEqual(['connecting', 0]);
    ws().open();
    expect([socket.state, socket.readyState]).toEqual(['open', 1]);
    expect(transitions(events)).toEqual(['connecting→open']);
    expect(names(events)).toEqual(['open']);
  });

  test('frames sent before open are queued, then flushed in order before open is emitted', () => {
    const { socket, events } = open();
    expect(socket.send('1')).toBe('queued');
    expect(socket.send('2')).toBe('queued');
    expect(socket.bufferedAmount).toBe(2);
    socket.on('open', () => socket.send('after open'));
    ws().open();
    expect(ws().sent).toEqual(['1', '2', 'after open']);
    expect(names(events)).toEqual(['open']);
    expect(socket.send('3')).toBe('sent');
  });

  test('connect timeout: an attempt still CONNECTING after connectTimeoutMs is abandoned and retried', () => {
    const { socket, events } = open({
      connectTimeoutMs: 1000,
      reconnect: { initialDelayMs: 100, jitter: 'none' },
    });
    const first = ws();
    clock.advance(999);
    expect(socket.state).toBe('connecting');
    clock.advance(1);
    expect(first.attached).toBe(false);
    expect(first.closedWith).toBeDefined(); // closed in the background
    expect(events.find((e) => e.name === 'close')?.args[0]).toEqual({
      code: 1006,
      reason: 'connect timeout',
      wasClean: false,
      willReconnect: true,
    });
    clock.advance(100);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(transitions(events)).toEqual(['connecting→reconnecting', 'reconnecting→connecting']);
  });

  test('the connect timeout covers onOpen: a hook that never settles fails the attempt', async () => {
    const { socket, events } = open({ connectTimeoutMs: 500, onOpen: () => new Promise<void>(() => {}) });
    ws().open();
    await settle();
    expect(socket.state).toBe('connecting');
    clock.advance(500);
    expect(socket.state).toBe('reconnecting');
    expect(events.find((e) => e.name === 'close')?.args[0]).toMatchObject({ reason: 'connect timeout' });
  });
});

test.describe('onOpen', () => {
  test('runs before the flush; its frames go first; an async hook holds the flush', async () => {
    let release = (): void => {};
    const { socket, events } = open({
      onOpen: ({ send, connection }) => {
        send(`auth ${connection}`);
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    socket.send('queued');
    ws().open();
    await settle();
    expect(ws().sent).toEqual(['auth 1']);
    expect(socket.state).toBe('connecting');
    release();
    await settle();
    expect(ws().sent).toEqual(['auth 1', 'queued']);
    expect(names(events)).toEqual(['open']);
  });

  test('a hook that throws fails the attempt with OnOpenError and retries', async () => {
    let calls = 0;
    const { socket, events } = open({
      onOpen: () => {
        calls++;
        if (calls === 1) throw new Error('auth refused');
      },
    });
    ws().open();
    await settle();
    expect(socket.state).toBe('reconnecting');
    const error = events.find((e) => e.name === 'error')?.args[0];
    expect(error).toMatchObject({ code: 'ERR_ON_OPEN', cause: new Error('auth refused') });
    expect(FakeWebSocket.instances[0]?.attached).toBe(false);
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    await settle();
    expect(socket.state).toBe('open');
    expect(calls).toBe(2);
  });

  test('close() while the hook runs: the hook result is ignored and nothing is flushed', async () => {
    let release = (): void => {};
    const { socket } = open({ onOpen: () => new Promise<void>((resolve) => (release = resolve)) });
    socket.send('queued');
    ws().open();
    socket.close();
    release();
    await settle();
    expect(ws().sent).toEqual([]);
    expect(socket.state).toBe('closing');
  });
});

test.describe('reconnect', () => {
  test('a lost connection: open → reconnecting → connecting → open, with close and reconnecting events', () => {
    const { socket, events } = open({ reconnect: { initialDelayMs: 1000 } });
    ws().open();
    ws().fail();
    expect(socket.state).toBe('reconnecting');
    expect(events.filter((e) => e.name === 'close').map((e) => e.args[0])).toEqual([
      { code: 1006, reason: '', wasClean: false, willReconnect: true },
    ]);
    expect(events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0])).toEqual([
      { attempt: 1, delayMs: 500 },
    ]);
    clock.advance(499);
    expect(FakeWebSocket.instances).toHaveLength(1);
    clock.advance(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
    ws().open();
    expect(transitions(events)).toEqual([
      'connecting→open',
      'open→reconnecting',
      'reconnecting→connecting',
      'connecting→open',
    ]);
  });

  test('retries back off exponentially up to the cap (random 0.5 → half the cap)', () => {
    const { events } = open({ reconnect: { initialDelayMs: 100, factor: 2, maxDelayMs: 800 } });
    for (let i = 0; i < 6; i++) {
      ws().fail();
      clock.advance(clock.nextIn ?? 0);
    }
    expect(events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0])).toEqual(
      [50, 100, 200, 400, 400, 400].map((delayMs, i) => ({ attempt: i + 1, delayMs })),
    );
  });

  test('the retry count resets only after stableAfterMs of uptime', () => {
    const { events } = open({ reconnect: { stableAfterMs: 5000 } });
    const attempts = (): number[] =>
      events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0].attempt);
    ws().open();
    ws().fail(); // up for 0 ms
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    clock.advance(4999);
    ws().fail(); // up for 4999 ms: not stable
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    clock.advance(5000);
    ws().fail(); // up for 5000 ms: stable, start over
    expect(attempts()).toEqual([1, 2, 1]);
  });

  test('maxRetries: after that many failed retries, closed for good with RetriesExhaustedError', () => {
    const { socket, events } = open({ reconnect: { maxRetries: 2 } });
    ws().fail();
    clock.advance(clock.nextIn ?? 0);
    ws().fail();
    clock.advance(clock.nextIn ?? 0);
    ws().fail();
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(names(events)).toEqual(['close', 'reconnecting', 'close', 'reconnecting', 'error', 'close']);
    expect(events.at(-2)?.args[0]).toMatchObject({ code: 'ERR_RETRIES_EXHAUSTED', retries: 2 });
    expect(events.at(-1)?.args[0]).toMatchObject({ willReconnect: false });
    expect(clock.pending).toBe(0);
  });

  test('reconnect: false closes for good on the first loss', () => {
    const { socket, events } = open({ reconnect: false });
    ws().open();
    ws().fail();
    expect(socket.state).toBe('closed');
    expect(transitions(events)).toEqual(['connecting→open', 'open→closed']);
  });

  test('final close codes end it; others (1000, 1001, 4xxx) retry', () => {
    for (const [code, final] of [
      [1008, true],
      [1002, true],
      [1000, false],
      [1001, false],
      [1011, false],
      [4001, false],
    ] as const) {
      const { socket } = open();
      ws().open();
      ws().serverClose(code);
      expect([code, socket.state]).toEqual([code, final ? 'closed' : 'reconnecting']);
      socket.close();
    }
  });

  test('shouldReconnect decides for codes that are not final; finalCloseCodes: [] retries 1008', () => {
    const asked: unknown[] = [];
    const { socket } = open({
      reconnect: {
        shouldReconnect: (close) => {
          asked.push(close);
          return close.code !== 4001;
        },
      },
    });
    ws().open();
    ws().serverClose(4000, 'again');
    expect(socket.state).toBe('reconnecting');
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    ws().serverClose(4001, 'stop');
    expect(socket.state).toBe('closed');
    expect(asked).toEqual([
      { code: 4000, reason: 'again', wasClean: true },
      { code: 4001, reason: 'stop', wasClean: true },
    ]);
    const second = open({ reconnect: { finalCloseCodes: [] } });
    ws().open();
    ws().serverClose(1008);
    expect(second.socket.state).toBe('reconnecting');
    second.socket.close();
  });

  test('a throwing shouldReconnect is reported and the socket keeps reconnecting', () => {
    const { socket } = open({
      reconnect: {
        shouldReconnect: () => {
          throw new Error('hook bug');
        },
      },
    });
    ws().open();
    ws().fail();
    expect(socket.state).toBe('reconnecting');
    clock.advance(0); // the report is a rethrow from a timer in Node
    expect(clock.uncaught.splice(0)).toEqual([new Error('hook bug')]);
    socket.close();
  });

  test('a custom delay gets the attempt and the close details; a bad result falls back to 1 s', () => {
    const seen: unknown[] = [];
    const { events } = open({
      reconnect: {
        delay: (attempt, lastClose) => {
          seen.push([attempt, lastClose.code]);
          return attempt === 1 ? 250 : Number.NaN;
        },
      },
    });
    ws().fail();
    clock.advance(250);
    ws().fail();
    expect(seen).toEqual([
      [1, 1006],
      [2, 1006],
    ]);
    expect(events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0].delayMs)).toEqual([
      250, 1000,
    ]);
  });

  test('URL function: called before every attempt; a failure is an ERR_URL error and a retry', async () => {
    let n = 0;
    const socket = new ReliableSocket(
      () => {
        n++;
        if (n === 2) throw new Error('token service down');
        return Promise.resolve(`${URL}?token=${n}`);
      },
      {
        WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
        reconnect: { random: () => 0 },
      },
    );
    const events = record(socket);
    expect(socket.url).toBe('');
    await settle();
    expect(ws().url).toBe(`${URL}?token=1`);
    ws().open();
    ws().fail();
    clock.advance(0);
    await settle();
    expect(events.find((e) => e.name === 'error')?.args[0]).toMatchObject({ code: 'ERR_URL' });
    expect(socket.state).toBe('reconnecting');
    clock.advance(0);
    await settle();
    expect(ws().url).toBe(`${URL}?token=3`);
    expect(socket.url).toBe(`${URL}?token=3`);
    socket.close();
  });

  test('reconnect() drops an open connection and connects at once, keeping the retry count', () => {
    const { socket, events } = open();
    const first = ws();
    first.open();
    socket.reconnect();
    expect(first.attached).toBe(false);
    expect(first.closedWith).toEqual({ code: 1000, reason: 'reconnect()' });
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
    expect(events.filter((e) => e.name === 'close').map((e) => e.args[0])).toEqual([
      { code: 1006, reason: 'reconnect()', wasClean: false, willReconnect: true },
    ]);
    ws().open();
    expect(transitions(events)).toEqual(['connecting→open', 'open→connecting', 'connecting→open']);
  });

  test('reconnect() while waiting to retry or while connecting starts a fresh attempt now', () => {
    const { socket, events } = open({ reconnect: { initialDelayMs: 60_000 } });
    ws().fail();
    socket.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
    const attempt = ws();
    socket.reconnect();
    expect(attempt.attached).toBe(false);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(transitions(events)).toEqual(['connecting→reconnecting', 'reconnecting→connecting']);
    expect(clock.pending).toBe(1); // only the live attempt's connect timeout
  });
});

test.describe('close', () => {
  test('while open: closing until the server answers, then closed; final and idempotent', () => {
    const { socket, events } = open();
    ws().open();
    socket.close(4000, 'bye');
    socket.close();
    expect([socket.state, socket.readyState]).toEqual(['closing', 2]);
    expect(ws().closedWith).toEqual({ code: 4000, reason: 'bye' });
    ws().serverClose(4000, 'bye');
    expect([socket.state, socket.readyState]).toEqual(['closed', 3]);
    expect(events.filter((e) => e.name === 'close').map((e) => e.args[0])).toEqual([
      { code: 4000, reason: 'bye', wasClean: true, willReconnect: false },
    ]);
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
    expect(() => socket.reconnect()).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
    expect(clock.pending).toBe(0);
  });

  test('a server that never answers the close: closed after the heartbeat timeout', () => {
    const { socket, events } = open({ heartbeat: { timeoutMs: 2000 } });
    ws().open();
    socket.close();
    clock.advance(1999);
    expect(socket.state).toBe('closing');
    clock.advance(1);
    expect(socket.state).toBe('closed');
    expect(events.at(-1)?.args[0]).toEqual({ code: 1000, reason: '', wasClean: false, willReconnect: false });
    expect(ws().attached).toBe(false);
    expect(clock.pending).toBe(0);
  });

  test('while waiting to retry: closed at once, the retry timer cleared', () => {
    const { socket, events } = open();
    ws().fail();
    socket.close();
    expect(socket.state).toBe('closed');
    expect(transitions(events)).toEqual(['connecting→reconnecting', 'reconnecting→closed']);
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('while the URL function is pending: closed, and its late answer is ignored', async () => {
    let answer = (_url: string): void => {};
    const socket = new ReliableSocket(() => new Promise<string>((resolve) => (answer = resolve)), {
      WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    });
    socket.close();
    expect(socket.state).toBe('closed');
    answer(URL);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(clock.pending).toBe(0);
  });

  test('queued frames are reported as dropped with reason closed', () => {
    const { socket, events } = open();
    socket.send('a');
    socket.send('b');
    socket.close();
    expect(events.filter((e) => e.name === 'drop').map((e) => e.args)).toEqual([
      ['a', 'closed'],
      ['b', 'closed'],
    ]);
    expect(socket.bufferedAmount).toBe(0);
  });

  test('close() code and reason are checked like the native socket does', () => {
    const { socket } = open();
    expect(() => socket.close(1001)).toThrow(RangeError);
    expect(() => socket.close(2999)).toThrow(/1000 or an integer from 3000 to 4999, got 2999/);
    expect(() => socket.close(4000, 'é'.repeat(62))).toThrow(/123 bytes/);
    expect(socket.state).toBe('connecting');
    socket.close(4000, 'é'.repeat(61));
  });
});

test.describe('heartbeat', () => {
  const heartbeat = { intervalMs: 1000, timeoutMs: 500 };

  test('pings every interval; a pong reports the RTT and is not delivered as a message', () => {
    const { events } = open({ heartbeat });
    ws().open();
    clock.advance(1000);
    expect(ws().sent).toEqual(['{"type":"ping","id":1}']);
    clock.advance(42);
    ws().receive('{"type":"pong","id":1}');
    expect(names(events)).toEqual(['open', 'heartbeat']);
    expect(events.at(-1)?.args[0]).toEqual({ rttMs: 42 });
    clock.advance(958);
    expect(ws().sent).toEqual(['{"type":"ping","id":1}', '{"type":"ping","id":2}']);
  });

  test('a timeout longer than the interval: answered pings keep the interval; an unanswered one waits', () => {
    const { socket } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 3000 } });
    ws().open();
    clock.advance(1000);
    clock.advance(50);
    ws().receive('{"type":"pong","id":1}');
    clock.advance(950);
    expect(ws().sent).toEqual(['{"type":"ping","id":1}', '{"type":"ping","id":2}']); // at 1000 and 2000
    clock.advance(2999); // ping 2 unanswered: no ping 3 while it waits, and not yet dead
    expect(ws().sent).toHaveLength(2);
    expect(socket.state).toBe('open');
    clock.advance(1);
    expect(socket.state).toBe('reconnecting');
  });

  test('no frame within timeoutMs of a ping: dead, detached at once, reconnecting', () => {
    const { socket, events } = open({ heartbeat });
    const first = ws();
    first.open();
    clock.advance(1000 + 499);
    expect(socket.state).toBe('open');
    clock.advance(1);
    expect(socket.state).toBe('reconnecting');
    expect(first.attached).toBe(false);
    expect(events.find((e) => e.name === 'close')?.args[0]).toEqual({
      code: 1006,
      reason: 'heartbeat timeout',
      wasClean: false,
      willReconnect: true,
    });
  });

  test('any inbound frame proves liveness', () => {
    const { socket } = open({ heartbeat });
    ws().open();
    clock.advance(1000 + 400); // ping 1 at 1000, unanswered for 400 ms…
    ws().receive('data'); // …then any frame answers it
    clock.advance(600 + 499); // ping 2 at 2000, unanswered for 499 ms
    expect(socket.state).toBe('open');
    clock.advance(1); // the frames must keep coming: ping 2 is unanswered for 500 ms
    expect(socket.state).toBe('reconnecting');
    socket.close();
    const { socket: busy } = open({ heartbeat });
    ws().open();
    for (let t = 0; t < 20; t++) {
      clock.advance(300);
      ws().receive(`tick ${t}`);
    }
    expect(busy.state).toBe('open');
    busy.close();
  });

  test('throttled timers, live link: a pong that came before the late tick keeps it alive', () => {
    const { socket } = open({ heartbeat });
    ws().open();
    clock.advance(1000); // ping 1
    ws().receive('{"type":"pong","id":1}');
    clock.jump(60_000); // the tab's timers are held back for a minute…
    clock.advance(0); // …then the overdue tick runs
    expect(socket.state).toBe('open');
    expect(ws().sent).toEqual(['{"type":"ping","id":1}', '{"type":"ping","id":2}']); // and it pings at once
  });

  test('throttled timers, dead link: the first late tick past the deadline declares it dead at once', () => {
    const { socket } = open({ heartbeat });
    ws().open();
    clock.advance(1000); // ping 1, never answered
    clock.jump(60_000);
    clock.advance(0);
    expect(socket.state).toBe('reconnecting');
  });

  test('heartbeat: false sends no pings and never times out', () => {
    const { socket } = open({ heartbeat: false });
    ws().open();
    clock.advance(10 * 60_000);
    expect(ws().sent).toEqual([]);
    expect(socket.state).toBe('open');
    expect(clock.pending).toBe(0);
  });
});

test.describe('re-entrancy', () => {
  test('close() from a close listener during reconnection leaves no retry pending', () => {
    const { socket, events } = open();
    socket.on('close', () => socket.close());
    ws().open();
    ws().fail();
    expect(socket.state).toBe('closed');
    expect(names(events)).toEqual(['open', 'close', 'close']);
    expect(events.filter((e) => e.name === 'reconnecting')).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  test('reconnect() from a close listener leaves exactly one live attempt', () => {
    const { socket } = open();
    let once = true;
    socket.on('close', () => {
      if (once) {
        once = false;
        socket.reconnect();
      }
    });
    ws().open();
    ws().fail();
    expect(socket.state).toBe('connecting');
    expect(FakeWebSocket.instances.filter((s) => s.attached)).toHaveLength(1);
    expect(clock.pending).toBe(1); // its connect timeout; no retry timer
  });

  test('close() from an open listener, and send() from a state listener', () => {
    const { socket } = open();
    socket.on('state', ({ to }) => {
      if (to === 'open') socket.send('from state listener');
    });
    socket.on('open', () => socket.close());
    ws().open();
    expect(ws().sent).toEqual(['from state listener']);
    expect(socket.state).toBe('closing');
  });

  test('a throwing listener is reported, and the other listeners and the socket carry on', () => {
    const { socket, events } = open();
    socket.on('open', () => {
      throw new Error('app bug');
    });
    ws().open();
    expect(socket.state).toBe('open');
    expect(names(events)).toEqual(['open']); // the recorder, registered before, still ran
    const after: string[] = [];
    socket.on('open', () => after.push('later listener'));
    ws().fail();
    clock.advance(500); // the retry (and the 0 ms rethrow that reports the first exception)
    ws().open();
    expect(after).toEqual(['later listener']);
    clock.advance(0);
    expect(clock.uncaught.splice(0)).toEqual([new Error('app bug'), new Error('app bug')]);
  });
});

test.describe('send', () => {
  test('only frames the native socket can send are accepted', () => {
    const { socket } = open();
    for (const bad of [{}, 42, null, undefined, ['a']]) {
      expect(() => socket.send(bad as unknown as string)).toThrow(TypeError);
    }
    expect(() => socket.send({} as unknown as string)).toThrow(/JSON\.stringify/);
    expect(socket.send(new Uint8Array([1]))).toBe('queued');
    expect(socket.send(new ArrayBuffer(1))).toBe('queued');
  });

  test('overflow with throw: QueueFullError, and nothing dropped', () => {
    const { socket, events } = open({ queue: { maxMessages: 1, overflow: 'throw' } });
    socket.send('1');
    expect(() => socket.send('2')).toThrow(
      expect.objectContaining({ code: 'ERR_QUEUE_FULL', name: 'QueueFullError' }),
    );
    expect(events.filter((e) => e.name === 'drop')).toEqual([]);
  });

  test('whenOpen resolves on open, rejects on close, and honours an AbortSignal', async () => {
    const { socket } = open();
    const opened = whenOpen(socket);
    const aborted = new AbortController();
    const cancelled = whenOpen(socket, { signal: aborted.signal });
    aborted.abort(new Error('gave up'));
    await expect(cancelled).rejects.toThrow('gave up');
    ws().open();
    await expect(opened).resolves.toBeUndefined();
    await expect(whenOpen(socket)).resolves.toBeUndefined();
    ws().fail();
    const never = whenOpen(socket);
    socket.close();
    await expect(never).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(whenOpen(socket)).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
  });
});
