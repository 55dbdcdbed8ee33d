import { Emitter } from './emitter.js';
import { ChannelClosedError, type SubscribeDeniedError } from './errors.js';
import type { GapReason } from './protocol.js';
import type { SendResult } from './send-queue.js';
import { type Issue, type Outcome, type Validator, validate } from './validator.js';
import type { AbortSignalLike } from './web-types.js';

/** A payload that failed the channel's validator: it is reported here and never delivered as `message`. */
export interface InvalidPayload {
  /** The payload as it arrived (parsed JSON). */
  data: unknown;
  /** What the validator said. */
  issues: readonly Issue[];
}

/** How the server ended a subscription (`unsubscribed` event). */
export interface SubscriptionEnd {
  /** The server's reason, for logs; may be empty. */
  reason: string;
}

/**
 * Events of a {@link Channel}. A refused or ended subscription is not asked for again on reconnection (the
 * server decided) — unless it was refused for room (`ERR_TOO_MANY_SUBSCRIPTIONS`): that one is asked for again
 * on every new connection, and each time one of the socket's subscriptions ends (a view's `close()`, the server
 * ending one), one channel refused for room at a time. Opening a new view of the channel asks again, for all its
 * views.
 */
export interface ChannelEvents<I> {
  /** A payload arrived on this channel (and passed the validator, if any). */
  message: [data: I];
  /** A payload failed the validator. */
  invalid: [info: InvalidPayload];
  /**
   * Messages on this channel may have been missed and cannot be replayed (protocol v2: the history no longer
   * holds them, was reset, or the session was lost): refetch what you show. Emitted at most once per connection.
   */
  gap: [info: { channel: string; reason: GapReason }];
  /**
   * The server confirmed the subscription, on each connection. Servers that do not reply to `subscribe` never
   * emit it; nothing waits for it: messages are delivered either way.
   */
  subscribed: [];
  /**
   * The server refused the subscription (once per refusal): nothing published on the channel will arrive — until
   * a subscription refused for room (`remoteCode` `ERR_TOO_MANY_SUBSCRIPTIONS`) is asked for again and accepted
   * (`subscribed`).
   */
  error: [error: SubscribeDeniedError];
  /** The server ended the subscription: nothing more published on the channel will arrive. */
  unsubscribed: [info: SubscriptionEnd];
}

/** Options of `socket.channel(name, options)`. */
export interface ChannelOptions<T> {
  /**
   * Checks every inbound payload (messages and responses) at run time, and gives the channel its type: a
   * Standard Schema such as a zod or valibot schema, or a function that returns the payload or throws.
   * @default none (payloads are trusted to have the declared type)
   */
  validate?: Validator<T> | undefined;
}

/** Options of {@link Channel.request}. */
export interface RequestOptions {
  /**
   * How long to wait for the response, from the `request()` call (time spent queued counts), in milliseconds.
   * @default 10000
   */
  timeoutMs?: number | undefined;
  /** Aborts the wait: the promise rejects with the signal's reason. */
  signal?: AbortSignalLike | undefined;
}

/** What a channel needs from its socket's channel layer. */
export interface ChannelHost {
  send(channel: string, data: unknown): SendResult;
  sendConfirmed(channel: string, data: unknown): Promise<void>;
  request(
    channel: string,
    data: unknown,
    options: RequestOptions | undefined,
    accept: (data: unknown) => Outcome<unknown> | Promise<Outcome<unknown>>,
  ): Promise<unknown>;
  release(channel: Channel<unknown, unknown>): void;
}

/**
 * A typed view of one channel over the shared socket, from `socket.channel(name)`. Several views of the same
 * channel share one subscription; the server is told to unsubscribe when the last one is closed.
 *
 * @typeParam I what arrives on the channel. @typeParam O what is sent on it.
 * @example
 * ```ts
 * const chat = socket.channel('chat');
 * chat.on('message', (message) => render(message));
 * chat.send({ text: 'hi' });
 * const history = await socket.channel('history').request({ last: 50 });
 * ```
 */
export class Channel<I = unknown, O = unknown> {
  readonly #events = new Emitter<ChannelEvents<I>>();
  readonly #host: ChannelHost;
  readonly #validator: Validator<I> | undefined;
  /** Deliveries waiting for an asynchronous validation ahead of them, so that order is kept. */
  #queue: Promise<void> | undefined;
  #closed = false;

  constructor(
    /** The channel's name. */
    readonly name: string,
    host: ChannelHost,
    validator?: Validator<I>,
  ) {
    this.#host = host;
    this.#validator = validator;
  }

  /** Calls `listener` on every `event` until the returned function is called. */
  on<E extends keyof ChannelEvents<I> & string>(
    event: E,
    listener: (...args: ChannelEvents<I>[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  /** Calls `listener` on the next `event` only; the returned function removes it before that. */
  once<E extends keyof ChannelEvents<I> & string>(
    event: E,
    listener: (...args: ChannelEvents<I>[E]) => void,
  ): () => void {
    return this.#events.once(event, listener);
  }

  /**
   * Sends a payload on this channel (JSON-encoded), queued like any frame while the socket is not open.
   * @throws {ChannelClosedError} after this channel's `close()`; what `socket.send()` throws otherwise.
   */
  send(data: O): SendResult {
    if (this.#closed) throw new ChannelClosedError(this.name);
    return this.#host.send(this.name, data);
  }

  /**
   * Sends a payload like {@link send}, and resolves once the server has acknowledged it (protocol v2: it was
   * handed to the channel's message handler, exactly once, however many reconnections it took). Rejects with
   * `QueueFullError` or `SocketClosedError` if it was dropped unacknowledged, and with `ProtocolFallbackError`
   * on a server that does not speak v2 (it has no acknowledgements).
   * @throws {ChannelClosedError} after this channel's `close()`.
   */
  sendConfirmed(data: O): Promise<void> {
    if (this.#closed) return Promise.reject(new ChannelClosedError(this.name));
    return this.#host.sendConfirmed(this.name, data);
  }

  /**
   * Sends a request on this channel and resolves with the server's response (checked by the validator, if
   * any). Rejects with `RequestTimeoutError` when no response comes within `timeoutMs`, `RequestError` when the
   * server answers with an error, `ConnectionLostError` when the connection it was sent on is lost,
   * `SocketClosedError` at `close()`, `InvalidPayloadError` when the response fails the validator, or the
   * signal's reason when aborted. A request made while the socket is not open waits in the queue.
   */
  request(data: O, options?: RequestOptions): Promise<I> {
    if (this.#closed) return Promise.reject(new ChannelClosedError(this.name));
    return this.#host.request(this.name, data, options, (payload) => this.#check(payload)) as Promise<I>;
  }

  /** Stops this view: no more events; the last view of a channel to close unsubscribes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.release(this as Channel<unknown, unknown>);
  }

  /**
   * Delivers an inbound payload: validated, then emitted as `message` or `invalid`, in arrival order even when
   * a validation is asynchronous. Called by the socket's channel layer.
   * @internal
   */
  deliver(data: unknown): void {
    const outcome = this.#check(data);
    if (!this.#queue && !(outcome instanceof Promise)) {
      this.#emit(data, outcome);
      return;
    }
    const queue: Promise<void> = (this.#queue ?? Promise.resolve())
      .then(() => outcome)
      .then((result) => {
        if (this.#queue === queue) this.#queue = undefined;
        this.#emit(data, result);
      });
    this.#queue = queue;
  }

  /**
   * Reports what the server said about the subscription, or a gap in its messages. Called by the socket's
   * channel layer.
   * @internal
   */
  notify<E extends 'subscribed' | 'error' | 'unsubscribed' | 'gap'>(
    event: E,
    ...args: ChannelEvents<I>[E]
  ): void {
    if (!this.#closed) this.#events.emit(event, ...args);
  }

  #check(data: unknown): Outcome<I> | Promise<Outcome<I>> {
    return this.#validator ? validate(this.#validator, data) : { value: data as I };
  }

  #emit(data: unknown, outcome: Outcome<I>): void {
    if (this.#closed) return;
    if (outcome.issues) this.#events.emit('invalid', { data, issues: outcome.issues });
    else this.#events.emit('message', outcome.value);
  }
}
