import { Channel, type ChannelHost, type RequestOptions } from './channel.js';
import { Delivery, type DeliveryHost } from './delivery.js';
import { ProtocolFallbackError, QueueFullError, SocketClosedError } from './errors.js';
import type { DropReason, IncomingData } from './events.js';
import type { DirectSend, FrameLayer, LayerHost } from './frame-layer.js';
import {
  decodeServerFrame,
  encode,
  type GapReason,
  type Position,
  type SequencedFrame,
  type ServerFrame,
} from './protocol.js';
import { Requests } from './requests.js';
import type { SendResult } from './send-queue.js';
import type { Outcome, Validator } from './validator.js';

type Confirmation = { resolve(): void; reject(error: unknown): void };

/**
 * The channel layer of one socket: subscriptions counted per channel name (one subscribe frame however many
 * views), routing of inbound envelopes to the views, re-subscription on every new connection, the requests
 * waiting for responses — and, with protocol v2 ({@link Delivery}), sessions, acknowledgements and resends,
 * and each channel's history position (to resubscribe `since` it, and to tell duplicates and gaps).
 */
export class ChannelHub implements ChannelHost, FrameLayer {
  readonly #views = new Map<string, Set<Channel<unknown, unknown>>>();
  readonly #requests: Requests;
  readonly #delivery: Delivery | undefined;
  /** Per channel in use: the history position of the latest publication delivered (v2). */
  readonly #positions = new Map<string, Position>();
  /** Channels whose views already heard of a gap on the current connection (one per view per connection). */
  readonly #gapped = new Set<string>();
  /** `sendConfirmed()` calls waiting for their frame's acknowledgement. */
  readonly #confirmations = new Map<SequencedFrame, Confirmation>();
  /** The new connection while `onOpen` runs: v1 requests go out on it at once (onOpen may await them). */
  #opening: DirectSend | undefined;
  #fellBack = false;

  constructor(
    readonly socket: LayerHost,
    delivery: boolean,
  ) {
    this.#requests = new Requests({
      send: (frame) => this.#send(frame),
      queued: (frame) => socket.queued(encode(frame)),
      withdraw: (frame) => {
        this.#delivery?.withdraw((sent) => sent === frame);
        socket.withdraw(encode(frame));
      },
    });
    this.#delivery = delivery ? new Delivery(socket.queue, this.#deliveryHost) : undefined;
  }

  /** Frames the server has not acknowledged yet (v2). */
  get unacknowledged(): number {
    return this.#delivery?.unacknowledged ?? 0;
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
      if (this.socket.state === 'open') this.#send({ type: 'subscribe', channel: name });
    }
    views.add(channel as Channel<unknown, unknown>);
    return channel;
  }

  release(channel: Channel<unknown, unknown>): void {
    const views = this.#views.get(channel.name);
    if (!views?.delete(channel) || views.size > 0) return;
    this.#views.delete(channel.name);
    this.#positions.delete(channel.name);
    if (this.socket.state === 'open') this.#send({ type: 'unsubscribe', channel: channel.name });
  }

  send(channel: string, data: unknown): SendResult {
    return this.#send({ type: 'message', channel, data });
  }

  sendConfirmed(channel: string, data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#delivery?.active) return reject(new ProtocolFallbackError('no acknowledgements in v1'));
      const frame: SequencedFrame = { type: 'message', channel, data };
      this.#confirmations.set(frame, { resolve, reject });
      try {
        this.#send(frame);
      } catch (error) {
        this.#confirmations.delete(frame);
        reject(error);
      }
    });
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
    const verdict = this.#delivery?.receive(frame) ?? 'new';
    if (verdict !== 'new') return true;
    switch (frame?.type) {
      case 'response':
        // A late answer to a request that gave up is dropped in v2 (it was acknowledged all the same).
        return this.#requests.respond(frame) || frame.seq !== undefined;
      case 'subscribed':
        this.#subscribed(frame);
        return true;
      case 'message':
        return this.#message(frame);
    }
    return false;
  }

  opening(send: DirectSend): void | Promise<void> {
    this.#opening = send;
    this.#gapped.clear();
    return this.#delivery?.greet(send);
  }

  /** A new connection, before the queue flushes: subscribe to every channel in use, ahead of anything queued. */
  connected(send: DirectSend): void {
    this.#opening = undefined;
    for (const channel of this.#views.keys()) {
      const since = this.#positions.get(channel);
      const frame: SequencedFrame = { type: 'subscribe', channel, ...(since ? { since } : {}) };
      if (this.#delivery?.active) this.#delivery.send(frame);
      else send(encode(frame));
    }
  }

  lost(): void {
    this.#opening = undefined;
    // Over v1, a request that went out is lost with its connection; over v2 its answer comes on the next one.
    if (!this.#delivery?.active) this.#requests.lost();
    this.#delivery?.lost();
  }

  closed(): void {
    this.#opening = undefined;
    this.#delivery?.closed();
    this.#requests.closed();
  }

  dropped(frame: unknown, reason: DropReason): void {
    this.#requests.dropped((request) => encode(request) === frame, reason);
  }

  /** Sends a protocol frame: through the v2 session while there is one (or may be), else as v1 does. */
  #send(frame: SequencedFrame): SendResult {
    if (this.#delivery?.active) {
      const outcome = this.#delivery.send(frame);
      if (!outcome) throw new QueueFullError();
      return outcome.result;
    }
    const text = encode(frame);
    return frame.type === 'request' && this.#opening?.(text) ? 'sent' : this.socket.send(text);
  }

  #message(frame: Extract<ServerFrame, { type: 'message' }>): boolean {
    const { channel, offset, epoch } = frame;
    const views = this.#views.get(channel);
    if (!views) return false;
    if (offset !== undefined && epoch !== undefined) {
      const known = this.#positions.get(channel);
      if (known?.epoch === epoch && offset <= known.offset) return true; // seen already
      if (known && (known.epoch !== epoch || offset > known.offset + 1))
        this.#gap(channel, known.epoch === epoch ? 'missed' : 'epoch');
      this.#positions.set(channel, { offset, epoch });
    }
    for (const view of views) {
      // A listener may have closed the socket: like the socket itself, deliver nothing after that.
      if (this.socket.state === 'closing' || this.socket.state === 'closed') break;
      view.deliver(frame.data);
    }
    return true;
  }

  #subscribed(frame: Extract<ServerFrame, { type: 'subscribed' }>): void {
    const { channel, offset, epoch, recovered, reason } = frame;
    if (!this.#views.has(channel) || offset === undefined || epoch === undefined) return;
    if (recovered === false) this.#gap(channel, reason ?? 'trimmed');
    this.#positions.set(channel, { offset, epoch });
  }

  /** Tells the views of `channel` that publications were missed, at most once per connection. */
  #gap(channel: string, reason: GapReason): void {
    if (this.#gapped.has(channel)) return;
    this.#gapped.add(channel);
    for (const view of this.#views.get(channel) ?? []) view.gap(reason);
  }

  readonly #deliveryHost: DeliveryHost = {
    dropped: (entries, reason) => {
      for (const { frame, text } of entries) {
        this.#confirmations
          .get(frame)
          ?.reject(reason === 'closed' ? new SocketClosedError() : new QueueFullError());
        this.#confirmations.delete(frame);
        this.#requests.dropped((request) => request === frame, reason);
        this.socket.drop(text, reason);
      }
    },
    acknowledged: (entries) => {
      for (const { frame } of entries) {
        this.#confirmations.get(frame)?.resolve();
        this.#confirmations.delete(frame);
      }
    },
    sessionLost: () => this.#requests.frames(),
    welcomed: (lostSession) => {
      if (lostSession) for (const channel of [...this.#views.keys()]) this.#gap(channel, 'session');
    },
    fellBack: (frames, error) => {
      if (!this.#fellBack) this.socket.report(error);
      this.#fellBack = true;
      for (const frame of frames) {
        this.#confirmations.get(frame)?.reject(error);
        this.#confirmations.delete(frame);
        if (frame.type !== 'subscribe' && frame.type !== 'unsubscribe') this.#send(frame);
      }
    },
  };
}
