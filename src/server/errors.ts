/**
 * Codes the server puts in `error` frames, error responses and refused subscriptions on the wire (see
 * PROTOCOL.md). A request handler's own errors carry the handler's own `code`, if it set a string one.
 *
 * - `ERR_MALFORMED_FRAME`: the client sent a frame that is not a protocol envelope (or a binary frame), or a
 *   request whose `id` is already in flight.
 * - `ERR_NO_HANDLER`: a request on a channel the server has no request handler for.
 * - `ERR_TOO_MANY_REQUESTS`: a request over `maxPendingRequests` (the client has that many in flight).
 * - `ERR_SUBSCRIBE_DENIED`: `canSubscribe` refused the subscription.
 * - `ERR_TOO_MANY_SUBSCRIPTIONS`: a subscription over `maxSubscriptions`.
 * - `ERR_CHANNEL_NAME_TOO_LONG`: a subscription to a channel name longer than `maxChannelNameLength`.
 * - `ERR_INTERNAL`: a request handler threw something other than a {@link PublicError}, its answer could not
 *   be encoded as JSON, or `canSubscribe` threw; the details go to the server's `error` event, never to the
 *   client.
 * - `ERR_RESPONSE_TOO_LARGE`: the handler's answer was larger than `maxBufferedBytes`.
 */
export type WireErrorCode =
  | 'ERR_MALFORMED_FRAME'
  | 'ERR_NO_HANDLER'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_SUBSCRIBE_DENIED'
  | 'ERR_TOO_MANY_SUBSCRIPTIONS'
  | 'ERR_CHANNEL_NAME_TOO_LONG'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_INTERNAL';

/**
 * What a request handler throws (or rejects with) to answer the client with an error it may see: its message and
 * `code` go to the client as they are. Any other error is taken for a bug and is not shown to the client — a
 * path, a stack or a library's message can tell an attacker about the server: the client gets `ERR_INTERNAL`,
 * and the error goes to the server's `error` event ({@link HandlerError}). An error with `expose: true` (as the
 * http-errors package makes its 4xx errors) counts as public too.
 *
 * @example
 * ```ts
 * server.handle('account', {
 *   request: async ({ id }, client) => {
 *     const account = await db.accounts.find(id);
 *     if (account?.owner !== client.identity) throw new PublicError('No such account.', 'E_NO_ACCOUNT');
 *     return account;
 *   },
 * });
 * ```
 */
export class PublicError extends Error {
  override name = 'PublicError';
  /** Marks the error as meant for the client. */
  readonly expose = true;

  constructor(
    message: string,
    /** A stable code for the client to match on. @default none */
    readonly code?: string,
  ) {
    super(message);
  }
}

/**
 * Stable codes of the errors the server throws or emits. Match on `error.code`, not on messages: messages may
 * be reworded, codes never change within a major version.
 */
export type ServerErrorCode =
  | 'ERR_LISTEN'
  | 'ERR_AUTHORIZE'
  | 'ERR_CAN_SUBSCRIBE'
  | 'ERR_HANDLER'
  | 'ERR_LISTENER'
  | 'ERR_HANDLER_EXISTS'
  | 'ERR_BROKER';

/**
 * Base class of every error the companion server throws, rejects with or emits as `error`.
 *
 * @example
 * ```ts
 * server.on('error', (error) => {
 *   if (error.code === 'ERR_HANDLER') log.warn(error.cause, { channel: error.channel });
 * });
 * ```
 */
export class ReliableSocketServerError extends Error {
  override name = 'ReliableSocketServerError';

  constructor(
    /** Stable, machine-readable code. */
    readonly code: ServerErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `ready` rejects with it (and `error` carries it) when the server could not listen; `cause` says why. */
export class ListenError extends ReliableSocketServerError {
  override name = 'ListenError';

  constructor(port: number, host: string, cause: unknown) {
    super('ERR_LISTEN', `Could not listen on ${host}:${port} (is the port in use?). See the cause.`, {
      cause,
    });
  }
}

/**
 * Emitted as `error` when `authorize` (or an `allowedOrigins` function) threw or rejected; that handshake was
 * answered with 500.
 */
export class AuthorizeError extends ReliableSocketServerError {
  override name = 'AuthorizeError';

  constructor(
    cause: unknown,
    /** The option that failed. */
    readonly option: 'authorize' | 'allowedOrigins' = 'authorize',
  ) {
    super('ERR_AUTHORIZE', `options.${option} threw or rejected; the handshake was refused with 500.`, {
      cause,
    });
  }
}

/** Emitted as `error` when `canSubscribe` threw or rejected; the subscription was refused (`ERR_INTERNAL`). */
export class CanSubscribeError extends ReliableSocketServerError {
  override name = 'CanSubscribeError';

  constructor(
    /** The channel asked for. */
    readonly channel: string,
    /** The id of the client that asked. */
    readonly clientId: number,
    cause: unknown,
  ) {
    super(
      'ERR_CAN_SUBSCRIBE',
      `options.canSubscribe threw or rejected for channel "${channel}" (client ${clientId}); the subscription was refused. See the cause.`,
      { cause },
    );
  }
}

/**
 * Emitted as `error` when a `message` handler threw or rejected, or a request handler's answer could not be
 * encoded as JSON (the client then got an `ERR_INTERNAL` error response). A request handler that throws is not
 * a server error: its error goes back to the client as the response.
 */
export class HandlerError extends ReliableSocketServerError {
  override name = 'HandlerError';

  constructor(
    /** The channel whose handler failed. */
    readonly channel: string,
    /** The id of the client whose frame it was handling. */
    readonly clientId: number,
    cause: unknown,
  ) {
    super('ERR_HANDLER', `The handler of channel "${channel}" failed (client ${clientId}). See the cause.`, {
      cause,
    });
  }
}

/** Emitted as `error` when an event listener threw; the other listeners still ran and the server carried on. */
export class ListenerError extends ReliableSocketServerError {
  override name = 'ListenerError';

  constructor(
    /** The event whose listener threw. */
    readonly event: string,
    cause: unknown,
  ) {
    super('ERR_LISTENER', `A listener of "${event}" threw. See the cause.`, { cause });
  }
}

/** Thrown by `handle()` for a channel that already has handlers: call the function it returned first. */
export class HandlerExistsError extends ReliableSocketServerError {
  override name = 'HandlerExistsError';

  constructor(channel: string) {
    super(
      'ERR_HANDLER_EXISTS',
      `Channel "${channel}" already has handlers. Call the function the first handle() returned to remove them, then handle() again.`,
    );
  }
}

/**
 * Emitted as `error` when the broker (channel history, fan-out, sessions) failed an operation — with the Redis
 * broker, Redis was unreachable, say. The server carries on; the cause says what failed. Clients find out
 * through the protocol: a publication that never got an offset is missing from every history (their `gap`),
 * a session that cannot be found is a new one (`resumed: false`).
 */
export class BrokerError extends ReliableSocketServerError {
  override name = 'BrokerError';

  constructor(cause: unknown) {
    super('ERR_BROKER', 'The broker failed; see the cause.', { cause });
  }
}
