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
    code;
    name = 'ReliableSocketError';
    constructor(
    /** Stable, machine-readable code. */
    code, message, options) {
        super(message, options);
        this.code = code;
    }
}
/**
 * Thrown by `send()` and `reconnect()` after `close()`; rejects pending `whenOpen()` calls and pending
 * requests at `close()`.
 */
export class SocketClosedError extends ReliableSocketError {
    name = 'SocketClosedError';
    constructor() {
        super('ERR_SOCKET_CLOSED', 'Socket closed for good (close(), or it gave up reconnecting): create a new one');
    }
}
/**
 * Thrown by `send()` when the queue is full and `queue.overflow` is `'throw'`; rejects a request whose frame
 * the queue dropped to make room.
 */
export class QueueFullError extends ReliableSocketError {
    name = 'QueueFullError';
    constructor() {
        super('ERR_QUEUE_FULL', 'Send queue full: raise options.queue limits, or await whenOpen()');
    }
}
/** Emitted as `error` when `reconnect.maxRetries` retries have failed; the socket then closes for good. */
export class RetriesExhaustedError extends ReliableSocketError {
    retries;
    name = 'RetriesExhaustedError';
    constructor(
    /** How many retries were made. */
    retries) {
        super('ERR_RETRIES_EXHAUSTED', `Gave up after ${retries} retries (options.reconnect.maxRetries)`);
        this.retries = retries;
    }
}
/** Emitted as `error` when the URL function throws, rejects or returns something that is not a WebSocket URL. */
export class UrlError extends ReliableSocketError {
    name = 'UrlError';
    constructor(cause) {
        super('ERR_URL', 'The URL function failed or gave no ws: URL; retrying', { cause });
    }
}
/** Emitted as `error` when `onOpen` throws or rejects; the connection is dropped and retried. */
export class OnOpenError extends ReliableSocketError {
    name = 'OnOpenError';
    constructor(cause) {
        super('ERR_ON_OPEN', 'options.onOpen failed; retrying', { cause });
    }
}
/** Thrown by a channel's `send()` and `request()` after that channel's `close()`. */
export class ChannelClosedError extends ReliableSocketError {
    name = 'ChannelClosedError';
    constructor(channel) {
        super('ERR_CHANNEL_CLOSED', `Channel "${channel}" is closed: get a new one from socket.channel()`);
    }
}
/** Rejects a request that got no response within its `timeoutMs` (counted from the `request()` call). */
export class RequestTimeoutError extends ReliableSocketError {
    timeoutMs;
    name = 'RequestTimeoutError';
    constructor(timeoutMs) {
        super('ERR_REQUEST_TIMEOUT', `No response within ${timeoutMs} ms`);
        this.timeoutMs = timeoutMs;
    }
}
/** Rejects a request the server answered with an error; `message` and `remoteCode` are the server's. */
export class RequestError extends ReliableSocketError {
    remoteCode;
    name = 'RequestError';
    constructor(message, 
    /** The error code the server sent, if any. */
    remoteCode) {
        super('ERR_REQUEST_FAILED', message);
        this.remoteCode = remoteCode;
    }
}
/**
 * Rejects a request that was sent on a connection that was then lost: the server may or may not have handled
 * it, and its response cannot arrive on another connection. Retry if the request is safe to repeat. (Requests
 * still queued when a connection is lost are not affected: they are sent on the next one.)
 */
export class ConnectionLostError extends ReliableSocketError {
    name = 'ConnectionLostError';
    constructor() {
        super('ERR_CONNECTION_LOST', 'Connection lost after the request was sent: it may or may not have been handled');
    }
}
/** Rejects a request whose response failed the channel's validator; `issues` says why. */
export class InvalidPayloadError extends ReliableSocketError {
    issues;
    name = 'InvalidPayloadError';
    constructor(
    /** The validator's issues. */
    issues) {
        super('ERR_INVALID_PAYLOAD', `Invalid response: ${issues.map((issue) => issue.message).join('; ')}`);
        this.issues = issues;
    }
}
//# sourceMappingURL=errors.js.map