import { type ClientFrame, encode, type ServerFrame, type WireError } from '../protocol.js';
import type { Client } from './client.js';
import type { ServerEmitter } from './emitter.js';
import { HandlerError, HandlerExistsError } from './errors.js';
import type { ChannelHandlers, ChannelMap, ReliableSocketServerEvents, ServerClient } from './types.js';

/** Handlers as stored: payload and answer types are erased. */
type AnyHandlers = ChannelHandlers<never, unknown, ChannelMap>;

/** A thrown value as the client will see it: the error's message, and its code when that is a string. */
export function toWireError(error: unknown): WireError {
  const { message, code } = (error !== null && typeof error === 'object' ? error : {}) as Partial<WireError>;
  return {
    message:
      typeof message === 'string' ? message : typeof error === 'string' ? error : 'The request failed.',
    ...(typeof code === 'string' ? { code } : {}),
  };
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/**
 * What the protocol means on the server: answers pings, keeps the subscription index (channel → clients),
 * routes `message` and `request` frames to the channel's handlers, and publishes to subscribers.
 */
export class Channels<Out extends ChannelMap> {
  readonly #handlers = new Map<string, AnyHandlers>();
  readonly #subscribers = new Map<string, Set<Client<Out>>>();
  readonly #events: ServerEmitter<ReliableSocketServerEvents<Out>>;

  constructor(events: ServerEmitter<ReliableSocketServerEvents<Out>>) {
    this.#events = events;
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

  /** Sends a `message` frame to every subscriber of `channel` but `except`; returns how many got it. */
  publish(channel: string, data: unknown, except?: ServerClient<Out>): number {
    if (typeof channel !== 'string' || channel === '')
      throw new TypeError(
        `reliable-socket/server: publish() needs a non-empty channel name, got ${String(channel)}`,
      );
    const subscribers = this.#subscribers.get(channel);
    if (!subscribers) return 0;
    const text = encode({ type: 'message', channel, data });
    let count = 0;
    for (const client of subscribers) if (client !== except && client.sendText(text)) count++;
    return count;
  }

  /** Acts on one valid frame from a client. Never throws. */
  dispatch(client: Client<Out>, frame: ClientFrame): void {
    switch (frame.type) {
      case 'ping':
        client.sendFrame({ type: 'pong', id: frame.id });
        return;
      case 'subscribe':
        if (!client.subscribe(frame.channel)) return;
        this.#index(frame.channel).add(client);
        this.#events.emit('subscribe', client, frame.channel);
        return;
      case 'unsubscribe':
        if (!client.unsubscribe(frame.channel)) return;
        this.#unindex(client, frame.channel);
        this.#events.emit('unsubscribe', client, frame.channel);
        return;
      case 'message':
        this.#message(client, frame.channel, frame.data);
        return;
      case 'request':
        // #request cannot reject short of a bug; if it ever does, it is reported, not left unhandled.
        this.#request(client, frame.id, frame.channel, frame.data).catch((error: unknown) =>
          this.#events.emit('error', new HandlerError(frame.channel, client.id, error)),
        );
    }
  }

  /** Forgets a client that has gone (its own subscription set is cleared by the client). */
  drop(client: Client<Out>): void {
    for (const channel of client.subscriptions) this.#unindex(client, channel);
  }

  #index(channel: string): Set<Client<Out>> {
    const subscribers = this.#subscribers.get(channel) ?? new Set();
    this.#subscribers.set(channel, subscribers);
    return subscribers;
  }

  #unindex(client: Client<Out>, channel: string): void {
    const subscribers = this.#subscribers.get(channel);
    // An empty set is dropped, so per-user or per-room channels do not pile up.
    if (subscribers?.delete(client) && subscribers.size === 0) this.#subscribers.delete(channel);
  }

  #message(client: Client<Out>, channel: string, data: unknown): void {
    const handler = this.#handlers.get(channel)?.message as
      | ((data: unknown, client: Client<Out>) => unknown)
      | undefined;
    if (!handler) return;
    const failed = (error: unknown) =>
      this.#events.emit('error', new HandlerError(channel, client.id, error));
    try {
      const result = handler(data, client);
      if (isThenable(result)) result.then(undefined, failed);
    } catch (error) {
      failed(error);
    }
  }

  async #request(client: Client<Out>, id: number, channel: string, data: unknown): Promise<void> {
    const handler = this.#handlers.get(channel)?.request as
      | ((data: unknown, client: Client<Out>) => unknown)
      | undefined;
    let response: ServerFrame;
    if (!handler) {
      const message = `No request handler for channel "${channel}" on this server.`;
      response = { type: 'response', id, error: { message, code: 'ERR_NO_HANDLER' } };
    } else {
      try {
        response = { type: 'response', id, data: await handler(data, client) };
      } catch (error) {
        response = { type: 'response', id, error: toWireError(error) };
      }
    }
    let text: string;
    try {
      text = encode(response);
    } catch (error) {
      this.#events.emit('error', new HandlerError(channel, client.id, error));
      const message = 'The server could not encode its response.';
      text = encode({ type: 'response', id, error: { message, code: 'ERR_INTERNAL' } });
    }
    // A client that left meanwhile gets nothing: sendText checks that the connection is still open.
    client.sendText(text);
  }
}
