import { encode, type WireError } from '../protocol.js';
import type { Client } from './client.js';
import type { ServerEmitter } from './emitter.js';
import { CanSubscribeError, type WireErrorCode } from './errors.js';
import type { ResolvedServerOptions } from './options.js';
import type { ChannelMap, ReliableSocketServerEvents, ServerClient } from './types.js';

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

const refusal = (code: WireErrorCode, message: string): WireError => ({ message, code });

/**
 * Who is subscribed to what: decides each subscribe (limits, then `canSubscribe`) and replies to it, in the
 * order of the client's frames per channel even when `canSubscribe` is asynchronous; keeps the index
 * (channel → clients) that `publish()` reads; ends subscriptions the server takes away.
 */
export class Subscriptions<Out extends ChannelMap> {
  readonly #index = new Map<string, Set<Client<Out>>>();
  readonly #events: ServerEmitter<ReliableSocketServerEvents<Out>>;
  readonly #options: Pick<
    ResolvedServerOptions,
    'canSubscribe' | 'maxSubscriptions' | 'maxChannelNameLength' | 'maxPendingRequests'
  >;

  constructor(events: ServerEmitter<ReliableSocketServerEvents<Out>>, options: ResolvedServerOptions) {
    this.#events = events;
    this.#options = options;
  }

  /** A client's `subscribe` frame. */
  subscribe(client: Client<Out>, channel: string): void {
    const { maxChannelNameLength, maxSubscriptions } = this.#options;
    // Checked at once: a name that long, or one channel too many, is refused however the steps before it end.
    if (channel.length > maxChannelNameLength) {
      const message = `Channel names are limited to ${maxChannelNameLength} characters on this server.`;
      this.#reply(client, channel, refusal('ERR_CHANNEL_NAME_TOO_LONG', message));
      return;
    }
    const known = client.subscriptions.has(channel) || client.steps.has(channel);
    if (!known && client.subscriptions.size + client.steps.busy >= maxSubscriptions) {
      const message = `A client may subscribe to ${maxSubscriptions} channels at once on this server.`;
      this.#reply(client, channel, refusal('ERR_TOO_MANY_SUBSCRIPTIONS', message));
      return;
    }
    this.#step(client, channel, () => this.#decide(client, channel));
  }

  /** A client's `unsubscribe` frame: no reply. */
  unsubscribe(client: Client<Out>, channel: string): void {
    this.#step(client, channel, () => void this.end(client, channel));
  }

  /** Ends a subscription, telling the client when `reason` is given; whether there was one. */
  end(client: Client<Out>, channel: string, reason?: string): boolean {
    if (!client.unsubscribed(channel)) return false;
    this.#unindex(client, channel);
    if (reason !== undefined) client.sendFrame({ type: 'unsubscribed', channel, reason });
    this.#events.emit('unsubscribe', client, channel);
    return true;
  }

  /** Sends a `message` frame to every subscriber of `channel` but `except`; returns how many got it. */
  publish(channel: string, data: unknown, except?: ServerClient<Out>): number {
    const subscribers = this.#index.get(channel);
    if (!subscribers) return 0;
    const text = encode({ type: 'message', channel, data });
    const bytes = Buffer.byteLength(text);
    let count = 0;
    for (const client of subscribers) if (client !== except && client.sendText(text, bytes)) count++;
    return count;
  }

  /** Forgets a client that has gone (its own subscription set is cleared by the client). */
  drop(client: Client<Out>): void {
    for (const channel of client.subscriptions) this.#unindex(client, channel);
  }

  /** Runs a subscription step in the client's order for that channel; too many waiting is a 1008. */
  #step(client: Client<Out>, channel: string, step: () => void | Promise<void>): void {
    if (!client.steps.run(channel, step)) client.close(1008, 'too many subscription frames pending');
  }

  /** Decides a subscribe: answered now when `canSubscribe` is synchronous, later when it is not. */
  #decide(client: Client<Out>, channel: string): void | Promise<void> {
    if (client.subscriptions.has(channel)) return this.#reply(client, channel);
    const { canSubscribe } = this.#options;
    let verdict: unknown = true;
    try {
      verdict = canSubscribe?.(client as never, channel) ?? true;
    } catch (error) {
      return this.#failed(client, channel, error);
    }
    if (!isThenable(verdict)) return this.#settle(client, channel, verdict);
    return Promise.resolve(verdict).then(
      (answer) => this.#settle(client, channel, answer),
      (error: unknown) => this.#failed(client, channel, error),
    );
  }

  #settle(client: Client<Out>, channel: string, verdict: unknown): void {
    // A client that left meanwhile must not come back into the index.
    if (client.state === 'closed') return;
    if (verdict !== true) {
      const message = `Not allowed to subscribe to "${channel}".`;
      this.#reply(client, channel, refusal('ERR_SUBSCRIBE_DENIED', message));
      return;
    }
    const { maxSubscriptions } = this.#options;
    if (!client.subscriptions.has(channel) && client.subscriptions.size >= maxSubscriptions) {
      const message = `A client may subscribe to ${maxSubscriptions} channels at once on this server.`;
      this.#reply(client, channel, refusal('ERR_TOO_MANY_SUBSCRIPTIONS', message));
      return;
    }
    const added = client.subscribed(channel);
    if (added) this.#indexOf(channel).add(client);
    // The reply goes out before listeners run: one that calls client.unsubscribe() must be heard after it.
    this.#reply(client, channel);
    if (added) this.#events.emit('subscribe', client, channel);
  }

  #failed(client: Client<Out>, channel: string, error: unknown): void {
    this.#events.emit('error', new CanSubscribeError(channel, client.id, error));
    const message = 'The server could not decide this subscription.';
    this.#reply(client, channel, refusal('ERR_INTERNAL', message));
  }

  #reply(client: Client<Out>, channel: string, error?: WireError): void {
    client.sendFrame(error ? { type: 'subscribed', channel, error } : { type: 'subscribed', channel });
  }

  #indexOf(channel: string): Set<Client<Out>> {
    const subscribers = this.#index.get(channel) ?? new Set();
    this.#index.set(channel, subscribers);
    return subscribers;
  }

  #unindex(client: Client<Out>, channel: string): void {
    const subscribers = this.#index.get(channel);
    // An empty set is dropped, so per-user or per-room channels do not pile up.
    if (subscribers?.delete(client) && subscribers.size === 0) this.#index.delete(channel);
  }
}
