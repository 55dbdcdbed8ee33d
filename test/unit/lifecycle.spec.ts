// A socket's lives: `startClosed` and `open()` (after close(), after retries ran out, during closing), with the
// retry count starting again and the queue empty; and the `logger` option. Node, fake WebSocket and clock.
import { expect, test } from '@playwright/test';
import type { LogEntry, ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, names, record, transitions, withFakeTime } from './fakes.js';

const clock = withFakeTime();

function socket(options: ReliableSocketOptions = {}): ReliableSocket {
  return new ReliableSocket('ws://127.0.0.1:1/', {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    ...options,
    reconnect:
      options.reconnect === false ? false : { random: () => 0.5, jitter: 'none', ...options.reconnect },
  });
}

const ws = (): FakeWebSocket => FakeWebSocket.last();

test('startClosed: nothing happens until open(); send() throws meanwhile', () => {
  const s = socket({ startClosed: true });
  const events = record(s);
  expect([s.state, s.readyState, FakeWebSocket.instances.length]).toEqual(['closed', 3, 0]);
  expect(() => s.send('x')).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }));
  s.close(); // nothing to close
  s.open();
  s.open(); // idempotent
  expect(FakeWebSocket.instances).toHaveLength(1);
  ws().open();
  expect(transitions(events)).toEqual(['closed→connecting', 'connecting→open']);
});

test('open() after close() starts a new life: a new connection, the channels subscribed again', () => {
  const s = socket({ delivery: false });
  s.channel('chat');
  ws().open();
  s.close();
  ws().serverClose(1000);
  expect(s.state).toBe('closed');
  s.open();
  ws().open();
  expect(s.state).toBe('open');
  expect(ws().sent).toEqual(['{"type":"subscribe","channel":"chat"}']);
});

test('open() after retries ran out: the retry count starts again from 1', () => {
  const s = socket({ reconnect: { maxRetries: 2, initialDelayMs: 100 } });
  const events = record(s);
  for (let i = 0; i < 3; i++) {
    ws().fail();
    clock.advance(1000);
  }
  expect(s.state).toBe('closed');
  s.open();
  ws().fail();
  const attempts = events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0].attempt);
  expect(attempts).toEqual([1, 2, 1]);
});

test('open() while closing: that life ends now (its final close), and the new one starts', () => {
  const s = socket();
  const events = record(s);
  ws().open();
  s.close(4000, 'bye');
  const closing = ws();
  s.open();
  expect(closing.attached).toBe(false);
  expect(FakeWebSocket.instances).toHaveLength(2);
  expect(transitions(events)).toEqual([
    'connecting→open',
    'open→closing',
    'closing→closed',
    'closed→connecting',
  ]);
  expect(events.filter((e) => e.name === 'close').map((e) => e.args[0])).toEqual([
    { code: 4000, reason: 'bye', wasClean: false, willReconnect: false },
  ]);
});

test('open() from a listener of the final close: the old life says everything first, then the new one starts', () => {
  const s = socket({ reconnect: false });
  const events = record(s);
  s.send('queued');
  s.on('state', ({ to }) => to === 'closed' && s.open());
  ws().fail();
  expect(names(events)).toEqual(['drop', 'close']);
  expect(transitions(events)).toEqual(['connecting→closed', 'closed→connecting']);
  expect(events.findIndex((e) => e.name === 'close')).toBeLessThan(events.length - 1);
});

test('logger: one structured entry per state change, open, close, retry, heartbeat, drop and error', () => {
  const entries: LogEntry[] = [];
  const s = socket({
    logger: (entry) => entries.push(entry),
    heartbeat: { intervalMs: 1000, timeoutMs: 500 },
    queue: { maxMessages: 1 },
    reconnect: { initialDelayMs: 100 },
  });
  s.send('a');
  s.send('bb');
  ws().open();
  clock.advance(1000);
  ws().receive('{"type":"pong","id":1}');
  ws().fail();
  expect(entries).toEqual([
    { event: 'drop', reason: 'overflow', bytes: 1 },
    { event: 'state', from: 'connecting', to: 'open', reason: 'connected' },
    { event: 'open' },
    { event: 'heartbeat', rttMs: 0 },
    { event: 'state', from: 'open', to: 'reconnecting', reason: 'closed with code 1006' },
    { event: 'close', code: 1006, reason: '', wasClean: false, willReconnect: true },
    { event: 'reconnecting', attempt: 1, delayMs: 100 },
  ]);
});

test('startClosed and logger are checked like every option', () => {
  expect(() => socket({ startClosed: 'yes' as unknown as boolean })).toThrow(
    'reliable-socket: options.startClosed must be a boolean, got "yes"',
  );
  expect(() => socket({ logger: 'console' as unknown as () => void })).toThrow(
    'reliable-socket: options.logger must be a function, got "console"',
  );
});
