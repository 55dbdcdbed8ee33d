import { Channel, type ChannelHost, type RequestOptions } from './channel.js';
import type { DropReason, IncomingData } from './events.js';
import type { DirectSend, FrameLayer, LayerHost } from './frame-layer.js';
import { decodeServerFrame, encode } from './protocol.js';
import { Requests } from './requests.js';
import type { SendResult } from './send-queue.js';
import type { Outcome, Validator } from './validator.js';

/**
 * The channel layer of one socket: subscriptions counted per channel name (one subscribe frame however many
 * views), routing of inbound envelopes to the views, re-subscription on every new connection, and the
 * requests waiting for responses.
 */
export class ChannelHub implements ChannelHost, FrameLayer {
  readonly #views = new Map<string, Set<Channel<unknown, unknown>>>();
  readonly #requests: Requests;
  /** The new connection while `onOpen` runs: requests go out on it at once (onOpen may await them). */
  #opening: DirectSend | undefined;

  constructor(readonly socket: LayerHost) {
    this.#requests = new Requests({
      send: (frame) => (this.#opening?.(frame) ? 'sent' : socket.send(frame)),
      queued: (frame) => socket.queued(frame),
      withdraw: (frame) => socket.withdraw(frame),
    });
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
    const views = this.#views.get(name) ?? new Set();
    if (views.size === 0) {
      this.#views.set(name, views);
      // While not open, the subscription goes out with all the others on the next connection.
      if (this.socket.state === 'open') this.socket.send(encode({ type: 'subscribe', channel: name }));
    }
    views.add(channel as Channel<unknown, unknown>);
    return channel;
  }

  release(channel: Channel<unknown, unknown>): void {
    const views = this.#views.get(channel.name);
    if (!views?.delete(channel) || views.size > 0) return;
    this.#views.delete(channel.name);
    if (this.socket.state === 'open')
      this.socket.send(encode({ type: 'unsubscribe', channel: channel.name }));
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
    if (frame?.type !== 'message') return false;
    const views = this.#views.get(frame.channel);
    if (!views) return false;
    for (const view of views) {
      // A listener may have closed the socket: like the socket itself, deliver nothing after that.
      if (this.socket.state === 'closing' || this.socket.state === 'closed') break;
      view.deliver(frame.data);
    }
    return true;
  }

  opening(send: DirectSend): void {
    this.#opening = send;
  }

  /** A new connection, before the queue flushes: subscribe to every channel in use, on it directly. */
  connected(send: DirectSend): void {
    this.#opening = undefined;
    for (const channel of this.#views.keys()) send(encode({ type: 'subscribe', channel }));
  }

  lost(): void {
    this.#opening = undefined;
    this.#requests.lost();
  }

  closed(): void {
    this.#opening = undefined;
    this.#requests.closed();
  }

  dropped(frame: unknown, reason: DropReason): void {
    this.#requests.dropped(frame, reason);
  }
}
