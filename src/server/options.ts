import type http from 'node:http';
import type https from 'node:https';
import { type Check, fail, fn, group, num, optional, orInfinity, text } from '../check.js';
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

/** The options as checked, before the rules that involve two of them. */
interface Checked extends Omit<ResolvedServerOptions, 'listen'> {
  port: number | undefined;
  host: string | undefined;
}

const isHttpServer: Check<http.Server | https.Server | undefined> = (value, path) => {
  if (
    value !== undefined &&
    !(value && typeof value === 'object' && typeof (value as http.Server).on === 'function')
  ) {
    fail(TypeError, path, 'an http.Server or https.Server', value);
  }
  return value as http.Server | https.Server | undefined;
};

const pathname: Check<string> = (value, path) => {
  const given = text(value, path);
  if (!given.startsWith('/')) fail(TypeError, path, 'a pathname starting with "/"', value);
  return given;
};

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveServerOptions(options: ReliableSocketServerOptions): ResolvedServerOptions {
  const o = group<Checked>(options, 'options', {
    server: isHttpServer,
    port: optional(num(0, 0, 65_535, true)),
    host: optional(text),
    path: optional(pathname),
    authorize: fn(),
    maxPayload: num(1024 * 1024, 1, 2 ** 32, true),
    pingIntervalMs: orInfinity(num(30_000, 1, MAX_TIMER_MS, true)),
    maxMalformedFrames: orInfinity(num(10, 0, 2 ** 32, true)),
    closeTimeoutMs: num(1000, 0, MAX_TIMER_MS, true),
  });
  if ((o.server === undefined) === (o.port === undefined)) {
    throw new TypeError(
      'reliable-socket: pass exactly one of options.server (to attach to your HTTP server) and options.port (to listen on a port)',
    );
  }
  if (o.server !== undefined && o.host !== undefined) {
    throw new TypeError('reliable-socket: options.host only applies with options.port');
  }
  const { port, host, ...rest } = o;
  return { ...rest, listen: port === undefined ? undefined : { port, host: host ?? '127.0.0.1' } };
}
