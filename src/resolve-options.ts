import { backoff } from './backoff.js';
import type { CloseDetails, IncomingData } from './events.js';
import type {
  HeartbeatOptions,
  OpenContext,
  OverflowPolicy,
  QueueOptions,
  ReconnectOptions,
  ReliableSocketOptions,
  WebSocketConstructor,
} from './options.js';
import { MAX_TIMER_MS } from './timer.js';

export interface ResolvedHeartbeat {
  intervalMs: number;
  timeoutMs: number;
  ping: (id: number) => string;
  isPong: (data: IncomingData) => boolean;
}

export interface ResolvedReconnect {
  delay: (attempt: number, lastClose: CloseDetails) => number;
  maxRetries: number;
  stableAfterMs: number;
  finalCloseCodes: readonly number[];
  shouldReconnect: (close: CloseDetails) => boolean;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedOptions {
  protocols: string | string[] | undefined;
  WebSocket: WebSocketConstructor;
  binaryType: BinaryType;
  connectTimeoutMs: number;
  heartbeat: ResolvedHeartbeat | false;
  reconnect: ResolvedReconnect | false;
  queue: Required<{ [K in keyof QueueOptions]: Exclude<QueueOptions[K], undefined> }>;
  onOpen: ((context: OpenContext) => void | Promise<void>) | undefined;
}

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : Array.isArray(value)
        ? 'an array'
        : value !== null && typeof value === 'object'
          ? 'an object'
          : String(value);

function fail(
  error: TypeErrorConstructor | RangeErrorConstructor,
  path: string,
  expected: string,
  value: unknown,
): never {
  throw new error(`reliable-socket: ${path} must be ${expected}, got ${show(value)}`);
}

/** Checks a number option; `undefined` gives the fallback. `integer` allows Infinity too. */
function number(
  value: unknown,
  path: string,
  fallback: number,
  min: number,
  max: number,
  integer = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) fail(TypeError, path, 'a number', value);
  if (value < min || value > max || (integer && value !== Infinity && !Number.isInteger(value))) {
    fail(RangeError, path, `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`, value);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(TypeError, path, `one of ${allowed.map(show).join(', ')}`, value);
  return value as T;
}

function fn<F>(value: unknown, path: string, also = ''): F | undefined {
  if (value !== undefined && typeof value !== 'function') fail(TypeError, path, `a function${also}`, value);
  return value as F | undefined;
}

/** Checks that `value` is a plain options object with only known keys, so a typo is an error, not a no-op. */
function object<T extends object>(
  value: unknown,
  path: string,
  keys: ReadonlyArray<keyof T & string>,
  expected = 'an object',
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(TypeError, path, expected, value);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key as keyof T & string)) {
      throw new TypeError(`reliable-socket: ${path} has no option "${key}" (known: ${keys.join(', ')})`);
    }
  }
  return value as T;
}

const isDefaultPong = (data: IncomingData): boolean => {
  // Cheap tests first: this runs on every inbound frame.
  if (typeof data !== 'string' || data.length > 128 || !data.includes('"pong"')) return false;
  try {
    return (JSON.parse(data) as { type?: unknown } | null)?.type === 'pong';
  } catch {
    return false;
  }
};

function resolveHeartbeat(value: HeartbeatOptions | false | undefined): ResolvedHeartbeat | false {
  if (value === false) return false;
  const o = object<HeartbeatOptions>(
    value,
    'options.heartbeat',
    ['intervalMs', 'timeoutMs', 'ping', 'pong'],
    'false or an object',
  );
  const { ping, pong } = o;
  if (ping !== undefined && typeof ping !== 'string') fn(ping, 'options.heartbeat.ping', ' or a string');
  if (pong !== undefined && typeof pong !== 'string') fn(pong, 'options.heartbeat.pong', ' or a string');
  return {
    intervalMs: number(o.intervalMs, 'options.heartbeat.intervalMs', 25_000, 1, MAX_TIMER_MS),
    timeoutMs: number(o.timeoutMs, 'options.heartbeat.timeoutMs', 10_000, 1, MAX_TIMER_MS),
    ping: typeof ping === 'string' ? () => ping : (ping ?? ((id) => `{"type":"ping","id":${id}}`)),
    isPong: typeof pong === 'string' ? (data) => data === pong : (pong ?? isDefaultPong),
  };
}

function resolveReconnect(value: ReconnectOptions | false | undefined): ResolvedReconnect | false {
  if (value === false) return false;
  const o = object<ReconnectOptions>(
    value,
    'options.reconnect',
    [
      'initialDelayMs',
      'factor',
      'maxDelayMs',
      'jitter',
      'delay',
      'maxRetries',
      'stableAfterMs',
      'finalCloseCodes',
      'shouldReconnect',
      'random',
    ],
    'false or an object',
  );
  const initialDelayMs = number(o.initialDelayMs, 'options.reconnect.initialDelayMs', 1000, 0, MAX_TIMER_MS);
  const curve = {
    initialDelayMs,
    factor: number(o.factor, 'options.reconnect.factor', 2, 1, 1000),
    maxDelayMs: number(
      o.maxDelayMs,
      'options.reconnect.maxDelayMs',
      Math.max(30_000, initialDelayMs),
      initialDelayMs,
      MAX_TIMER_MS,
    ),
    jitter: oneOf(o.jitter, 'options.reconnect.jitter', 'full', ['full', 'equal', 'none']),
  };
  const random = fn<() => number>(o.random, 'options.reconnect.random') ?? Math.random;
  const codes = o.finalCloseCodes ?? [1002, 1003, 1007, 1008, 1009, 1010];
  if (!Array.isArray(codes) || !codes.every((code) => Number.isInteger(code))) {
    fail(TypeError, 'options.reconnect.finalCloseCodes', 'an array of integer close codes', codes);
  }
  return {
    delay: fn(o.delay, 'options.reconnect.delay') ?? ((attempt) => backoff(attempt, curve, random())),
    maxRetries: number(o.maxRetries, 'options.reconnect.maxRetries', Infinity, 0, Infinity, true),
    stableAfterMs: number(o.stableAfterMs, 'options.reconnect.stableAfterMs', 5000, 0, Infinity),
    finalCloseCodes: codes,
    shouldReconnect: fn(o.shouldReconnect, 'options.reconnect.shouldReconnect') ?? (() => true),
  };
}

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveOptions(options?: ReliableSocketOptions): ResolvedOptions {
  const o = object<ReliableSocketOptions>(options, 'options', [
    'protocols',
    'WebSocket',
    'binaryType',
    'connectTimeoutMs',
    'heartbeat',
    'reconnect',
    'queue',
    'onOpen',
  ]);
  const WebSocketImpl = fn<WebSocketConstructor>(o.WebSocket, 'options.WebSocket') ?? globalThis.WebSocket;
  if (typeof WebSocketImpl !== 'function') {
    throw new TypeError(
      "reliable-socket: options.WebSocket is needed here: there is no global WebSocket. In Node before 22, pass one: `import { WebSocket } from 'ws'`, then `new ReliableSocket(url, { WebSocket })`.",
    );
  }
  const { protocols } = o;
  if (
    protocols !== undefined &&
    typeof protocols !== 'string' &&
    !(Array.isArray(protocols) && protocols.every((p) => typeof p === 'string'))
  ) {
    fail(TypeError, 'options.protocols', 'a string or an array of strings', protocols);
  }
  const q = object<QueueOptions>(o.queue, 'options.queue', ['maxMessages', 'maxBytes', 'overflow']);
  return {
    protocols,
    WebSocket: WebSocketImpl,
    binaryType: oneOf(o.binaryType, 'options.binaryType', 'blob', ['blob', 'arraybuffer']),
    connectTimeoutMs: number(o.connectTimeoutMs, 'options.connectTimeoutMs', 10_000, 1, Infinity),
    heartbeat: resolveHeartbeat(o.heartbeat),
    reconnect: resolveReconnect(o.reconnect),
    queue: {
      maxMessages: number(q.maxMessages, 'options.queue.maxMessages', 1000, 0, Infinity, true),
      maxBytes: number(q.maxBytes, 'options.queue.maxBytes', 1024 * 1024, 0, Infinity),
      overflow: oneOf<OverflowPolicy>(q.overflow, 'options.queue.overflow', 'drop-oldest', [
        'drop-oldest',
        'drop-newest',
        'throw',
      ]),
    },
    onOpen: fn(o.onOpen, 'options.onOpen'),
  };
}

/**
 * Checks a URL and makes it absolute: relative URLs resolve against the page, `http(s):` becomes `ws(s):`
 * (as browsers now do natively). Throws a TypeError naming `what` for anything else.
 */
export function resolveUrl(value: unknown, what: string): string {
  let url: URL | undefined;
  try {
    url = new URL(String(value), globalThis.location?.href);
  } catch {}
  const scheme = url?.protocol.replace(/^http/, 'ws');
  if (!url || (scheme !== 'ws:' && scheme !== 'wss:'))
    fail(TypeError, what, 'a ws:, wss:, http: or https: URL', value);
  url.protocol = scheme;
  url.hash = ''; // the WebSocket constructor rejects fragments
  return url.href;
}
