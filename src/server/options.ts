import type http from 'node:http';
import type https from 'node:https';
import { type Check, fail, fn, group, num, optional, orInfinity, text } from '../check.js';
import { MAX_TIMER_MS } from '../timer.js';
import type { Broker, HistoryLimits } from './broker.js';
import { type AllowedHosts, type AllowedOrigins, isOrigin } from './origin.js';
import type { AuthorizeResult, ChannelMap, ServerClient } from './types.js';

/** How many frames a client may send: a token bucket. */
export interface RateLimit {
  /**
   * Frames per second a client may send on average (text, binary, ping and pong frames alike).
   * @default 100
   */
  framesPerSecond?: number | undefined;
  /**
   * Frames a client may send at once before the average applies: what a reconnecting client flushes (its
   * queue and its subscriptions) should fit.
   * @default 1000
   */
  burst?: number | undefined;
  /**
   * Bytes per second a client may send on average; over it, the server stops reading it until the budget has
   * refilled. The same budget, kept per client address (`clientAddress`) and shared by its connections, paces
   * the history replayed when clients subscribe with `since`: a replay the address cannot afford waits until it
   * can — so that unsubscribing and subscribing from the start in a loop, or reconnecting to do it again,
   * cannot turn a few bytes into megabytes.
   * @default 1048576 (1 MiB/s)
   */
  bytesPerSecond?: number | undefined;
  /**
   * Bytes a client (and, for replays, a client address) may cost at once before `bytesPerSecond` applies: a
   * reconnecting client's replayed history should fit.
   * @default 4194304 (4 MiB)
   */
  burstBytes?: number | undefined;
}

/**
 * Options of {@link ReliableSocketServer}. Pass exactly one of `server` (attach to your HTTP server) and
 * `port` (the server listens itself).
 *
 * @typeParam Out What the server sends on each channel (see {@link ReliableSocketServer}).
 * @typeParam ClientData What `authorize` attaches to each client (`{ data }`).
 */
export interface ReliableSocketServerOptions<
  Out extends ChannelMap = Record<string, unknown>,
  ClientData = unknown,
> {
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
   * Pages on other origins that may connect. A browser sends its page's origin with every handshake; by
   * default only pages whose origin has the same host (and port) as the request's `Host` header are accepted,
   * and every other origin is refused with 403, so that a page on another site cannot use your users' cookies
   * to connect as them. This widens that: exact origins (`'https://app.example.com'`, scheme, host and port as
   * the browser sends them), or a function that decides for each origin that is not the request's own (a throw
   * refuses with 500 and emits {@link AuthorizeError}). Handshakes without an `Origin` header (servers, native
   * apps, `ws` in Node) are not browsers, and are accepted. Checked before `authorize`.
   * @default [] (same origin only)
   */
  allowedOrigins?: AllowedOrigins | undefined;
  /**
   * Host names a handshake's `Host` header may name (without the port), or a function that decides; others are
   * refused with 403. By default a connection that arrived on a loopback address (a server on 127.0.0.1, the
   * default `host`) must name `localhost`, `127.0.0.1` or `[::1]` — otherwise any website could reach it by
   * pointing a DNS name of its own at 127.0.0.1 (DNS rebinding) — and other connections may name any host.
   * Set it to your public host names when you serve behind a proxy on loopback.
   * @default loopback names for loopback connections, any host otherwise
   */
  allowedHosts?: AllowedHosts | undefined;
  /**
   * The client's address, for the per-address limits (`maxConnectionsPerAddress`, `maxSessionsPerAddress`).
   * Behind a reverse proxy every connection comes from the proxy: return the address it forwards (e.g. the
   * last entry of `X-Forwarded-For` that your proxy appended) — only from a proxy you trust, since a client
   * can send that header itself.
   * @default the TCP peer's address (`request.socket.remoteAddress`)
   */
  clientAddress?: ((request: http.IncomingMessage) => string) | undefined;
  /**
   * Connections this node holds at once, handshakes under way included; past it, upgrade requests are refused
   * with 503. On the HTTP server the companion server creates (`port`), every TCP connection counts from the
   * moment it arrives, before it has sent anything.
   * @default 10000
   */
  maxConnections?: number | undefined;
  /**
   * Connections one client address (`clientAddress`) holds at once, handshakes under way included; past it,
   * upgrade requests are refused with 429. On the HTTP server the companion server creates, without a
   * `clientAddress`, every TCP connection counts from the moment it arrives (one past the limit is answered
   * 429 at once). Behind a proxy, set `clientAddress`, or every user shares one.
   * @default 128
   */
  maxConnectionsPerAddress?: number | undefined;
  /**
   * New sessions (protocol v2) this node starts within `sessionTtlMs` — what a session outlives its connection
   * by, so these are the sessions that may still be held for nobody; a `hello` past it is closed with 1013 (try
   * again later) before a session is made. Resumed sessions do not count. Each session holds up to
   * `maxBufferedBytes` for its client.
   * @default 20000
   */
  maxSessions?: number | undefined;
  /**
   * New sessions one client address starts within `sessionTtlMs` (see `maxSessions`).
   * @default 256
   */
  maxSessionsPerAddress?: number | undefined;
  /**
   * New sessions one owner (`sessionOwner`; clients without one are not counted) starts within `sessionTtlMs`
   * (see `maxSessions`): a user who opens many tabs, or reloads a page again and again.
   * @default 64
   */
  maxSessionsPerOwner?: number | undefined;
  /**
   * How long an upgrade request's headers may take to arrive, in milliseconds, on the HTTP server the
   * companion server creates (`port`): a connection that sends them slowly, or not at all, is cut then. On a
   * server of yours, set its `headersTimeout` and `requestTimeout` yourself.
   * @default 10000
   */
  handshakeTimeoutMs?: number | undefined;
  /**
   * How a refused upgrade request (`authorize` said 401 or 403) is answered. `'http'`: with that HTTP status —
   * which a browser does not show to the page (its socket just closes with 1006, and retries). `'close'`: the
   * handshake completes and the connection is closed at once with 4401 or 4403, which `reliable-socket`
   * clients read: 4403 stops the client, 4401 makes it ask its URL function again (a fresh token) or stop;
   * either way it emits an error naming the cause. Other refusals (403 for an origin or host, 404, 429, 500,
   * 503) are always HTTP. Every refusal is also a `refused` event on the server.
   * @default 'http'
   */
  refusal?: 'http' | 'close' | undefined;
  /**
   * Decides whether an upgrade request may connect, before the handshake completes: `true` accepts,
   * `{ data }` accepts and attaches `data` to the client (`client.data`: who the user is, for handlers and
   * `canSubscribe`), `false` refuses with 401, `401` or `403` refuses with that status. A throw or rejection
   * refuses with 500 and is emitted as an `error` event ({@link AuthorizeError}). Anything else refuses with 401.
   * @default every request is accepted
   */
  authorize?:
    | ((request: http.IncomingMessage) => AuthorizeResult<ClientData> | Promise<AuthorizeResult<ClientData>>)
    | undefined;
  /**
   * How long `authorize` may take, in milliseconds; a handshake still waiting then is refused with 503.
   * `Infinity` waits for ever.
   * @default 5000
   */
  authorizeTimeoutMs?: number | undefined;
  /**
   * Decides every subscription: `true` allows it; `false` (or anything else) refuses it, and the client's channel
   * view gets a `SubscribeDeniedError` (`ERR_SUBSCRIBE_DENIED`). May be asynchronous; the replies to one
   * client's subscribes still come in the order it sent them. A throw or rejection refuses it (`ERR_INTERNAL`)
   * and emits {@link CanSubscribeError}.
   * @default every subscription is allowed
   */
  canSubscribe?:
    | ((client: ServerClient<Out, ClientData>, channel: string) => boolean | Promise<boolean>)
    | undefined;
  /**
   * Whose session a client's is (protocol v2): a `hello` that names a session of another owner gets a new
   * session — so a session id that leaks (a shared tab after a logout, a log) resumes nothing for anyone else.
   * Return the user's stable id. Clients with no owner (`''`) share one owner: their sessions are bearer
   * tokens (128 random bits).
   * @default the `identity` that `authorize` answered (`{ data, identity }`), or `''`
   */
  sessionOwner?: ((client: ServerClient<Out, ClientData>) => string) | undefined;
  /**
   * Bytes the server may hold for one client that has not taken them yet (its outgoing buffer). While more
   * than half of this waits, the server stops reading the client's frames (so a client that does not read
   * cannot make it produce more); a frame that would take it past this closes the connection with 1013 (try
   * again later: `reliable-socket` clients reconnect), and that frame is not sent. One frame is always taken
   * onto an empty buffer, whatever its size. `Infinity` removes the limit.
   * @default 4194304 (4 MiB)
   */
  maxBufferedBytes?: number | undefined;
  /**
   * Channels one client may be subscribed to at once; a subscribe past it is refused with
   * `ERR_TOO_MANY_SUBSCRIPTIONS`.
   * @default 128
   */
  maxSubscriptions?: number | undefined;
  /**
   * Longest channel name a client may subscribe to, in UTF-16 code units (`string.length`); a longer one is
   * refused with `ERR_CHANNEL_NAME_TOO_LONG`.
   * @default 255
   */
  maxChannelNameLength?: number | undefined;
  /**
   * Requests one client may have in flight (being handled) at once; one more is answered at once with an
   * `ERR_TOO_MANY_REQUESTS` error. It also bounds the subscribe and unsubscribe frames that wait behind an
   * asynchronous `canSubscribe`: past it, the client is closed with 1008. A request whose `id` is already in
   * flight is a malformed frame.
   * @default 100
   */
  maxPendingRequests?: number | undefined;
  /**
   * How many frames and bytes a client may send (token buckets), or `false` for no limit. A client over its
   * budget is not cut off: the server stops reading its frames until the budget has refilled, so it slows down
   * to the average rate and nothing it sent is lost.
   * @default { framesPerSecond: 100, burst: 1000, bytesPerSecond: 1048576, burstBytes: 4194304 }
   */
  rateLimit?: RateLimit | false | undefined;
  /**
   * Largest frame a client may send, in bytes; `ws` closes a client that sends a larger one with 1009. Small by
   * default, as Centrifugo's: every frame is parsed whole before anything can look at it.
   * @default 65536 (64 KiB)
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
   * How long a client has to answer the server's close frame (1012 at `close()`, 1008, 1013, `client.close()`)
   * before it is cut off, in milliseconds.
   * @default 1000
   */
  closeTimeoutMs?: number | undefined;
  /**
   * How long `close()` lets handlers still running (requests, messages, `canSubscribe`) finish and their
   * responses go out before it sends 1012, in milliseconds. Meanwhile clients' frames other than pings are
   * ignored.
   * @default 5000
   */
  drainTimeoutMs?: number | undefined;
  /**
   * Where channel history, fan-out and sessions live (protocol v2, PROTOCOL.md). The default keeps them in this
   * process's memory, and `close()` closes it; pass a shared one (`reliable-socket/server/redis`) to run several
   * nodes — the server then leaves it open at `close()`.
   * @default a new MemoryBroker
   */
  broker?: Broker | undefined;
  /**
   * How much of each channel's publications is kept, so that a client that reconnects gets what it missed
   * (protocol v2): bounds by count, bytes and age — an object for every channel, or a function of the channel
   * name; `false` keeps none (a reconnecting client then gets a `gap`).
   * @default { maxMessages: 100, maxBytes: 1048576, maxAgeMs: 120000 } for every channel
   */
  history?: HistoryOption | undefined;
  /**
   * How long a session outlives its connection, in milliseconds: a client that reconnects within it resumes
   * (what it sent is handled once, what was sent to it is re-sent); later, it starts a new session.
   * @default 120000
   */
  sessionTtlMs?: number | undefined;
  /**
   * How long the broker may take to attach a client's session (protocol v2), in milliseconds. Meanwhile the
   * server reads nothing from the client; past it, the client is closed with 1011 (`session unavailable`) and
   * comes back with backoff — a store that is slow or down costs the server nothing per client.
   * @default 10000
   */
  attachTimeoutMs?: number | undefined;
}

/** Bounds of a channel's history (see {@link ReliableSocketServerOptions.history}); each field has its default. */
export type HistoryOption =
  | Partial<HistoryLimits>
  | false
  | ((channel: string) => Partial<HistoryLimits> | false);

const HISTORY_DEFAULTS: HistoryLimits = { maxMessages: 100, maxBytes: 1024 * 1024, maxAgeMs: 120_000 };

/** A {@link RateLimit} with its defaults filled in. */
export interface ResolvedRateLimit {
  framesPerSecond: number;
  burst: number;
  bytesPerSecond: number;
  burstBytes: number;
}

/** Options with every default filled in and every value checked (hooks with their types erased). */
export interface ResolvedServerOptions {
  listen: { port: number; host: string } | undefined;
  server: http.Server | undefined;
  path: string | undefined;
  allowedOrigins: AllowedOrigins;
  allowedHosts: AllowedHosts | undefined;
  authorize: ((request: http.IncomingMessage) => unknown) | undefined;
  authorizeTimeoutMs: number;
  /** Undefined when not given: the TCP peer's address, which is known as soon as a connection arrives. */
  clientAddress: ((request: http.IncomingMessage) => string) | undefined;
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxSessions: number;
  maxSessionsPerAddress: number;
  maxSessionsPerOwner: number;
  handshakeTimeoutMs: number;
  refusal: 'http' | 'close';
  canSubscribe: ((client: never, channel: string) => unknown) | undefined;
  sessionOwner: (client: never) => string;
  maxPayload: number;
  maxBufferedBytes: number;
  maxSubscriptions: number;
  maxChannelNameLength: number;
  maxPendingRequests: number;
  rateLimit: ResolvedRateLimit | false;
  pingIntervalMs: number;
  maxMalformedFrames: number;
  closeTimeoutMs: number;
  drainTimeoutMs: number;
  broker: Broker | undefined;
  /** The history bounds of a channel, checked; `false` for none. */
  history: (channel: string) => HistoryLimits | false;
  sessionTtlMs: number;
  attachTimeoutMs: number;
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

const origins: Check<AllowedOrigins> = (value, path) => {
  if (typeof value === 'function') return value as AllowedOrigins;
  if (value !== undefined && !Array.isArray(value))
    fail(TypeError, path, 'an array of origins or a function', value);
  const list = [...((value ?? []) as unknown[])];
  list.forEach((origin, index) => {
    if (!isOrigin(origin))
      fail(TypeError, `${path}[${index}]`, 'an origin such as "https://app.example.com" (no path)', origin);
  });
  return list as string[];
};

const hosts: Check<AllowedHosts | undefined> = (value, path) => {
  if (value === undefined || typeof value === 'function') return value as AllowedHosts | undefined;
  if (!Array.isArray(value)) fail(TypeError, path, 'an array of host names or a function', value);
  (value as unknown[]).forEach((host, index) => {
    if (typeof host !== 'string' || host === '' || host.includes(':') !== host.startsWith('['))
      fail(
        TypeError,
        `${path}[${index}]`,
        'a host name without a port, such as "app.example.com" or "[::1]"',
        host,
      );
  });
  return [...(value as string[])].map((host) => host.toLowerCase());
};

const limits = (value: unknown, path: string): HistoryLimits | false =>
  value === false
    ? false
    : group<HistoryLimits>(
        value,
        path,
        {
          maxMessages: num(HISTORY_DEFAULTS.maxMessages, 0, 2 ** 32, true),
          maxBytes: num(HISTORY_DEFAULTS.maxBytes, 0, 2 ** 40, true),
          maxAgeMs: num(HISTORY_DEFAULTS.maxAgeMs, 0, MAX_TIMER_MS, true),
        },
        'false, an object of limits, or a function of the channel name',
      );

/** Checks `history`: a function's answer is checked when it is given, per channel (a bad one means no history). */
const history: Check<(channel: string) => HistoryLimits | false> = (value, path) => {
  if (typeof value !== 'function') {
    const fixed = limits(value, path);
    return () => fixed;
  }
  return (channel) => limits((value as (channel: string) => unknown)(channel), `${path}("${channel}")`);
};

const isBroker: Check<Broker | undefined> = (value, path) => {
  const methods = ['publish', 'subscribe', 'position', 'recover', 'attach', 'detach', 'send', 'close'];
  if (
    value !== undefined &&
    !methods.every((m) => typeof (value as Record<string, unknown>)?.[m] === 'function')
  )
    fail(TypeError, path, `a Broker (an object with ${methods.join(', ')}…)`, value);
  return value as Broker | undefined;
};

const rate: Check<ResolvedRateLimit | false> = (value, path) =>
  value === false
    ? false
    : group<ResolvedRateLimit>(
        value,
        path,
        {
          framesPerSecond: num(100, 0.001, 1e9),
          burst: num(1000, 1, 2 ** 32, true),
          bytesPerSecond: num(1024 * 1024, 1, 2 ** 40),
          burstBytes: num(4 * 1024 * 1024, 1, 2 ** 40, true),
        },
        'false or an object',
      );

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveServerOptions(options: unknown): ResolvedServerOptions {
  const o = group<Checked>(options, 'options', {
    server: isHttpServer,
    port: optional(num(0, 0, 65_535, true)),
    host: optional(text),
    path: optional(pathname),
    allowedOrigins: origins,
    allowedHosts: hosts,
    authorize: fn(),
    authorizeTimeoutMs: orInfinity(num(5000, 1, MAX_TIMER_MS, true)),
    clientAddress: fn<(request: http.IncomingMessage) => string>(),
    maxConnections: orInfinity(num(10_000, 1, 2 ** 32, true)),
    maxConnectionsPerAddress: orInfinity(num(128, 1, 2 ** 32, true)),
    maxSessions: orInfinity(num(20_000, 1, 2 ** 32, true)),
    maxSessionsPerAddress: orInfinity(num(256, 1, 2 ** 32, true)),
    maxSessionsPerOwner: orInfinity(num(64, 1, 2 ** 32, true)),
    handshakeTimeoutMs: num(10_000, 1, MAX_TIMER_MS, true),
    refusal: (value, path) => {
      if (value === undefined) return 'http';
      if (value !== 'http' && value !== 'close') fail(TypeError, path, "'http' or 'close'", value);
      return value as 'http' | 'close';
    },
    canSubscribe: fn(),
    sessionOwner: (value, path) =>
      fn<(client: never) => string>()(value, path) ?? ((client: ServerClient) => client.identity ?? ''),
    maxPayload: num(64 * 1024, 1, 2 ** 32, true),
    maxBufferedBytes: orInfinity(num(4 * 1024 * 1024, 1024, 2 ** 40, true)),
    maxSubscriptions: orInfinity(num(128, 0, 2 ** 32, true)),
    maxChannelNameLength: orInfinity(num(255, 1, 2 ** 32, true)),
    maxPendingRequests: orInfinity(num(100, 0, 2 ** 32, true)),
    rateLimit: rate,
    pingIntervalMs: orInfinity(num(30_000, 1, MAX_TIMER_MS, true)),
    maxMalformedFrames: orInfinity(num(10, 0, 2 ** 32, true)),
    closeTimeoutMs: num(1000, 0, MAX_TIMER_MS, true),
    drainTimeoutMs: num(5000, 0, MAX_TIMER_MS, true),
    broker: isBroker,
    history,
    sessionTtlMs: num(120_000, 0, MAX_TIMER_MS, true),
    attachTimeoutMs: num(10_000, 1, MAX_TIMER_MS, true),
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
