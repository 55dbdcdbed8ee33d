import type { Position } from '../../protocol.js';
import type { Publication, Recovery } from '../broker.js';
import { decodePublication } from './codec.js';
import type { Connection } from './connection.js';
import type { Keys } from './keys.js';
import { type Ordering, Sequencer } from './sequencer.js';

/** One channel this node is subscribed to: who here wants it, and its publications put in order. */
interface Feed {
  readonly delivers: Set<(publication: Publication) => void>;
  readonly sequencer: Sequencer<Publication, Position>;
  readonly listener: (message: string) => void;
  /** Settles once Redis confirmed the subscription. */
  subscribed: Promise<unknown>;
}

/** Publications in offset order within an epoch; a new epoch starts at offset 1; offset 0 has no order. */
const place: Ordering<Publication, Position>['place'] = (last, publication) => {
  const { offset, epoch } = publication;
  if (offset === 0 || last === undefined) return 'next';
  if (epoch !== last.epoch) return offset === 1 ? 'next' : 'hole';
  if (offset <= last.offset) return 'old';
  return offset === last.offset + 1 ? 'next' : 'hole';
};

const advance: Ordering<Publication, Position>['advance'] = (last, { offset, epoch }) =>
  offset === 0 ? last : { offset, epoch };

/**
 * This node's channel subscriptions on Redis pub/sub: one per channel, however many local subscribers, with
 * every publication handed to them once and in offset order — those the node missed while its pub/sub
 * connection was down (or that overtook each other) fetched from the channel's history first.
 */
export class ChannelFeeds {
  readonly #feeds = new Map<string, Feed>();

  constructor(
    readonly connection: Connection,
    readonly keys: Keys,
    readonly recover: (channel: string, since: Position) => Promise<Recovery>,
    readonly failed: (error: unknown) => void,
  ) {}

  /** See `Broker.subscribe`. */
  async subscribe(
    channel: string,
    deliver: (publication: Publication) => void,
  ): Promise<() => Promise<void>> {
    const feed = this.#feeds.get(channel) ?? this.#open(channel);
    const own = (publication: Publication): void => deliver(publication);
    feed.delivers.add(own);
    try {
      await feed.subscribed;
    } catch (error) {
      feed.delivers.delete(own);
      throw error;
    }
    let ended = false;
    return async () => {
      if (ended) return;
      ended = true;
      feed.delivers.delete(own);
      if (feed.delivers.size > 0 || this.#feeds.get(channel) !== feed) return;
      this.#feeds.delete(channel);
      feed.sequencer.close();
      await this.connection.unsubscribe(this.keys.topic(channel), feed.listener);
    };
  }

  /** The pub/sub connection came back: every channel fetches what it missed meanwhile. */
  resync(): void {
    for (const feed of this.#feeds.values()) feed.sequencer.resync();
  }

  close(): void {
    for (const feed of this.#feeds.values()) feed.sequencer.close();
    this.#feeds.clear();
  }

  #open(channel: string): Feed {
    const delivers = new Set<(publication: Publication) => void>();
    const ordering: Ordering<Publication, Position> = {
      place,
      advance,
      fetch: (last) => this.#missed(channel, last),
    };
    const sequencer = new Sequencer(
      ordering,
      (publication: Publication) => {
        for (const deliver of [...delivers]) deliver(publication);
      },
      this.failed,
    );
    const listener = (message: string): void => {
      const publication = decodePublication(channel, message);
      if (publication) sequencer.arrive(publication);
      else
        this.failed(
          new Error(`Not a publication on the topic of channel "${channel}": ${message.slice(0, 80)}`),
        );
    };
    const feed: Feed = { delivers, sequencer, listener, subscribed: Promise.resolve() };
    this.#feeds.set(channel, feed);
    feed.subscribed = this.connection
      .subscribe(this.keys.topic(channel), listener)
      .catch((error: unknown) => {
        // The next subscriber tries again.
        if (this.#feeds.get(channel) === feed) this.#feeds.delete(channel);
        sequencer.close();
        throw error;
      });
    return feed;
  }

  /**
   * What this node missed after `last`: from the history, if it still holds it. When the epoch changed (Redis
   * lost the history), the new epoch's publications from its start, if they are all there; else nothing —
   * the jump in offsets that follows is the subscribers' `gap`.
   */
  async #missed(channel: string, last: Position | undefined): Promise<readonly Publication[]> {
    if (last === undefined) return [];
    const recovery = await this.recover(channel, last);
    if (recovery.recovered) return recovery.publications;
    const { epoch } = recovery.position;
    if (epoch === last.epoch) return [];
    const fresh = await this.recover(channel, { offset: 0, epoch });
    return fresh.recovered ? fresh.publications : [];
  }
}
