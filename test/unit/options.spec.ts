// Every option rejects bad values at construction, with an error that names the option and the value.
import { expect, test } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { resolveOptions, resolveUrl } from '../../src/resolve-options.js';
import { FakeWebSocket } from './fakes.js';

const WebSocket = FakeWebSocket as unknown as NonNullable<ReliableSocketOptions['WebSocket']>;
/** Options as a JavaScript caller might pass them: wrong types included. */
type Loose = Record<string, unknown>;
const resolve = (options: Loose) => resolveOptions({ WebSocket, ...options } as ReliableSocketOptions);

type Case = [
  option: string,
  options: Loose,
  error: TypeErrorConstructor | RangeErrorConstructor,
  shows: string,
];
const cases: Case[] = [
  ['protocols', { protocols: 5 }, TypeError, '5'],
  ['protocols', { protocols: ['a', 1] }, TypeError, 'an array'],
  ['WebSocket', { WebSocket: 'ws' }, TypeError, '"ws"'],
  ['binaryType', { binaryType: 'nodebuffer' }, TypeError, '"nodebuffer"'],
  ['connectTimeoutMs', { connectTimeoutMs: 0 }, RangeError, '0'],
  ['connectTimeoutMs', { connectTimeoutMs: '10s' }, TypeError, '"10s"'],
  ['heartbeat', { heartbeat: true }, TypeError, 'true'],
  ['heartbeat', { heartbeat: null }, TypeError, 'null'],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: -1 } }, RangeError, '-1'],
  ['heartbeat.intervalMs', { heartbeat: { intervalMs: NaN } }, TypeError, 'NaN'],
  ['heartbeat.timeoutMs', { heartbeat: { timeoutMs: 2 ** 31 } }, RangeError, '2147483648'],
  ['heartbeat.ping', { heartbeat: { ping: 42 } }, TypeError, '42'],
  ['heartbeat.pong', { heartbeat: { pong: /pong/ } }, TypeError, 'an object'],
  ['reconnect', { reconnect: 'yes' }, TypeError, '"yes"'],
  ['reconnect.initialDelayMs', { reconnect: { initialDelayMs: -5 } }, RangeError, '-5'],
  ['reconnect.factor', { reconnect: { factor: 0.5 } }, RangeError, '0.5'],
  ['reconnect.maxDelayMs', { reconnect: { initialDelayMs: 5000, maxDelayMs: 1000 } }, RangeError, '1000'],
  ['reconnect.jitter', { reconnect: { jitter: 'half' } }, TypeError, '"half"'],
  ['reconnect.delay', { reconnect: { delay: 1000 } }, TypeError, '1000'],
  ['reconnect.maxRetries', { reconnect: { maxRetries: 2.5 } }, RangeError, '2.5'],
  ['reconnect.maxRetries', { reconnect: { maxRetries: -1 } }, RangeError, '-1'],
  ['reconnect.stableAfterMs', { reconnect: { stableAfterMs: -1 } }, RangeError, '-1'],
  ['reconnect.finalCloseCodes', { reconnect: { finalCloseCodes: [1008, '1009'] } }, TypeError, 'an array'],
  ['reconnect.shouldReconnect', { reconnect: { shouldReconnect: false } }, TypeError, 'false'],
  ['reconnect.random', { reconnect: { random: 0.5 } }, TypeError, '0.5'],
  ['queue', { queue: [] }, TypeError, 'an array'],
  ['queue', { queue: null }, TypeError, 'null'],
  ['queue.maxMessages', { queue: { maxMessages: -1 } }, RangeError, '-1'],
  ['queue.maxMessages', { queue: { maxMessages: 1.5 } }, RangeError, '1.5'],
  ['queue.maxBytes', { queue: { maxBytes: -1 } }, RangeError, '-1'],
  ['queue.overflow', { queue: { overflow: 'drop' } }, TypeError, '"drop"'],
  ['onOpen', { onOpen: 'auth' }, TypeError, '"auth"'],
];

for (const [option, options, error, shows] of cases) {
  test(`options.${option}: ${JSON.stringify(options).slice(0, 60)} → ${error.name} naming it`, () => {
    expect(() => resolve(options)).toThrow(error);
    expect(() => resolve(options)).toThrow(`options.${option} must be`);
    expect(() => resolve(options)).toThrow(`got ${shows}`);
  });
}

test('an unknown option is an error that lists the known ones, at every level', () => {
  expect(() => resolve({ hearbeat: false })).toThrow(/options has no option "hearbeat" \(known: .*heartbeat/);
  expect(() => resolve({ heartbeat: { interval: 5 } })).toThrow(
    /options\.heartbeat has no option "interval" \(known: intervalMs/,
  );
  expect(() => resolve({ reconnect: { retries: 5 } })).toThrow(/options\.reconnect has no option "retries"/);
  expect(() => resolve({ queue: { max: 5 } })).toThrow(/options\.queue has no option "max"/);
});

test('options itself must be an object', () => {
  expect(() => resolveOptions('fast' as ReliableSocketOptions)).toThrow(
    /options must be an object, got "fast"/,
  );
});

/**
 * Runs `fn` with `globalThis.WebSocket` set to `value` (or absent), then puts back what was there: Node 20 has
 * no global WebSocket, Node 22 and later do (engines say >= 20), so neither case may be assumed.
 */
function withGlobalWebSocket(value: unknown, fn: () => void): void {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  const global = globalThis as { WebSocket?: unknown };
  if (value === undefined) delete global.WebSocket;
  else Object.defineProperty(globalThis, 'WebSocket', { value, configurable: true, writable: true });
  try {
    fn();
  } finally {
    if (original) Object.defineProperty(globalThis, 'WebSocket', original);
    else delete global.WebSocket;
  }
}

test('without a global WebSocket, the error says how to pass one', () => {
  withGlobalWebSocket(undefined, () => {
    expect(globalThis.WebSocket).toBeUndefined();
    expect(() => resolveOptions({})).toThrow(TypeError);
    expect(() => resolveOptions({})).toThrow(/options\.WebSocket.*import \{ WebSocket \} from 'ws'/);
  });
});

test('with a global WebSocket (browsers, Node 22 and later), it is the default', () => {
  withGlobalWebSocket(FakeWebSocket, () => {
    expect(resolveOptions({}).WebSocket).toBe(FakeWebSocket);
  });
});

test('defaults are the documented ones', () => {
  const resolved = resolveOptions({ WebSocket });
  expect(resolved).toMatchObject({
    binaryType: 'blob',
    connectTimeoutMs: 10_000,
    heartbeat: { intervalMs: 25_000, timeoutMs: 10_000 },
    reconnect: {
      maxRetries: Infinity,
      stableAfterMs: 5000,
      finalCloseCodes: [1002, 1003, 1007, 1008, 1009, 1010, 4403, 4401],
    },
    queue: { maxMessages: 1000, maxBytes: 1024 * 1024, overflow: 'drop-oldest' },
  });
  if (!resolved.heartbeat || !resolved.reconnect)
    throw new Error('heartbeat and reconnect are on by default');
  expect(resolved.heartbeat.ping(7)).toBe('{"type":"ping","id":7}');
  // A pong is told by its type and matched to its ping by its id (true: a pong without a numeric id).
  expect(resolved.heartbeat.pong('{"type":"pong","id":7}')).toBe(7);
  expect(resolved.heartbeat.pong('{"id":7,"type":"pong"}')).toBe(7);
  expect(resolved.heartbeat.pong('{"type":"pong"}')).toBe(true);
  expect(resolved.heartbeat.pong('{"type":"pong","id":"7"}')).toBe(true);
  expect(resolved.heartbeat.pong('{"type":"message","data":"pong"}')).toBe(false);
  expect(resolved.heartbeat.pong('pong')).toBe(false);
  expect(resolved.heartbeat.pong('{"type":"pong"')).toBe(false);
  // Full jitter from 1 s: the first retry waits somewhere in [0, 1000].
  const first = resolved.reconnect.delay(1, { code: 1006, reason: '', wasClean: false });
  expect(first).toBeGreaterThanOrEqual(0);
  expect(first).toBeLessThanOrEqual(1000);
});

test('finalCloseCodes: 4401 by default only with a fixed URL (a URL function can bring fresh credentials); a given list as is', () => {
  const codes = (options: Loose, fixedUrl: boolean) => {
    const { reconnect } = resolveOptions({ WebSocket, ...options } as ReliableSocketOptions, fixedUrl);
    if (!reconnect) throw new Error('reconnect is on by default');
    return reconnect.finalCloseCodes;
  };
  expect(codes({}, false)).toEqual([1002, 1003, 1007, 1008, 1009, 1010, 4403]);
  expect(codes({ reconnect: { finalCloseCodes: [] } }, true)).toEqual([]);
  expect(codes({ reconnect: { finalCloseCodes: [4401] } }, false)).toEqual([4401]);
});

test('0 is a value, not a missing one (?? not ||)', () => {
  const resolved = resolve({
    reconnect: { initialDelayMs: 0, stableAfterMs: 0, maxRetries: 0 },
    queue: { maxMessages: 0 },
  });
  expect(resolved.reconnect).toMatchObject({ stableAfterMs: 0, maxRetries: 0 });
  expect(resolved.queue.maxMessages).toBe(0);
});

test('text ping/pong shapes are expressible', () => {
  const { heartbeat } = resolve({ heartbeat: { ping: 'ping', pong: 'pong' } });
  if (!heartbeat) throw new Error('heartbeat is on');
  expect(heartbeat.ping(1)).toBe('ping');
  expect(heartbeat.pong('pong')).toBe(true);
  expect(heartbeat.pong('{"type":"pong"}')).toBe(false);
});

test('the url: ws(s) as is, http(s) mapped to ws(s), others refused, naming the argument', () => {
  expect(resolveUrl('ws://127.0.0.1:1/a?b=1', 'url')).toBe('ws://127.0.0.1:1/a?b=1');
  expect(resolveUrl(new URL('https://127.0.0.1/x#frag'), 'url')).toBe('wss://127.0.0.1/x');
  expect(resolveUrl('http://127.0.0.1:8080', 'url')).toBe('ws://127.0.0.1:8080/');
  expect(() => resolveUrl('ftp://127.0.0.1', 'url')).toThrow(
    /url must be a ws:, wss:, http: or https: URL, got "ftp:\/\/127.0.0.1"/,
  );
  expect(() => resolveUrl('not a url', 'url')).toThrow(TypeError);
  expect(() => resolveUrl(42, 'url')).toThrow(/got 42/);
});
