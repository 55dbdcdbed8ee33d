import { Channel, type ChannelHost, type RequestOptions } from './channel.js';
import { SubscribeDeniedError } from './errors.js';
import type { DropReason, IncomingData } from './events.js';
import type { FrameLayer } from './frame-layer.js';
import { decodeServerFrame, encode, type ServerFrame } from './protocol.js';
import { Requests } from './requests.js';
import type { SendResult } from './send-queue.js';
import type { Outcome, Validator } from './validator.js';

/** What the channel layer needs from its socket. */
export interface HubSocket {
  /** The socket's own `send()`: sends when open, queues otherwise. */
  send(frame: string): SendResult;
  isOpen(): boolean;
}

/** One channel name in use: its views, and what the server said about it. */
interface Subscription {
  views: Set<Channel<unknown, unknown>>;
  /** `ended` once the server refused or ended it: not asked for again on reconnection. */
  state: 'wanted' | 'ended';
}

/**
 * The channel layer of one socket: subscriptions counted per channel name (one subscribe frame however many
 * views), routing of inbound envelopes to the views, re-subscription on every new connection, the server's
 * answers to subscribes, and the requests waiting for responses.
 */
export class ChannelHub implements ChannelHost, FrameLayer {
  readonly #subscriptions = new Map<string, Subscription>();
  /**
   * Subscribes sent on this connection and not answered yet, per channel name — kept when the name's last
   * view closes, since the answers still come. Only the answer to the last one counts.
   */
  readonly #awaiting = new Map<string, number>();
  readonly #requests: Requests;

  constructor(readonly socket: HubSocket) {
    this.#requests = new Requests((frame) => socket.send(frame));
  }

  /** A new view of channel `name`; the first view of a name subscribes. */
  open<I, O>(name: string, validator: Validator<I> | undefined): Channel<I, O> {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(
        `reliable-socket: channel() name must be a non-empty string, got ${JSON.stringify(name)}`,
      );
    }
    if (
      validator !== undefined &&
      typeof validator !== 'function' &&
      typeof validator?.['~standard']?.validate !== 'function'
    ) {
      throw new TypeError(
        'reliable-socket: channel() options.validate must be a Standard Schema or a function',
      );
    }
    const channel = new Channel<I, O>(name, this, validator);
    let subscription = this.#subscriptions.get(name);
    if (!subscription) {
      subscription = { views: new Set(), state: 'ended' };
      this.#subscriptions.set(name, subscription);
    }
    // A new view asks again for a subscription the server refused or ended. While not open, the subscription
    // goes out with all the others on the next connection.
    if (subscription.state === 'ended') {
      subscription.state = 'wanted';
      if (this.socket.isOpen()) this.#subscribe(name, (frame) => this.socket.send(frame));
    }
    subscription.views.add(channel as Channel<unknown, unknown>);
    return channel;
  }

  release(channel: Channel<unknown, unknown>): void {
    const views = this.#subscriptions.get(channel.name)?.views;
    if (!views?.delete(channel) || views.size > 0) return;
    this.#subscriptions.delete(channel.name);
    if (this.socket.isOpen()) this.socket.send(encode({ type: 'unsubscribe', channel: channel.name }));
  }

  send(channel: string, data: unknown): SendResult {
    return this.socket.send(encode({ type: 'message', channel, data }));
  }

  request(
    channel: string,
    data: unknown,
    options: RequestOptions | undefined,
    accept: (data: unknown) => Outcome<unknown> | Promise<Outcome<unknown>>,
  ): Promise<unknown> {
    return this.#requests.start(channel, data, options, accept);
  }

  /** Takes the frames that belong to channels; false for anything else, which goes to the raw `message` event. */
  receive(data: IncomingData): boolean {
    const frame = decodeServerFrame(data);
    if (frame?.type === 'response') return this.#requests.respond(frame);
    if (frame?.type === 'subscribed' || frame?.type === 'unsubscribed') {
      this.#answered(frame);
      return true;
    }
    if (frame?.type !== 'message') return false;
    const views = this.#subscriptions.get(frame.channel)?.views;
    if (!views) return false;
    for (const view of views) view.deliver(frame.data);
    return true;
  }

  /** A new connection, before the queue flushes: subscribe to every channel still wanted, on it directly. */
  connected(send: (frame: string) => void): void {
    this.#awaiting.clear();
    for (const [channel, { state }] of this.#subscriptions)
      if (state === 'wanted') this.#subscribe(channel, send);
  }

  /** The queue went out on the new connection, queued requests with it. */
  flushed(): void {
    this.#requests.flushed();
  }

  lost(): void {
    this.#requests.lost();
  }

  closed(): void {
    this.#requests.closed();
  }

  dropped(frame: unknown, reason: DropReason): void {
    this.#requests.dropped(frame, reason);
  }

  #subscribe(channel: string, send: (frame: string) => unknown): void {
    this.#awaiting.set(channel, (this.#awaiting.get(channel) ?? 0) + 1);
    send(encode({ type: 'subscribe', channel }));
  }

  /** The server's reply to a subscribe, or its notice that it ended a subscription. */
  #answered(frame: Extract<ServerFrame, { type: 'subscribed' | 'unsubscribed' }>): void {
    const { channel } = frame;
    let awaiting = this.#awaiting.get(channel) ?? 0;
    if (frame.type === 'subscribed' && awaiting > 0) awaiting--;
    if (awaiting > 0) this.#awaiting.set(channel, awaiting);
    else this.#awaiting.delete(channel);
    // Replies come in the order of the subscribes: what the server says before the last one is answered is moot.
    const subscription = this.#subscriptions.get(channel);
    if (awaiting > 0 || !subscription) return;
    // A snapshot: a listener may open a new view, which asks again and must not hear this answer.
    const views = [...subscription.views];
    if (frame.type === 'unsubscribed') {
      subscription.state = 'ended';
      for (const view of views) view.notify('unsubscribed', { reason: frame.reason });
    } else if (frame.error) {
      subscription.state = 'ended';
      const error = new SubscribeDeniedError(channel, frame.error.message, frame.error.code);
      for (const view of views) view.notify('error', error);
    } else for (const view of views) view.notify('subscribed');
  }
}
