import type { Channel } from './channel.js';
import { SubscribeDeniedError } from './errors.js';
import type { GapReason, Position, ServerFrame } from './protocol.js';

/** One channel name in use: its views, what the server said about it, and where its history stands (v2). */
interface Subscription {
  views: Set<Channel<unknown, unknown>>;
  /**
   * `wanted`: asked for (or to be) and not refused — it holds one of the server's subscriptions, or soon may.
   * `full`: refused for room (`ERR_TOO_MANY_SUBSCRIPTIONS`): asked for again on reconnection, and when one this
   * socket holds ends. `ended`: refused otherwise, or ended by the server: not asked for again on reconnection.
   */
  state: 'wanted' | 'full' | 'ended';
  /** The history position of the latest publication delivered, or the one the server reported. */
  position?: Position | undefined;
}

/**
 * The channel names one socket uses, from the channel layer's side: one subscription per name however many
 * views, the server's answers to subscribes (only the answer to the latest one counts), and — with protocol
 * v2 — each channel's history position, to resubscribe `since` it and to tell duplicates and gaps apart.
 */
export class Subscriptions {
  readonly #entries = new Map<string, Subscription>();
  /** Asks the server for a channel again, now if the connection can take it (a subscription ended: room). */
  readonly #ask: (channel: string, since: Position | undefined) => void;
  /**
   * Subscribes sent on this connection and not answered yet, per channel name — kept when the name's last
   * view closes, since the answers still come.
   */
  readonly #awaiting = new Map<string, number>();
  /**
   * Channels whose views heard of a gap as this connection started (a lost session, or a resubscription that
   * could not recover): the same loss, told once per connection.
   */
  readonly #gapped = new Set<string>();

  constructor(ask: (channel: string, since: Position | undefined) => void) {
    this.#ask = ask;
  }

  /** Adds a view; true when the name must be asked for (new, or refused or ended before). */
  add(view: Channel<unknown, unknown>): boolean {
    const entry: Subscription = this.#entries.get(view.name) ?? { views: new Set(), state: 'ended' };
    this.#entries.set(view.name, entry);
    entry.views.add(view);
    if (entry.state === 'wanted') return false;
    entry.state = 'wanted';
    return true;
  }

  /**
   * Removes a view. When it was the name's last, the subscription is over (unsubscribe): returns whether it held
   * one of the server's subscriptions, so that room may have freed (see {@link freed}); `undefined` otherwise.
   */
  remove(view: Channel<unknown, unknown>): boolean | undefined {
    const entry = this.#entries.get(view.name);
    if (!entry?.views.delete(view) || entry.views.size > 0) return undefined;
    this.#entries.delete(view.name);
    return entry.state === 'wanted';
  }

  /**
   * One of this socket's subscriptions ended, so the server may have room again: the first channel refused for
   * room is asked for again — one per subscription ended, so a refusal again waits for the next one to end.
   */
  freed(): void {
    for (const [channel, entry] of this.#entries) {
      if (entry.state !== 'full') continue;
      this.#ask(channel, entry.position);
      return;
    }
  }

  /** The views of a channel, if any. */
  views(channel: string): ReadonlySet<Channel<unknown, unknown>> | undefined {
    return this.#entries.get(channel)?.views;
  }

  /** A new connection: nothing asked on it yet, no gap told yet. */
  renew(): void {
    this.#awaiting.clear();
    this.#gapped.clear();
  }

  /**
   * The channels to ask for on a new connection — those refused for room too — each with its position if it
   * has one.
   */
  wanted(): Array<{ channel: string; since: Position | undefined }> {
    const wanted = [...this.#entries].filter(([, entry]) => entry.state !== 'ended');
    return wanted.map(([channel, entry]) => ({ channel, since: entry.position }));
  }

  /** A subscribe for `channel` went out: until the answer, it is wanted (not refused). */
  asked(channel: string): void {
    this.#awaiting.set(channel, (this.#awaiting.get(channel) ?? 0) + 1);
    const entry = this.#entries.get(channel);
    if (entry) entry.state = 'wanted';
  }

  /**
   * A publication with a history position: `false` if it was delivered already (a replay overlapping what
   * came live); otherwise the position is recorded, and a jump — another epoch, or offsets missing on a live
   * connection — is reported as a gap first: every jump, since each is a loss of its own.
   */
  published(channel: string, offset: number, epoch: string): boolean {
    const entry = this.#entries.get(channel);
    const known = entry?.position;
    if (!entry) return true;
    if (known?.epoch === epoch && offset <= known.offset) return false;
    entry.position = { offset, epoch };
    // A client that saw nothing of the channel (offset 0) loses nothing to a new epoch's first publication: the
    // epoch of a channel never published on is not kept, and the first offset of any epoch is 1.
    const fromStart = known?.offset === 0 && offset === 1;
    if (known && !fromStart && (known.epoch !== epoch || offset > known.offset + 1))
      this.#tell(channel, known.epoch === epoch ? 'missed' : 'epoch');
    return true;
  }

  /** The server's reply to a subscribe, or its notice that it ended a subscription. */
  answered(frame: Extract<ServerFrame, { type: 'subscribed' | 'unsubscribed' }>): void {
    const { channel } = frame;
    let awaiting = this.#awaiting.get(channel) ?? 0;
    if (frame.type === 'subscribed' && awaiting > 0) awaiting--;
    if (awaiting > 0) this.#awaiting.set(channel, awaiting);
    else this.#awaiting.delete(channel);
    // Replies come in the order of the subscribes: what the server says before the last one is answered is moot.
    const entry = this.#entries.get(channel);
    if (awaiting > 0 || !entry) return;
    // A snapshot: a listener may open a new view, which asks again and must not hear this answer.
    const views = [...entry.views];
    if (frame.type === 'unsubscribed') {
      const held = entry.state === 'wanted';
      entry.state = 'ended';
      // Asked before the views hear of the end: a listener may close the socket.
      if (held) this.freed();
      for (const view of views) view.notify('unsubscribed', { reason: frame.reason });
    } else if (frame.error) {
      // Refused for room, the channel is still wanted (see `freed`); refused for rights or its name, it is not.
      entry.state = frame.error.code === 'ERR_TOO_MANY_SUBSCRIPTIONS' ? 'full' : 'ended';
      const error = new SubscribeDeniedError(channel, frame.error.message, frame.error.code);
      for (const view of views) view.notify('error', error);
    } else {
      const { offset, epoch, recovered, reason } = frame;
      if (offset !== undefined && epoch !== undefined) {
        if (recovered === false) this.gap(channel, reason ?? 'trimmed');
        entry.position = { offset, epoch };
      }
      for (const view of views) view.notify('subscribed');
    }
  }

  /**
   * Tells the views of `channel` (every channel when undefined) that publications were missed as this
   * connection started (a lost session, a resubscription that could not recover): once per connection.
   */
  gap(channel: string | undefined, reason: GapReason): void {
    for (const name of channel === undefined ? [...this.#entries.keys()] : [channel]) {
      if (this.#gapped.has(name)) continue;
      this.#gapped.add(name);
      this.#tell(name, reason);
    }
  }

  #tell(channel: string, reason: GapReason): void {
    for (const view of [...(this.#entries.get(channel)?.views ?? [])])
      view.notify('gap', { channel, reason });
  }
}
