import { type ClientFrame, encode, type ServerFrame, type WireError } from '../protocol.js';
import type { Client } from './client.js';
import type { ServerEmitter } from './emitter.js';
import { HandlerError, HandlerExistsError } from './errors.js';
import type { Subscriptions } from './subscriptions.js';
import type { ChannelHandlers, ChannelMap, FrameInfo, ReliableSocketServerEvents } from './types.js';
import { isThenable, type Work } from './work.js';

/** Whether `text` is more than `max` bytes of UTF-8 (measured only when its length says it may be). */
export const exceeds = (text: string, max: number): boolean =>
  text.length * 3 > max && Buffer.byteLength(text) > max;

/** Handlers as stored: payload and answer types are erased. */
type AnyHandlers = ChannelHandlers<never, unknown, ChannelMap>;

/**
 * A thrown value as the client may see it: a {@link PublicError}'s (or any `expose: true` error's) message, and
 * its code when that is a string; undefined for anything else, which the client must not see.
 */
export function toWireError(error: unknown): WireError | undefined {
  const { message, code, expose } = (error !== null && typeof error === 'object' ? error : {}) as Partial<
    WireError & { expose: unknown }
  >;
  if (expose !== true || typeof message !== 'string') return undefined;
  return { message, ...(typeof code === 'string' ? { code } : {}) };
}

/** What the client is told when a handler failed in a way it must not see. */
const INTERNAL: WireError = { message: 'The server failed to answer the request.', code: 'ERR_INTERNAL' };

/**
 * What the protocol means on the server: answers pings, hands subscriptions to {@link Subscriptions}, routes
 * `message` and `request` frames to the channel's handlers (requests up to `maxPendingRequests` per client),
 * and counts every handler still running as {@link Work}.
 */
export class Channels<Out extends ChannelMap> {
  readonly #handlers = new Map<string, AnyHandlers>();
  readonly #events: ServerEmitter<ReliableSocketServerEvents<Out>>;
  readonly #subscriptions: Subscriptions<Out>;
  readonly #work: Work;
  readonly #maxPendingRequests: number;
  readonly #maxResponseBytes: number;
  readonly #maxChannelNameLength: number;

  /**
   * @param maxResponseBytes the largest response a client can be sent (`maxBufferedBytes`, its session's
   *   budget): a larger answer would end the session and, re-run after it, loop; it becomes an error answer.
   */
  constructor(
    events: ServerEmitter<ReliableSocketServerEvents<Out>>,
    subscriptions: Subscriptions<Out>,
    work: Work,
    limits: { maxPendingRequests: number; maxResponseBytes: number; maxChannelNameLength: number },
  ) {
    this.#events = events;
    this.#subscriptions = subscriptions;
    this.#work = work;
    this.#maxPendingRequests = limits.maxPendingRequests;
    this.#maxResponseBytes = limits.maxResponseBytes;
    this.#maxChannelNameLength = limits.maxChannelNameLength;
  }

  /** Registers a channel's handlers; returns the function that removes them. */
  handle(channel: string, handlers: AnyHandlers): () => void {
    if (typeof channel !== 'string' || channel === '')
      throw new TypeError(
        `reliable-socket/server: handle() needs a non-empty channel name, got ${String(channel)}`,
      );
    const { message, request, ...rest } = handlers ?? {};
    const unknown = Object.keys(rest);
    if (unknown.length > 0 || ![message, request].every((f) => f === undefined || typeof f === 'function'))
      throw new TypeError(
        `reliable-socket/server: handle("${channel}", handlers) takes { message?, request? } functions${unknown.length ? `, got "${unknown.join('", "')}"` : ''}`,
      );
    if (this.#handlers.has(channel)) throw new HandlerExistsError(channel);
    const own = { message, request };
    this.#handlers.set(channel, own);
    return () => {
      if (this.#handlers.get(channel) === own) this.#handlers.delete(channel);
    };
  }

  /** Acts on one valid frame from a client (after its session, if any, let it through). Never throws. */
  dispatch(client: Client<Out>, frame: ClientFrame, info: FrameInfo): void {
    switch (frame.type) {
      case 'ping':
        client.sendFrame({ type: 'pong', id: frame.id });
        return;
      case 'subscribe':
        this.#subscriptions.subscribe(client, frame.channel, frame.since);
        return;
      case 'unsubscribe':
        this.#subscriptions.unsubscribe(client, frame.channel);
        return;
      case 'message':
        if (this.#nameFits(client, frame)) this.#message(client, frame.channel, frame.data, info);
        return;
      case 'request':
        if (this.#nameFits(client, frame)) this.#request(client, frame.id, frame.channel, frame.data, info);
    }
  }

  /**
   * Whether a message's or request's channel name is within `maxChannelNameLength` (subscriptions check their
   * own). One that is not reaches no handler and counts as malformed; a request is answered with an error. The
   * name is never repeated back: an answer must not cost more than the question.
   */
  #nameFits(client: Client<Out>, frame: Extract<ClientFrame, { type: 'message' | 'request' }>): boolean {
    if (frame.channel.length <= this.#maxChannelNameLength) return true;
    const message = `Channel names are limited to ${this.#maxChannelNameLength} characters on this server.`;
    if (frame.type === 'request')
      client.respond({
        type: 'response',
        id: frame.id,
        error: { message, code: 'ERR_CHANNEL_NAME_TOO_LONG' },
      });
    client.malformed('', message);
    return false;
  }

  #message(client: Client<Out>, channel: string, data: unknown, info: FrameInfo): void {
    const handler = this.#handlers.get(channel)?.message as
      | ((data: unknown, client: Client<Out>, info: FrameInfo) => unknown)
      | undefined;
    if (!handler) return;
    const failed = (error: unknown) =>
      this.#events.emit('error', new HandlerError(channel, client.id, error));
    try {
      const result = handler(data, client, info);
      if (isThenable(result)) this.#work.track(Promise.resolve(result).then(undefined, failed));
    } catch (error) {
      failed(error);
    }
  }

  /** Admits a request (its id is not in flight: the client checked): one too many is answered at once. */
  #request(client: Client<Out>, id: number, channel: string, data: unknown, info: FrameInfo): void {
    if (client.requests.size >= this.#maxPendingRequests) {
      const message = `A client may have ${this.#maxPendingRequests} requests in flight on this server; retry when some are answered.`;
      client.respond({ type: 'response', id, error: { message, code: 'ERR_TOO_MANY_REQUESTS' } });
      return;
    }
    client.requests.add(id);
    // #answer cannot reject short of a bug; if it ever does, it is reported, not left unhandled.
    const answered = this.#answer(client, id, channel, data, info)
      .catch((error: unknown) => this.#events.emit('error', new HandlerError(channel, client.id, error)))
      .finally(() => client.requests.delete(id));
    this.#work.track(answered);
  }

  async #answer(
    client: Client<Out>,
    id: number,
    channel: string,
    data: unknown,
    info: FrameInfo,
  ): Promise<void> {
    const handler = this.#handlers.get(channel)?.request as
      | ((data: unknown, client: Client<Out>, info: FrameInfo) => unknown)
      | undefined;
    let response: ServerFrame;
    if (!handler) {
      const message = 'No request handler for this channel on this server.';
      response = { type: 'response', id, error: { message, code: 'ERR_NO_HANDLER' } };
    } else {
      try {
        response = { type: 'response', id, data: await handler(data, client, info) };
      } catch (error) {
        const shown = toWireError(error);
        if (!shown) this.#events.emit('error', new HandlerError(channel, client.id, error));
        response = { type: 'response', id, error: shown ?? INTERNAL };
      }
    }
    let text: string;
    try {
      text = encode(response); // a BigInt or a cycle in the answer throws here, not later on the way out
    } catch (error) {
      this.#events.emit('error', new HandlerError(channel, client.id, error));
      const message = 'The server could not encode its response.';
      text = encode({ type: 'response', id, error: { message, code: 'ERR_INTERNAL' } });
    }
    if (exceeds(text, this.#maxResponseBytes)) {
      const message = `The response was larger than the ${this.#maxResponseBytes} bytes a client may be sent.`;
      this.#events.emit('error', new HandlerError(channel, client.id, new RangeError(message)));
      text = encode({ type: 'response', id, error: { message, code: 'ERR_RESPONSE_TOO_LARGE' } });
    }
    // A v1 client that left meanwhile gets nothing; a v2 client's session keeps it for when it comes back.
    client.respondText(text);
  }
}
