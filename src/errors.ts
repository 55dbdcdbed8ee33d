/**
 * Stable error codes. Match on `error.code`, not on the message or class name:
 * messages may be reworded, codes never change within a major version.
 */
export type ReliableSocketErrorCode = 'ERR_SOCKET_CLOSED';

/**
 * Base class of every error this library throws or rejects with.
 *
 * @example
 * ```ts
 * try { socket.send('x') } catch (e) {
 *   if (e instanceof ReliableSocketError && e.code === 'ERR_SOCKET_CLOSED') …
 * }
 * ```
 */
export class ReliableSocketError extends Error {
  override name = 'ReliableSocketError';
  /** Stable, machine-readable code. */
  readonly code: ReliableSocketErrorCode;

  constructor(code: ReliableSocketErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Thrown by `send()` after `close()`: the socket is final and will not reconnect. */
export class SocketClosedError extends ReliableSocketError {
  override name = 'SocketClosedError';

  constructor() {
    super(
      'ERR_SOCKET_CLOSED',
      'Cannot send: the socket was closed with close() and will not reconnect. Create a new ReliableSocket to connect again.',
    );
  }
}
