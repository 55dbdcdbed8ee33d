import type { Channel } from './channel.js';
import { SubscribeDeniedError } from './errors.js';
import type { GapReason, Position, ServerFrame } from './protocol.js';

/** One channel name in use: its views, what the server said about it, and where its history stands (v2). */
interface Subscription {
  views: Set<Channel<unknown, unknown>>;
  /** `ended` once the server refused or ended it: not asked for again on reconnection. */
  state: 'wanted' | 'ended';
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

  /** Adds a view; true when the name must be asked for (new, or refused or ended before). */
  add(view: Channel<unknown, unknown>): boolean {
    const entry: Subscription = this.#entries.get(view.name) ?? { views: new Set(), state: 'ended' };
    this.#entries.set(view.name, entry);
    entry.views.add(view);
    if (entry.state === 'wanted') return false;
    entry.state = 'wanted';
    return true;
  }

  /** Removes a view; true when it was the name's last (the subscription is over: unsubscribe). */
  remove(view: Channel<unknown, unknown>): boolean {
    const views = this.#entries.get(view.name)?.views;
    if (!views?.delete(view) || views.size > 0) return false;
    this.#entries.delete(view.name);
    return true;
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

  /** The channels to ask for on a new connection, each with its position if it has one. */
  wanted(): Array<{ channel: string; since: Position | undefined }> {
    const wanted = [...this.#entries].filter(([, entry]) => entry.state === 'wanted');
    return wanted.map(([channel, entry]) => ({ channel, since: entry.position }));
  }

  /** A subscribe for `channel` went out. */
  asked(channel: string): void {
    this.#awaiting.set(channel, (this.#awaiting.get(channel) ?? 0) + 1);
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
      entry.state = 'ended';
      for (const view of views) view.notify('unsubscribed', { reason: frame.reason });
    } else if (frame.error) {
      entry.state = 'ended';
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
