import type http from 'node:http';
import type https from 'node:https';
import { MAX_TIMER_MS } from '../timer.js';
import type { AuthorizeResult } from './types.js';

/**
 * Options of {@link ReliableSocketServer}. Pass exactly one of `server` (attach to your HTTP server) and
 * `port` (the server listens itself).
 */
export interface ReliableSocketServerOptions {
  /**
   * An HTTP or HTTPS server to attach to: the companion server answers its `upgrade` requests (only those for
   * `path`, when set) and leaves every other request to you. `close()` leaves this server running.
   */
  server?: http.Server | https.Server | undefined;
  /** The port to listen on, in its own HTTP server (which answers plain HTTP requests with 426). 0 picks a free one. */
  port?: number | undefined;
  /**
   * The address to listen on, with `port`. Loopback by default, so that nothing is exposed by accident: pass
   * `'0.0.0.0'` or `'::'` to accept connections from other machines.
   * @default '127.0.0.1'
   */
  host?: string | undefined;
  /**
   * Only upgrade requests for this pathname (e.g. `'/live'`; the query string is ignored) are handled. Others
   * are left to the attached server's other `upgrade` listeners — or refused with 404 when there are none.
   * @default every path
   */
  path?: string | undefined;
  /**
   * Decides whether an upgrade request may connect, before the handshake completes: `true` accepts, `false`
   * refuses with 401, `401` or `403` refuses with that status. A throw or rejection refuses with 500 and is
   * emitted as an `error` event ({@link AuthorizeError}). Anything else refuses with 401.
   * @default every request is accepted
   */
  authorize?: ((request: http.IncomingMessage) => AuthorizeResult | Promise<AuthorizeResult>) | undefined;
  /**
   * Largest frame a client may send, in bytes; `ws` closes a client that sends a larger one with 1009.
   * @default 1048576 (1 MiB)
   */
  maxPayload?: number | undefined;
  /**
   * Time between protocol-level (RFC 6455) pings to every client, in milliseconds. A client that has not
   * answered the previous ping when the next one is due is cut off (`disconnect` with code 1006): it is dead
   * or unreachable. Browsers answer these pings themselves. `Infinity` disables them.
   * @default 30000
   */
  pingIntervalMs?: number | undefined;
  /**
   * Malformed frames a client may send before it is closed with 1008: each one up to this many is answered
   * with an `ERR_MALFORMED_FRAME` error frame, the next one closes the connection. `0` closes on the first;
   * `Infinity` never closes.
   * @default 10
   */
  maxMalformedFrames?: number | undefined;
  /**
   * How long `close()` waits for clients to answer its 1012 close frame before cutting them off, in ms.
   * @default 1000
   */
  closeTimeoutMs?: number | undefined;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedServerOptions {
  listen: { port: number; host: string } | undefined;
  server: http.Server | undefined;
  path: string | undefined;
  authorize: ((request: http.IncomingMessage) => AuthorizeResult | Promise<AuthorizeResult>) | undefined;
  maxPayload: number;
  pingIntervalMs: number;
  maxMalformedFrames: number;
  closeTimeoutMs: number;
}

const KEYS: ReadonlyArray<keyof ReliableSocketServerOptions> = [
  'server',
  'port',
  'host',
  'path',
  'authorize',
  'maxPayload',
  'pingIntervalMs',
  'maxMalformedFrames',
  'closeTimeoutMs',
];

const show = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(value)
    : typeof value === 'function'
      ? 'a function'
      : String(value);

function fail(
  error: TypeErrorConstructor | RangeErrorConstructor,
  name: string,
  expected: string,
  value: unknown,
): never {
  throw new error(
    `reliable-socket/server: options${name ? `.${name}` : ''} must be ${expected}, got ${show(value)}`,
  );
}

/** Checks an integer option; `undefined` gives the fallback; `infinite` allows Infinity. */
function integer(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
  infinite = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) fail(TypeError, name, 'a number', value);
  if (!(infinite && value === Infinity) && !(Number.isInteger(value) && value >= min && value <= max)) {
    fail(RangeError, name, `an integer from ${min} to ${max}${infinite ? ', or Infinity' : ''}`, value);
  }
  return value;
}

function string(value: unknown, name: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === ''))
    fail(TypeError, name, 'a non-empty string', value);
  return value as string | undefined;
}

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveServerOptions(options: ReliableSocketServerOptions): ResolvedServerOptions {
  if (options === null || typeof options !== 'object') fail(TypeError, '', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KEYS.includes(key as keyof ReliableSocketServerOptions))
      throw new TypeError(
        `reliable-socket/server: options has no option "${key}" (known: ${KEYS.join(', ')})`,
      );
  }
  const { server, port, authorize } = options;
  if ((server === undefined) === (port === undefined)) {
    throw new TypeError(
      'reliable-socket/server: pass exactly one of options.server (to attach to your HTTP server) and options.port (to listen on a port)',
    );
  }
  if (server !== undefined && (typeof server !== 'object' || typeof server.on !== 'function'))
    fail(TypeError, 'server', 'an http.Server or https.Server', server);
  if (server !== undefined && options.host !== undefined)
    throw new TypeError('reliable-socket/server: options.host only applies with options.port');
  const path = string(options.path, 'path');
  if (path !== undefined && !path.startsWith('/'))
    fail(TypeError, 'path', 'a pathname starting with "/"', path);
  if (authorize !== undefined && typeof authorize !== 'function')
    fail(TypeError, 'authorize', 'a function', authorize);
  return {
    listen:
      port === undefined
        ? undefined
        : { port: integer(port, 'port', 0, 0, 65_535), host: string(options.host, 'host') ?? '127.0.0.1' },
    server,
    path,
    authorize,
    maxPayload: integer(options.maxPayload, 'maxPayload', 1024 * 1024, 1, 2 ** 32),
    pingIntervalMs: integer(options.pingIntervalMs, 'pingIntervalMs', 30_000, 1, MAX_TIMER_MS, true),
    maxMalformedFrames: integer(options.maxMalformedFrames, 'maxMalformedFrames', 10, 0, 2 ** 32, true),
    closeTimeoutMs: integer(options.closeTimeoutMs, 'closeTimeoutMs', 1000, 0, MAX_TIMER_MS),
  };
}
