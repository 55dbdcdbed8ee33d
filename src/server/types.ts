import type { IncomingMessage } from 'node:http';
import type { ReliableSocketServerError } from './errors.js';

/**
 * A map from channel name to payload type, e.g. `{ chat: { text: string }; ticks: number }`. The server has
 * two: `In`, what clients send on each channel, and `Out`, what the server sends (and request handlers answer).
 */
export type ChannelMap = object;

/** Channel names of a map; any string when the map is the untyped default. */
export type ChannelOf<M extends ChannelMap> = keyof M & string;

/** The payload type of `channel` in `M`; `unknown` for a channel `M` does not name. */
export type PayloadOf<M extends ChannelMap, C extends string> = C extends keyof M ? M[C] : unknown;

/**
 * One connected client, as handlers and listeners see it. It lives from its `connection` event to its
 * `disconnect` event; after that `send()` returns false and `close()` does nothing.
 *
 * @typeParam ClientData What `authorize` attached to the client (`{ data }`), e.g. who the user is.
 */
export interface ServerClient<Out extends ChannelMap = Record<string, unknown>, ClientData = unknown> {
  /** Unique within the server, counting from 1. */
  readonly id: number;
  /** The HTTP upgrade request: URL, headers, remote address — whatever `authorize` looked at. */
  readonly request: IncomingMessage;
  /** What `authorize` accepted the client with (`{ data }`); undefined when it answered `true` or there is none. */
  readonly data: ClientData;
  /** The client's address, as `clientAddress` reads it (by default the TCP peer's). */
  readonly address: string;
  /** Who `authorize` said the client is (`{ identity }`); undefined when it did not say. */
  readonly identity: string | undefined;
  /**
   * The client's session (protocol v2): what outlives this connection — a reconnecting client resumes it,
   * on this node or another sharing the broker. Undefined for a client speaking v1.
   */
  readonly session: string | undefined;
  /** Channels the client is subscribed to, in the order it subscribed; emptied after `disconnect`. */
  readonly subscriptions: ReadonlySet<string>;
  /**
   * Sends a `message` frame on `channel` to this client alone, whether it is subscribed or not. To a client with
   * a session (protocol v2) it is kept until the client acknowledges it, and re-sent if the client reconnects.
   * @returns whether the frame was taken: false once the client is closing or gone (v1) or its session has
   *   ended, or when the frame would take it past `maxBufferedBytes` (the client is then closed with 1013).
   * @throws TypeError when `data` cannot be encoded as JSON (a BigInt, a cycle).
   */
  send<C extends ChannelOf<Out>>(channel: C, data: Out[C]): boolean;
  /**
   * Ends the client's subscription to `channel`: it gets no more of the channel's publications, and is sent
   * an `unsubscribed` frame (its channel views emit `unsubscribed` and do not subscribe again on their own).
   * Emits `unsubscribe`.
   * @param reason Sent to the client, for its logs. @default ''
   * @returns whether the client was subscribed.
   */
  unsubscribe(channel: string, reason?: string): boolean;
  /**
   * Starts the closing handshake; a client that does not answer within `closeTimeoutMs` is cut off.
   * @param code One an endpoint may send: 1000–1014 but 1004–1006, or 3000–4999. @default 1000
   * @param reason At most 123 bytes of UTF-8. @default ''
   * @throws TypeError for a code an endpoint may not send; RangeError for a longer reason.
   */
  close(code?: number, reason?: string): void;
  /**
   * Cuts the connection at once, without a closing handshake: the client sees a lost connection (1006) and
   * reconnects. For a client that must go now, or to rehearse a network failure.
   */
  terminate(): void;
}

/**
 * What the server does with frames on one channel. Both are optional: a channel without handlers can still be
 * subscribed to and published on.
 */
export interface ChannelHandlers<
  Data,
  Answer,
  Out extends ChannelMap = Record<string, unknown>,
  ClientData = unknown,
> {
  /**
   * Called with each `message` frame a client sends on the channel. Without it, such frames are ignored. What
   * it returns is ignored, except that a returned promise that rejects is reported like a throw: as an `error`
   * event (a {@link HandlerError}). The client hears nothing either way.
   */
  message?: ((data: Data, client: ServerClient<Out, ClientData>, info: FrameInfo) => unknown) | undefined;
  /**
   * Answers each `request` frame on the channel: the value (or the promise's value) is sent back as the
   * response's `data`. A throw or rejection is sent back as the response's `error`, with the error's `message`
   * and its `code` if that is a string — so throw errors whose message the client may see. Requests are
   * handled concurrently (up to `maxPendingRequests` per client): responses go out in the order the handlers
   * finish. Without it, requests are answered with an `ERR_NO_HANDLER` error.
   */
  request?:
    | ((data: Data, client: ServerClient<Out, ClientData>, info: FrameInfo) => Answer | Promise<Answer>)
    | undefined;
}

/** What a handler is told about the frame it handles, beside its payload. */
export interface FrameInfo {
  /**
   * The client sent this frame again to a new session after its old one was lost (the server restarted
   * without shared state, or the session expired): the old one may or may not have handled it. Handle it
   * idempotently, or check. Always false for a frame the server knows it has not seen (protocol v2 resends of
   * a resumed session are deduplicated and never reach a handler twice). For a frame re-sent to a new
   * session the client sets it: a hint for idempotence, not a fact to base rights or billing on.
   */
  redelivered: boolean;
}

/** Where a publication went in its channel's history: `offset` 0 when the channel keeps none. */
export interface Published {
  offset: number;
  epoch: string;
}

/** How a client's connection ended. */
export interface DisconnectInfo {
  /**
   * The close code of the side that started closing: the server's own (1008, 1009, 1012, 1013, what
   * `client.close()` was given…) even when the client never answered it, or the client's; 1006 when the
   * connection was cut without a close frame (a missed ping, `terminate()`, a lost link).
   */
  code: number;
  /** The close reason that went with `code`, if any. */
  reason: string;
  /** Whether the closing handshake completed: false when either side stopped answering or the link died. */
  wasClean: boolean;
  /**
   * What went wrong on the socket, if anything: a frame over `maxPayload` (code 1009), invalid UTF-8 (1007), a
   * protocol violation (1002). From `ws`, with its own `code` such as `'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'`.
   */
  error: Error | undefined;
}

/**
 * Why an upgrade request was refused: `path` (404: no listener serves it), `host` or `origin` (403: not an
 * allowed `Host` or page origin), `unauthorized` or `forbidden` (`authorize` said 401 or 403; `expired` when
 * the `expiresAt` it answered had passed), `authorize-failed` (500: it threw), `authorize-timeout` (503),
 * `too-many-connections` (503: `maxConnections`), `too-many-connections-from-address` (429:
 * `maxConnectionsPerAddress`).
 */
export type RefusalReason =
  | 'path'
  | 'host'
  | 'origin'
  | 'unauthorized'
  | 'forbidden'
  | 'expired'
  | 'authorize-failed'
  | 'authorize-timeout'
  | 'too-many-connections'
  | 'too-many-connections-from-address';

/** What the `refused` event says about a refused upgrade request. */
export interface RefusedInfo {
  /**
   * The upgrade request; undefined when the connection was refused as it arrived, before sending one (past
   * `maxConnectionsPerAddress` or `maxConnections`, on the HTTP server the companion server creates).
   */
  request: IncomingMessage | undefined;
  /** The client's address (`clientAddress`). */
  address: string;
  /** Why it was refused. */
  reason: RefusalReason;
  /**
   * How: the HTTP status it was answered with, or the close code (4401, 4403) when `refusal` is `'close'` and
   * the handshake completed first.
   */
  status: number;
}

/** A frame a client sent that is not a protocol envelope. */
export interface MalformedInfo {
  /** The frame: a string for a text frame, a Buffer for a binary frame. */
  data: string | Buffer;
  /** How many malformed frames this client has sent, this one included. */
  count: number;
  /** Whether this one took the client past `maxMalformedFrames`, so the server is closing it with 1008. */
  closing: boolean;
}

/** Events of {@link ReliableSocketServer}, by name, with the arguments each listener receives. */
export interface ReliableSocketServerEvents<
  Out extends ChannelMap = Record<string, unknown>,
  ClientData = unknown,
> {
  /** A client completed the handshake (after `authorize` accepted it). */
  connection: [client: ServerClient<Out, ClientData>];
  /** A client's connection ended; its subscriptions are still readable here and dropped right after. */
  disconnect: [client: ServerClient<Out, ClientData>, info: DisconnectInfo];
  /**
   * A client subscribed to a channel it was not subscribed to (`canSubscribe` allowed it; subscribing again
   * emits nothing).
   */
  subscribe: [client: ServerClient<Out, ClientData>, channel: string];
  /**
   * A subscription ended: the client unsubscribed, or `client.unsubscribe()` ended it. Not emitted for the
   * channels dropped at `disconnect`.
   */
  unsubscribe: [client: ServerClient<Out, ClientData>, channel: string];
  /** A client sent a malformed frame; it got an `ERR_MALFORMED_FRAME` error frame, or a 1008 close past the limit. */
  malformed: [client: ServerClient<Out, ClientData>, info: MalformedInfo];
  /**
   * An upgrade request was refused (see {@link RefusedInfo}): for the logs, and to notice a misconfiguration —
   * the browser does not show the page why its handshake failed.
   */
  refused: [info: RefusedInfo];
  /**
   * Something failed that the server handled and carried on: `authorize`, `allowedOrigins` or `canSubscribe`
   * threw, a message handler failed, a listener threw, listening failed. With no `error` listener, these are
   * printed as process warnings.
   */
  error: [error: ReliableSocketServerError];
}

/**
 * What `authorize` may answer: `true` accepts; `{ data }` accepts and attaches `data` to the client
 * (`client.data`); `false` refuses with 401; 401 or 403 refuses with that status.
 */
export type AuthorizeResult<ClientData = unknown> =
  | boolean
  | 401
  | 403
  | {
      data: ClientData;
      /**
       * Who the client is (a user id): its sessions belong to this identity, and a `hello` from another
       * identity naming one of them gets a new session instead (see `sessionOwner`).
       */
      identity?: string | undefined;
      /**
       * When the credentials the client connected with expire (a `Date`, or milliseconds since the epoch, as
       * `Date.now()`): the connection is then closed with 4401 (`credentials expired`), and a `reliable-socket`
       * client whose URL is a function asks it again for a fresh token. A time already past refuses the
       * handshake (401). To revoke a connection sooner, `client.close(4401)`.
       * @default never
       */
      expiresAt?: number | Date | undefined;
    };

/** Options of {@link ReliableSocketServer.publish}. */
export interface PublishOptions<Out extends ChannelMap = Record<string, unknown>, ClientData = unknown> {
  /** A client that does not get the frame, typically the one whose message is being relayed. */
  except?: ServerClient<Out, ClientData> | undefined;
}

/** Where the server is in its life: accepting connections, shutting down in `close()`, or done. */
export type ServerState = 'open' | 'closing' | 'closed';
