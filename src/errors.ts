/**
 * Stable error codes. Match on `error.code`, not on the message or the class name: messages may be reworded,
 * codes never change within a major version.
 */
export type ReliableSocketErrorCode =
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_QUEUE_FULL'
  | 'ERR_RETRIES_EXHAUSTED'
  | 'ERR_URL'
  | 'ERR_ON_OPEN';

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

  constructor(
    /** Stable, machine-readable code. */
    readonly code: ReliableSocketErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Thrown by `send()` and `reconnect()` after `close()`; rejects pending `whenOpen()` calls at `close()`. */
export class SocketClosedError extends ReliableSocketError {
  override name = 'SocketClosedError';

  constructor() {
    super(
      'ERR_SOCKET_CLOSED',
      'The socket is closed for good (close() was called, or it gave up reconnecting). Create a new ReliableSocket to connect again.',
    );
  }
}

/** Thrown by `send()` when the queue is full and `queue.overflow` is `'throw'`. */
export class QueueFullError extends ReliableSocketError {
  override name = 'QueueFullError';

  constructor(maxMessages: number, maxBytes: number) {
    super(
      'ERR_QUEUE_FULL',
      `The send queue is full (${maxMessages} frames / ${maxBytes} bytes) while the socket is not open. Raise options.queue limits, or wait with whenOpen().`,
    );
  }
}

/** Emitted as `error` when `reconnect.maxRetries` retries have failed; the socket then closes for good. */
export class RetriesExhaustedError extends ReliableSocketError {
  override name = 'RetriesExhaustedError';

  constructor(
    /** How many retries were made. */
    readonly retries: number,
  ) {
    super(
      'ERR_RETRIES_EXHAUSTED',
      `Gave up after ${retries} retries (options.reconnect.maxRetries). Create a new ReliableSocket to try again.`,
    );
  }
}

/** Emitted as `error` when the URL function throws, rejects or returns something that is not a WebSocket URL. */
export class UrlError extends ReliableSocketError {
  override name = 'UrlError';

  constructor(cause: unknown) {
    super(
      'ERR_URL',
      'The URL function failed or returned an invalid URL; the attempt counts as failed and will be retried.',
      { cause },
    );
  }
}

/** Emitted as `error` when `onOpen` throws or rejects; the connection is dropped and retried. */
export class OnOpenError extends ReliableSocketError {
  override name = 'OnOpenError';

  constructor(cause: unknown) {
    super(
      'ERR_ON_OPEN',
      'options.onOpen threw or rejected; the connection was dropped and will be retried.',
      { cause },
    );
  }
}
