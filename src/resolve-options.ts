import { backoff } from './backoff.js';
import { type Check, fail, fn, group, num, oneOf, raise } from './check.js';
import { DEV } from './dev.js';
import type { CloseDetails, IncomingData } from './events.js';
import type {
  CoreOptions,
  HeartbeatFrame,
  HeartbeatOptions,
  LogEntry,
  OpenContext,
  OverflowPolicy,
  QueueOptions,
  ReconnectOptions,
  WebSocketConstructor,
} from './options.js';
import { MAX_TIMER_MS } from './timer.js';
import type { BinaryTypeName } from './web-types.js';

export interface ResolvedHeartbeat {
  intervalMs: number;
  timeoutMs: number;
  ping: (id: number) => HeartbeatFrame;
  /** false: not a pong; true: a pong without an id; a number: the id of the ping it answers. */
  pong: (data: IncomingData) => boolean | number;
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
  binaryType: BinaryTypeName;
  connectTimeoutMs: number;
  heartbeat: ResolvedHeartbeat | false;
  reconnect: ResolvedReconnect | false;
  queue: Required<{ [K in keyof QueueOptions]: Exclude<QueueOptions[K], undefined> }>;
  onOpen: ((context: OpenContext) => void | Promise<void>) | undefined;
  startClosed: boolean;
  logger: ((entry: LogEntry) => void) | undefined;
}

/** `{"type":"pong","id":n}` → n; a JSON pong without a numeric id → true; anything else → false. */
const defaultPong = (data: IncomingData): boolean | number => {
  // Cheap tests first: this runs on every inbound frame.
  if (typeof data !== 'string' || data.length > 128 || !data.includes('"pong"')) return false;
  try {
    const pong = JSON.parse(data) as { type?: unknown; id?: unknown } | null;
    return pong?.type === 'pong' && (typeof pong.id === 'number' ? pong.id : true);
  } catch {
    return false;
  }
};

const MAX = MAX_TIMER_MS;

/** `T` as resolved: every key present, and those in `D` (which have defaults) never undefined. */
type WithDefaults<T, D extends keyof T> = { [K in keyof T]-?: K extends D ? Exclude<T[K], undefined> : T[K] };

/** Whether a heartbeat frame is binary data (sent as a binary frame). */
export const isBinary = (value: unknown): value is ArrayBuffer | ArrayBufferView =>
  value instanceof ArrayBuffer || ArrayBuffer.isView(value);

function resolveHeartbeat(value: unknown, path: string): ResolvedHeartbeat | false {
  if (value === false) return false;
  const { intervalMs, timeoutMs, ping, pong } = group<
    WithDefaults<HeartbeatOptions, 'intervalMs' | 'timeoutMs'>
  >(
    value,
    path,
    {
      intervalMs: num(25_000, 1, MAX),
      timeoutMs: num(10_000, 1, MAX),
      ping: (value, where) =>
        isBinary(value) ? value : fn<(id: number) => HeartbeatFrame>(true)(value, where),
      pong: fn(true),
    },
    DEV && 'false or an object',
  );
  return {
    intervalMs,
    timeoutMs,
    ping:
      typeof ping === 'function'
        ? ping
        : ping === undefined
          ? (id) => `{"type":"ping","id":${id}}`
          : () => ping,
    pong: typeof pong === 'string' ? (data) => data === pong : (pong ?? defaultPong),
  };
}

/**
 * `finalCloseCodes`, given or default: with a fixed URL (`fixedUrl`) 4401 too, since a retry would send the same
 * refused credentials, while a URL function can bring fresh ones.
 */
const closeCodes =
  (fixedUrl: boolean): Check<readonly number[]> =>
  (value, path) => {
    if (value === undefined) return [1002, 1003, 1007, 1008, 1009, 1010, 4403, ...(fixedUrl ? [4401] : [])];
    if (!Array.isArray(value) || !value.every(Number.isInteger))
      fail(TypeError, path, DEV && 'an array of integer close codes', value);
    return value;
  };

function resolveReconnect(value: unknown, path: string, fixedUrl: boolean): ResolvedReconnect | false {
  if (value === false) return false;
  const o = group<
    WithDefaults<
      ReconnectOptions,
      | 'initialDelayMs'
      | 'factor'
      | 'maxDelayMs'
      | 'jitter'
      | 'maxRetries'
      | 'stableAfterMs'
      | 'finalCloseCodes'
    >
  >(
    value,
    path,
    {
      initialDelayMs: num(1000, 0, MAX),
      factor: num(2, 1, 1000),
      maxDelayMs: num(-1, 0, MAX), // -1: not given; it then defaults to at least initialDelayMs
      jitter: oneOf('full', 'equal', 'none'),
      delay: fn(),
      maxRetries: num(Infinity, 0, Infinity, true),
      stableAfterMs: num(5000, 0, Infinity),
      finalCloseCodes: closeCodes(fixedUrl),
      shouldReconnect: fn(),
      random: fn(),
    },
    DEV && 'false or an object',
  );
  const maxDelayMs = o.maxDelayMs < 0 ? Math.max(30_000, o.initialDelayMs) : o.maxDelayMs;
  if (maxDelayMs < o.initialDelayMs) {
    fail(
      RangeError,
      `${path}.maxDelayMs`,
      DEV && `at least initialDelayMs (${o.initialDelayMs})`,
      maxDelayMs,
    );
  }
  const curve = { ...o, maxDelayMs };
  const random = o.random ?? Math.random;
  return {
    delay: o.delay ?? ((attempt) => backoff(attempt, curve, random())),
    maxRetries: o.maxRetries,
    stableAfterMs: o.stableAfterMs,
    finalCloseCodes: o.finalCloseCodes,
    shouldReconnect: o.shouldReconnect ?? (() => true),
  };
}

const protocolsCheck: Check<string | string[] | undefined> = (value, path) => {
  if (
    value !== undefined &&
    typeof value !== 'string' &&
    !(Array.isArray(value) && value.every((p) => typeof p === 'string'))
  ) {
    fail(TypeError, path, DEV && 'a string or an array of strings', value);
  }
  return value;
};

/**
 * Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value.
 * `fixedUrl`: the socket's URL is a string or URL, not a function (one default depends on it).
 */
export function resolveOptions(options?: CoreOptions, fixedUrl = true): ResolvedOptions {
  const o = group<ResolvedOptions>(options, 'options', {
    protocols: protocolsCheck,
    WebSocket: (value, path) => {
      const WebSocketImpl = fn<WebSocketConstructor>()(value, path) ?? globalThis.WebSocket;
      if (typeof WebSocketImpl !== 'function') {
        raise(
          TypeError,
          'ERR_NO_WEBSOCKET',
          path,
          DEV &&
            ": there is no global WebSocket here: pass one (in Node < 22: import { WebSocket } from 'ws')",
        );
      }
      return WebSocketImpl;
    },
    binaryType: oneOf('blob', 'arraybuffer'),
    connectTimeoutMs: num(10_000, 1, Infinity),
    heartbeat: resolveHeartbeat,
    reconnect: (value, path) => resolveReconnect(value, path, fixedUrl),
    queue: (value, path) =>
      group<ResolvedOptions['queue']>(value, path, {
        maxMessages: num(1000, 0, Infinity, true),
        maxBytes: num(1024 * 1024, 0, Infinity),
        overflow: oneOf<OverflowPolicy>('drop-oldest', 'drop-newest', 'throw'),
      }),
    onOpen: fn(),
    startClosed: (value, path) => {
      if (value !== undefined && typeof value !== 'boolean') fail(TypeError, path, DEV && 'a boolean', value);
      return value === true;
    },
    logger: fn(),
  });
  return o;
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
    fail(TypeError, what, DEV && 'a ws:, wss:, http: or https: URL', value);
  url.protocol = scheme;
  url.hash = ''; // the WebSocket constructor rejects fragments
  return url.href;
}
