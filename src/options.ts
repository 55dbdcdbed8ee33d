import type {
  CloseDetails,
  CloseInfo,
  DropReason,
  IncomingData,
  OutgoingData,
  StateChange,
} from './events.js';
import type { BinaryTypeName, URLLike } from './web-types.js';

/**
 * What the socket uses of a WebSocket implementation: the browser's `WebSocket` and `ws`'s both fit. (Handler
 * parameters are `never` so that any implementation's event types are accepted.)
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly protocol: string;
  readonly bufferedAmount: number;
  send(data: OutgoingData): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: never) => void) | null;
  onmessage: ((event: never) => void) | null;
  onclose: ((event: never) => void) | null;
  onerror: ((event: never) => void) | null;
}

/** A WebSocket constructor: the browser's, or the `WebSocket` export of `ws` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/**
 * Where to connect: a URL, or a function called before every attempt (to put a fresh token in it). Only with a
 * function does the socket retry after the server refused its credentials (close 4401; see
 * {@link ReconnectOptions.finalCloseCodes}).
 */
export type UrlProvider = string | URLLike | (() => string | URLLike | Promise<string | URLLike>);

/**
 * Application-level heartbeat. While open, a ping is sent every `intervalMs`; if nothing at all arrives within
 * `timeoutMs` of a ping, the connection is declared dead and dropped at once. One ping is out at a time: the
 * next waits for the previous one's pong, or for its timeout to pass while other frames kept the link alive.
 * Deadlines are judged on the monotonic clock (`performance.now()`), so a tab whose timers the browser
 * throttles neither misses a dead link nor kills a live one, and a wall clock set back or forward changes
 * nothing.
 */
export interface HeartbeatOptions {
  /**
   * Time between pings, in milliseconds (from one ping to the next; later if a pong takes longer).
   * @default 25000
   */
  intervalMs?: number | undefined;
  /**
   * How long to wait after a ping for any frame before declaring the connection dead, in milliseconds.
   * @default 10000
   */
  timeoutMs?: number | undefined;
  /**
   * The ping frame: a string sent as is (e.g. `'ping'`), binary data sent as a binary frame (an `ArrayBuffer` or
   * a typed array: for binary protocols, a message their server answers cheaply), or a function of a counter
   * (1, 2, …) that returns either. A function that throws or returns anything else is reported (`reportError`)
   * and that ping is skipped — no ping, so no deadline either — and the next is tried one interval later. Any
   * frame that arrives proves the link alive; give `pong` too for the round-trip time of binary pings.
   * @default (id) => `{"type":"ping","id":${id}}`
   */
  ping?: HeartbeatFrame | ((id: number) => HeartbeatFrame) | undefined;
  /**
   * Recognises the pong: a string compared with each text frame (e.g. `'pong'`), or a function that returns
   * `true` for a pong, the id of the ping it answers (a number) for a pong that carries one, and `false` for
   * anything else. Pongs are never delivered as `message`. The pong of the ping that is out reports the
   * round-trip time in a `heartbeat` event: with an id it must match that ping's; without one (a string, or
   * `true`) any pong answers the ping that is out, and a pong while none is out (a very late one) reports
   * nothing. A function that throws is reported (`reportError`) and the frame is delivered as a message.
   * @default a JSON object whose `type` is `"pong"`, matched by its numeric `id`
   */
  pong?: string | ((data: IncomingData) => boolean | number) | undefined;
}

/** A heartbeat ping: text, or binary data sent as a binary frame. */
export type HeartbeatFrame = string | ArrayBuffer | ArrayBufferView;

/** Backoff jitter: `full` = random in [0, cap]; `equal` = random in [cap/2, cap]; `none` = cap. */
export type Jitter = 'full' | 'equal' | 'none';

/** When and how often to reconnect after a connection is lost or an attempt fails. */
export interface ReconnectOptions {
  /**
   * Cap of the first retry's delay, in milliseconds. Retry n's cap is `min(maxDelayMs, initialDelayMs · factor^(n-1))`.
   * @default 1000
   */
  initialDelayMs?: number | undefined;
  /**
   * Growth of the delay cap per retry.
   * @default 2
   */
  factor?: number | undefined;
  /**
   * Largest delay cap, in milliseconds.
   * @default 30000
   */
  maxDelayMs?: number | undefined;
  /**
   * How the delay is drawn below the cap. Full jitter spreads a crowd of clients that lost the same server
   * (see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
   * @default 'full'
   */
  jitter?: Jitter | undefined;
  /**
   * Replaces the built-in backoff: the delay before retry `attempt` (1, 2, …), in milliseconds.
   * @default undefined (exponential backoff with `jitter`)
   */
  delay?: ((attempt: number, lastClose: CloseDetails) => number) | undefined;
  /**
   * Retries after which the socket gives up and closes for good (with a `RetriesExhaustedError` event).
   * @default Infinity
   */
  maxRetries?: number | undefined;
  /**
   * Uptime after which a connection counts as stable: the next loss starts again from retry 1.
   * @default 5000
   */
  stableAfterMs?: number | undefined;
  /**
   * Close codes after which retrying cannot help, so the socket closes for good: protocol error (1002),
   * unsupported data (1003), invalid payload (1007), policy violation (1008), too big (1009), missing
   * extension (1010), forbidden (4403: the companion server refused this user), and — when the URL is a string
   * or URL, not a function — unauthorized (4401: the credentials are missing, invalid or expired; a retry would
   * send the same ones, while a URL function is called again and can put a fresh token in the URL). 4401 and
   * 4403 are also emitted as `error` (`UnauthorizedError`, `ForbiddenError`), final or not. A list given here
   * replaces the default exactly: pass `[]` to retry on every code, or leave 4401 out to retry with a fixed URL
   * whose credentials the app renews elsewhere (a cookie).
   * @default [1002, 1003, 1007, 1008, 1009, 1010, 4403], and 4401 with a fixed URL
   */
  finalCloseCodes?: readonly number[] | undefined;
  /**
   * Asked after every loss whose code is not final: return false to close for good.
   * @default () => true
   */
  shouldReconnect?: ((close: CloseDetails) => boolean) | undefined;
  /**
   * Source of randomness for jitter, returning [0, 1). Inject one to make delays deterministic in tests.
   * @default Math.random
   */
  random?: (() => number) | undefined;
}

/** What happens to a frame sent when the queue is full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'throw';

/** The queue of frames sent while not open, flushed in order once open. */
export interface QueueOptions {
  /**
   * Most frames held. `0` disables queueing: frames sent while not open are dropped (and reported).
   * @default 1000
   */
  maxMessages?: number | undefined;
  /**
   * Most bytes held (UTF-8 size of text frames, size of binary ones).
   * @default 1048576 (1 MiB)
   */
  maxBytes?: number | undefined;
  /**
   * When full: `drop-oldest` drops the oldest frames to make room, `drop-newest` drops the frame being sent,
   * `throw` makes `send()` throw a `QueueFullError`. Every dropped frame is reported in a `drop` event.
   * @default 'drop-oldest'
   */
  overflow?: OverflowPolicy | undefined;
}

/** What the {@link ReliableSocketOptions.onOpen} hook receives. */
export interface OpenContext {
  /**
   * Sends a frame on the new connection now, ahead of the queue. Sends nothing if that connection is already
   * closing: the attempt then fails, and `onOpen` runs again on the next one.
   */
  send(data: OutgoingData): void;
  /**
   * Which connection this is: 1 until a first one has got through `onOpen`, then 2, 3, … An attempt whose
   * `onOpen` failed does not count, so the retry sees the same number again.
   */
  connection: number;
}

/** Options of {@link ReliableSocketCore} (and of {@link ReliableSocket}). Every field is optional; each says its default. */
export interface CoreOptions {
  /**
   * Subprotocols offered in the handshake (`Sec-WebSocket-Protocol`).
   * @default none
   */
  protocols?: string | string[] | undefined;
  /**
   * The WebSocket implementation. Needed where there is no global `WebSocket` (Node before 22:
   * `import { WebSocket } from 'ws'`), or to wrap the native one.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor | undefined;
  /**
   * How binary frames arrive in `message` events, as on the native socket.
   * @default 'blob'
   */
  binaryType?: BinaryTypeName | undefined;
  /**
   * How long an attempt may take, in milliseconds: from creating the native socket until it is open and
   * `onOpen` has finished (and, separately, how long a URL function may take). A slower attempt is abandoned
   * and counts as failed. `Infinity` disables.
   * @default 10000
   */
  connectTimeoutMs?: number | undefined;
  /**
   * Application-level ping/pong; `false` disables it (then only the browser notices a dead link, which can
   * take minutes).
   * @default { intervalMs: 25000, timeoutMs: 10000 } with JSON pings
   */
  heartbeat?: HeartbeatOptions | false | undefined;
  /**
   * Reconnection policy; `false` never reconnects (the first loss closes for good).
   * @default exponential backoff from 1 s to 30 s, full jitter, unlimited retries
   */
  reconnect?: ReconnectOptions | false | undefined;
  /**
   * Limits of the queue of frames sent while not open.
   * @default { maxMessages: 1000, maxBytes: 1048576, overflow: 'drop-oldest' }
   */
  queue?: QueueOptions | undefined;
  /**
   * Runs after every (re)connection, before the queue is flushed and before `open` is emitted. Send
   * authentication or re-subscription frames here; return a promise to hold the flush until it settles. If it
   * throws or rejects, the connection is dropped and retried. It counts against `connectTimeoutMs`.
   * While it runs, channel requests (`socket.channel(name).request()`) go out at once on the new connection, so
   * it may await one (to authenticate, say); every other frame sent meanwhile waits in the queue until it is done.
   * @default none
   */
  onOpen?: ((context: OpenContext) => void | Promise<void>) | undefined;
  /**
   * Start in state `closed` instead of connecting at once; `open()` connects. For sockets created before they
   * are needed (a React render, a module-level constant).
   * @default false
   */
  startClosed?: boolean | undefined;
  /**
   * Receives one structured entry per state change, retry, close, drop, error and heartbeat — a debug log
   * (e.g. `logger: (entry) => console.debug('[socket]', entry)`). Messages are not logged. Costs nothing when
   * absent.
   * @default none
   */
  logger?: ((entry: LogEntry) => void) | undefined;
}

/** One entry of the {@link CoreOptions.logger} log. */
export type LogEntry =
  | ({ event: 'state' } & StateChange)
  | { event: 'open' }
  | ({ event: 'close' } & CloseInfo)
  | { event: 'reconnecting'; attempt: number; delayMs: number }
  | { event: 'heartbeat'; rttMs: number }
  | { event: 'drop'; reason: DropReason; bytes: number }
  | { event: 'error'; code: string; message: string };

/** Options of {@link ReliableSocket}: those of {@link ReliableSocketCore}, plus the channel protocol's. */
export interface ReliableSocketOptions extends CoreOptions {
  /**
   * Protocol v2 on the channels (PROTOCOL.md, "Version 2"): sessions, acknowledgements and resends (channel
   * messages and requests reach the server exactly once, in order, across reconnections), and missed
   * publications replayed from the server's history — or a `gap` event on the channel. The resend buffer holds
   * frames until the server acknowledges them, within the `queue` limits and overflow policy. A server that does
   * not answer `hello` with `welcome` gets v1 on that connection (an `ERR_PROTOCOL_FALLBACK` error, once).
   * `false` speaks v1 only.
   * @default true
   */
  delivery?: boolean | undefined;
}
