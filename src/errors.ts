import { DEV } from './dev.js';
import type { CloseDetails } from './events.js';

/**
 * Stable error codes. Match on `error.code`, not on the message or the class name: messages may be reworded,
 * codes never change within a major version.
 */
export type ReliableSocketErrorCode =
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_QUEUE_FULL'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_URL'
  | 'ERR_ON_OPEN'
  | 'ERR_CHANNEL_CLOSED'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_REQUEST_FAILED'
  | 'ERR_CONNECTION_LOST'
  | 'ERR_INVALID_PAYLOAD'
  | 'ERR_PROTOCOL_FALLBACK'
  | 'ERR_SUBSCRIBE_DENIED'
  | 'ERR_UNREACHABLE'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN';

/**
 * Where every error code is explained: the production build's messages, which leave the explanation out,
 * point there.
 */
export const ERROR_DOCS = 'https://github.com/reliable-socket/reliable-socket/blob/main/docs/error-codes.md';

/**
 * Base class of every error this library throws, rejects with or emits.
 *
 * @example
 * ```ts
 * try { socket.send('x') } catch (error) {
 *   if (error instanceof ReliableSocketError && error.code === 'ERR_SOCKET_CLOSED') …
 * }
 * ```
 */
export class ReliableSocketError extends Error {
  override name = 'ReliableSocketError';

  /**
   * @param message What happened and how to fix it; `false` for the code alone. Subclasses pass `DEV && '…'`:
   *   the production build's messages are their codes and where the codes are explained
   *   (`ERR_REQUEST_TIMEOUT, see https://…/docs/error-codes.md`), unless they carry what the server or a
   *   validator said.
   */
  constructor(
    /** Stable, machine-readable code. */
    readonly code: ReliableSocketErrorCode,
    message: string | false,
    options?: ErrorOptions,
  ) {
    super(message || `${code}, see ${ERROR_DOCS}`, options);
  }
}

/**
 * Thrown by `send()` and `reconnect()` after `close()`; rejects pending `whenOpen()` calls and pending
 * requests at `close()`.
 */
export class SocketClosedError extends ReliableSocketError {
  override name = 'SocketClosedError';

  constructor() {
    super(
      'ERR_SOCKET_CLOSED',
      DEV &&
        'Socket closed for good (close(), or it gave up reconnecting): open() it again, or create a new one',
    );
  }
}

/**
 * Thrown by `send()` when the queue is full and `queue.overflow` is `'throw'`; rejects a request whose frame
 * the queue dropped to make room.
 */
export class QueueFullError extends ReliableSocketError {
  override name = 'QueueFullError';

  constructor() {
    super('ERR_QUEUE_FULL', DEV && 'Send queue full: raise options.queue limits, or await whenOpen(socket)');
  }
}

/** Emitted as `error` when `reconnect.maxRetries` retries have failed; the socket then closes for good. */
export class RetriesExhaustedError extends ReliableSocketError {
  override name = 'RetriesExhaustedError';

  constructor(
    /** How many retries were made. */
    readonly retries: number,
  ) {
    super('ERR_RETRIES_EXHAUSTED', DEV && `Gave up after ${retries} retries (options.reconnect.maxRetries)`);
  }
}

/** Emitted as `error` when the URL function throws, rejects or returns something that is not a WebSocket URL. */
export class UrlError extends ReliableSocketError {
  override name = 'UrlError';

  constructor(cause: unknown) {
    super('ERR_URL', DEV && 'The URL function failed or gave no ws: URL; retrying', { cause });
  }
}

/** Emitted as `error` when `onOpen` throws or rejects; the connection is dropped and retried. */
export class OnOpenError extends ReliableSocketError {
  override name = 'OnOpenError';

  constructor(cause: unknown) {
    super('ERR_ON_OPEN', DEV && 'options.onOpen failed; retrying', { cause });
  }
}

/** Thrown by a channel's `send()` and `request()` after that channel's `close()`. */
export class ChannelClosedError extends ReliableSocketError {
  override name = 'ChannelClosedError';

  constructor(channel: string) {
    super('ERR_CHANNEL_CLOSED', DEV && `Channel "${channel}" is closed: get a new one from socket.channel()`);
  }
}

/** Rejects a request that got no response within its `timeoutMs` (counted from the `request()` call). */
export class RequestTimeoutError extends ReliableSocketError {
  override name = 'RequestTimeoutError';

  constructor(readonly timeoutMs: number) {
    super('ERR_REQUEST_TIMEOUT', DEV && `No response within ${timeoutMs} ms`);
  }
}

/** Rejects a request the server answered with an error; `message` and `remoteCode` are the server's. */
export class RequestError extends ReliableSocketError {
  override name = 'RequestError';

  constructor(
    message: string,
    /** The error code the server sent, if any. */
    readonly remoteCode: string | undefined,
  ) {
    super('ERR_REQUEST_FAILED', message);
  }
}

/**
 * Rejects a request that was sent on a connection that was then lost: the server may or may not have handled
 * it, and its response cannot arrive on another connection. Retry if the request is safe to repeat. (Requests
 * still queued when a connection is lost are not affected: they are sent on the next one.)
 */
export class ConnectionLostError extends ReliableSocketError {
  override name = 'ConnectionLostError';

  constructor() {
    super(
      'ERR_CONNECTION_LOST',
      DEV && 'Connection lost after the request was sent: it may or may not have been handled',
    );
  }
}

/** Rejects a request whose response failed the channel's validator; `issues` says why. */
export class InvalidPayloadError extends ReliableSocketError {
  override name = 'InvalidPayloadError';

  constructor(
    /** The validator's issues. */
    readonly issues: ReadonlyArray<{ message: string }>,
  ) {
    super(
      'ERR_INVALID_PAYLOAD',
      `${DEV ? 'Invalid response: ' : ''}${issues.map((issue) => issue.message).join('; ')}`,
    );
  }
}

/**
 * Emitted as `error` (once per socket) when a server does not answer `hello` with `welcome`: it does not speak
 * protocol v2, so that connection runs v1 — no acknowledgements, no resend, no recovery of missed publications.
 * Rejects `sendConfirmed()` calls that cannot be confirmed there.
 */
export class ProtocolFallbackError extends ReliableSocketError {
  override name = 'ProtocolFallbackError';

  constructor(why: string | false) {
    super(
      'ERR_PROTOCOL_FALLBACK',
      DEV && `The server does not speak protocol v2 (${why}): running v1, without delivery guarantees`,
    );
  }
}

/**
 * Emitted as `error` on a channel view when the server refused its subscription, once per refusal. `remoteCode`
 * is the server's reason — with the companion server `ERR_SUBSCRIBE_DENIED` (its `canSubscribe` said no),
 * `ERR_TOO_MANY_SUBSCRIPTIONS`, `ERR_CHANNEL_NAME_TOO_LONG` or `ERR_INTERNAL`. No message published on the
 * channel will arrive — except after `ERR_TOO_MANY_SUBSCRIPTIONS`, a refusal for room rather than rights: the
 * view keeps wanting the channel, which is asked for again when one of the socket's subscriptions ends and on
 * every new connection (each new refusal is emitted too).
 */
export class SubscribeDeniedError extends ReliableSocketError {
  override name = 'SubscribeDeniedError';

  constructor(
    /** The channel refused. */
    readonly channel: string,
    message: string,
    /** The error code the server sent, if any. */
    readonly remoteCode: string | undefined,
  ) {
    super('ERR_SUBSCRIBE_DENIED', message);
  }
}

/**
 * Emitted as `error` (once per life of the socket) when its first attempts have all failed and none has opened:
 * something is likely wrong with the setup rather than the network. The browser does not say why a handshake
 * failed (every failure is close 1006), so the message lists the usual causes; the socket keeps retrying.
 * docs/troubleshooting.md has one entry per cause.
 */
export class UnreachableError extends ReliableSocketError {
  override name = 'UnreachableError';

  constructor(
    /** The URL of the last attempt. */
    readonly url: string,
    /** Failed attempts so far. */
    readonly attempts: number,
  ) {
    super(
      'ERR_UNREACHABLE',
      DEV &&
        `No connection to ${url || 'the URL'} after ${attempts} attempts, and none has opened yet. The browser does not say why a handshake failed (each is a close with code 1006); the usual causes: the server is down or not listening there (host, port; a server bound to 127.0.0.1 is not reachable from other machines), the host name does not resolve, the path is wrong (404), the server refused the user (401 or 403: authorize), or this page's origin is not allowed (403: allowedOrigins; a dev server on another port is another origin). The devtools Network tab shows the handshake's status. Still retrying. See https://github.com/reliable-socket/reliable-socket/blob/main/docs/troubleshooting.md`,
    );
  }
}

/**
 * Emitted as `error` when the server closed the connection with **4401**: the credentials it was opened with
 * (a token in the URL, a cookie) are missing, invalid or expired — refused at once, or expired while it was
 * open. With a URL function the socket retries with backoff (the function is called again, and can put a fresh
 * token in the URL) and emits this once per such close; with a fixed URL the same credentials would be sent
 * again, so 4401 is one of its final close codes (`reconnect.finalCloseCodes`) and the socket closes for good.
 */
export class UnauthorizedError extends ReliableSocketError {
  override name = 'UnauthorizedError';
  /** The close code: 4401. */
  readonly closeCode = 4401;

  constructor(
    /** The server's close reason. */
    readonly reason: string,
  ) {
    super(
      'ERR_UNAUTHORIZED',
      DEV &&
        `The server refused the credentials (close 4401${reason && `: ${reason}`}): missing, invalid or expired. A URL function can return a fresh token before each retry; with a fixed URL 4401 is final (reconnect.finalCloseCodes)`,
    );
  }
}

/**
 * Emitted as `error` when the server closed the connection with **4403**: it knows who this is, and does not
 * allow them here. Retrying cannot change that: 4403 is a final close code (`reconnect.finalCloseCodes`), and
 * the socket closes for good.
 */
export class ForbiddenError extends ReliableSocketError {
  override name = 'ForbiddenError';
  /** The close code: 4403. */
  readonly closeCode = 4403;

  constructor(
    /** The server's close reason. */
    readonly reason: string,
  ) {
    super(
      'ERR_FORBIDDEN',
      DEV &&
        `The server refused this user (close 4403${reason && `: ${reason}`}): retrying cannot help, 4403 is final (reconnect.finalCloseCodes)`,
    );
  }
}

/** The error a close by the server stands for: 4401 and 4403 refuse the credentials; other codes, none. */
export const refusal = ({ code, reason }: CloseDetails): ReliableSocketError | undefined =>
  code === 4401 ? new UnauthorizedError(reason) : code === 4403 ? new ForbiddenError(reason) : undefined;
