import { Channel, type ChannelHost, type RequestOptions } from './channel.js';
import { fail, text } from './check.js';
import { Delivery, type DeliveryHost } from './delivery.js';
import { DEV } from './dev.js';
import { ProtocolFallbackError, QueueFullError, SocketClosedError } from './errors.js';
import type { DropReason, IncomingData } from './events.js';
import type { DirectSend, FrameLayer, LayerHost } from './frame-layer.js';
import {
  decodeServerFrame,
  encode,
  type Position,
  type SequencedFrame,
  type ServerFrame,
} from './protocol.js';
import { Requests } from './requests.js';
import type { SendResult } from './send-queue.js';
import { Subscriptions } from './subscriptions.js';
import type { Outcome, Validator } from './validator.js';

type Confirmation = { resolve(): void; reject(error: unknown): void };

/**
 * What the channel layer needs of its socket beyond {@link LayerHost}: to drop a connection that is out of step
 * with the session, to hand a held frame to the raw `message` event, and the connect timeout.
 * @internal
 */
export interface HubHost extends LayerHost {
  /** Ends the current connection as lost (the socket reconnects with backoff), saying why. */
  resync(reason: string): void;
  /** Emits a frame that is not the layer's as a raw `message` event (one held while greeting). */
  message(data: IncomingData): void;
  /** `connectTimeoutMs`: how long a server has to answer `hello`. */
  readonly connectTimeoutMs: number;
}

/**
 * The channel layer of one socket: routing of inbound envelopes to the views ({@link Subscriptions}),
 * (re-)subscription on every new connection, the requests waiting for responses — and, with protocol v2
 * ({@link Delivery}), sessions, acknowledgements and resends.
 */
export class ChannelHub implements ChannelHost, FrameLayer {
  readonly #subscriptions = new Subscriptions((channel, since) => {
    if (this.#subscribedNow()) this.#send(this.#subscribeFrame(channel, since));
  });
  readonly #requests: Requests;
  readonly #delivery: Delivery | undefined;
  /** `sendConfirmed()` calls waiting for their frame's acknowledgement. */
  readonly #confirmations = new Map<SequencedFrame, Confirmation>();
  /** The new connection while `onOpen` runs: v1 requests go out on it at once (onOpen may await them). */
  #opening: DirectSend | undefined;
  /** The connection, once the socket has flushed to it (or, attached once open, at once). */
  #connected: DirectSend | undefined;
  #fellBack = false;
  /** The server welcomed a connection with a new session after a lost one: views hear of it once open. */
  #lostSession = false;
  /** Requests sent over v1, as encoded: what the socket's queue holds, to find them there again. */
  readonly #v1Texts = new WeakMap<SequencedFrame, string>();

  readonly #socket: HubHost;

  constructor(socket: HubHost, delivery: boolean) {
    this.#socket = socket;
    this.#requests = new Requests({
      send: (frame) => this.#send(frame),
      queued: (frame) => {
        const text = this.#v1Texts.get(frame);
        return text !== undefined && socket.queued(text);
      },
      withdraw: (frame) => {
        this.#delivery?.withdraw((sent) => sent === frame);
        const text = this.#v1Texts.get(frame);
        if (text !== undefined) socket.withdraw(text);
      },
    });
    this.#delivery = delivery
      ? new Delivery(socket.queue, this.#deliveryHost, socket.connectTimeoutMs)
      : undefined;
  }

  /** Frames the server has not acknowledged yet (v2). */
  get unacknowledged(): number {
    return this.#delivery?.unacknowledged ?? 0;
  }

  /** A new view of channel `name`; the first view of a name subscribes (so does one after a refusal). */
  open<I, O>(name: string, validator: Validator<I> | undefined): Channel<I, O> {
    text(name, 'channel() name');
    if (
      validator !== undefined &&
      typeof validator !== 'function' &&
      typeof validator?.['~standard']?.validate !== 'function'
    )
      fail(TypeError, 'channel() options.validate', DEV && 'a Standard Schema or a function', validator);
    const channel = new Channel<I, O>(name, this, validator);
    // Until the connection can take it, the subscription goes out with all the others when it can.
    if (this.#subscriptions.add(channel as Channel<unknown, unknown>) && this.#subscribedNow())
      this.#send(this.#subscribeFrame(name, undefined));
    return channel;
  }

  /** A view closed: the last of its channel unsubscribes, and the room it held may go to a refused channel. */
  release(channel: Channel<unknown, unknown>): void {
    const held = this.#subscriptions.remove(channel);
    if (held === undefined || !this.#subscribedNow()) return;
    this.#send({ type: 'unsubscribe', channel: channel.name });
    if (held) this.#subscriptions.freed();
  }

  /**
   * Whether the current connection has had its subscriptions asked for, so that a change goes out now: over v2
   * once the server has welcomed it (before `open`, while `onOpen` may still run), over v1 once it is open.
   */
  #subscribedNow(): boolean {
    return this.#delivery?.active ? this.#delivery.welcomed : this.#socket.state === 'open';
  }

  send(channel: string, data: unknown): SendResult {
    return this.#send({ type: 'message', channel, data });
  }

  sendConfirmed(channel: string, data: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.#delivery?.active)
        return reject(new ProtocolFallbackError(DEV && 'no acknowledgements in v1'));
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
    if ((this.#delivery?.receive(frame, data) ?? 'new') !== 'new') return true;
    switch (frame?.type) {
      case 'response':
        this.#delivery?.answered(frame.id);
        // A late answer to a request that gave up is dropped in v2 (it was acknowledged all the same).
        return this.#requests.respond(frame) || frame.seq !== undefined;
      case 'subscribed':
      case 'unsubscribed':
        this.#subscriptions.answered(frame);
        return true;
      case 'message':
        return this.#message(frame);
      case 'skip':
        this.#subscriptions.published(frame.channel, frame.offset, frame.epoch);
        return true;
    }
    return false;
  }

  opening(send: DirectSend): void | Promise<void> {
    this.#opening = send;
    this.#subscriptions.renew();
    return this.#delivery?.greet(send);
  }

  /**
   * A new connection, before the queue flushes. Over v1: subscribe to every channel still wanted, ahead of the
   * queue. Over v2 that was done as the server welcomed the connection; the views now hear of a lost session.
   */
  connected(send: DirectSend): void {
    this.#opening = undefined;
    this.#connected = send;
    if (this.#delivery?.active) {
      if (this.#lostSession) this.#subscriptions.gap(undefined, 'session');
      this.#lostSession = false;
      return;
    }
    this.#subscribeAll(send);
  }

  /** Over v1: subscribes to every channel still wanted, on `send`. */
  #subscribeAll(send: DirectSend): void {
    for (const { channel, since } of this.#subscriptions.wanted())
      this.#send(this.#subscribeFrame(channel, since), send);
  }

  lost(): void {
    this.#opening = undefined;
    this.#connected = undefined;
    // Over v1, a request that went out is lost with its connection; over v2 its answer comes on the next one.
    if (!this.#delivery?.active) this.#requests.lost();
    this.#delivery?.lost();
  }

  closed(): void {
    this.#opening = undefined;
    this.#connected = undefined;
    this.#delivery?.closed();
    this.#requests.closed();
  }

  dropped(frame: unknown, reason: DropReason): void {
    this.#requests.dropped((request) => this.#v1Texts.get(request) === frame, reason);
  }

  /**
   * Sends a protocol frame: through the v2 session while there is one (or may be); as v1 otherwise — on
   * `direct` (the new connection, ahead of the queue) when given, else through the socket.
   */
  #send(frame: SequencedFrame, direct?: DirectSend): SendResult {
    if (this.#delivery?.active) {
      const outcome = this.#delivery.send(frame);
      if (!outcome) throw new QueueFullError();
      return outcome.result;
    }
    const text = encode(frame);
    if (frame.type === 'request') this.#v1Texts.set(frame, text);
    if (direct) return direct(text) ? 'sent' : this.#socket.send(text);
    return frame.type === 'request' && this.#opening?.(text) ? 'sent' : this.#socket.send(text);
  }

  /** The subscribe frame for `channel` (resuming `since` a position), noted as asked for. */
  #subscribeFrame(channel: string, since: Position | undefined): SequencedFrame {
    this.#subscriptions.asked(channel);
    return { type: 'subscribe', channel, ...(since ? { since } : {}) };
  }

  #message(frame: Extract<ServerFrame, { type: 'message' }>): boolean {
    const { channel, offset, epoch } = frame;
    const views = this.#subscriptions.views(channel);
    if (!views) return false;
    if (offset !== undefined && epoch !== undefined && !this.#subscriptions.published(channel, offset, epoch))
      return true; // delivered already
    for (const view of [...views]) {
      // A listener may have closed the socket: like the socket itself, deliver nothing after that.
      if (this.#socket.state === 'closing' || this.#socket.state === 'closed') break;
      view.deliver(frame.data);
    }
    return true;
  }

  readonly #deliveryHost: DeliveryHost = {
    dropped: (entries, reason) => {
      for (const { frame, text } of entries) {
        this.#settle(frame, reason === 'closed' ? new SocketClosedError() : new QueueFullError());
        this.#requests.dropped((request) => request === frame, reason);
        this.#socket.drop(text, reason);
      }
    },
    acknowledged: (entries) => {
      for (const { frame } of entries) this.#settle(frame);
    },
    sessionLost: () => this.#requests.frames(),
    welcomed: (lostSession) => {
      // Kept until a connection opens: one that is lost before that must not take the news with it.
      if (lostSession) this.#lostSession = true;
      return this.#subscriptions.wanted().map(({ channel, since }) => this.#subscribeFrame(channel, since));
    },
    fellBack: (frames, error) => {
      // A connection the socket has flushed to already (the layer joined it once open) subscribes now, first.
      if (this.#connected) this.#subscribeAll(this.#connected);
      for (const frame of frames) {
        this.#settle(frame, error);
        // Subscriptions are asked for afresh on the connection, by connected() (or just above).
        if (frame.type !== 'subscribe' && frame.type !== 'unsubscribe') this.#send(frame);
      }
      // Told last: a listener may close the socket.
      if (this.#fellBack) return;
      this.#fellBack = true;
      this.#socket.report(error);
    },
    replay: (data) => {
      // Held while greeting: handled now as if just arrived — and, like the socket, not once it is closing.
      if (this.#socket.state === 'closing' || this.#socket.state === 'closed') return;
      if (!this.receive(data)) this.#socket.message(data);
    },
    resync: (reason) => this.#socket.resync(reason),
  };

  /** Settles a `sendConfirmed()` waiting for `frame`, if any: confirmed, or failed with `error`. */
  #settle(frame: SequencedFrame, error?: unknown): void {
    const confirmation = this.#confirmations.get(frame);
    if (!confirmation) return;
    this.#confirmations.delete(frame);
    if (error) confirmation.reject(error);
    else confirmation.resolve();
  }
}
