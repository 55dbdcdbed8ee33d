/** Where an item stands against the last one delivered. */
export type Place = 'next' | 'old' | 'hole';

/** What a {@link Sequencer} needs to know about the items of one stream, and where to get missed ones. */
export interface Ordering<T, P> {
  /** `next` to deliver now; `old` to drop (delivered already); `hole` when items are missing before it. */
  place(last: P | undefined, item: T): Place;
  /** The position after delivering `item` (`last` itself for an item outside the order). */
  advance(last: P | undefined, item: T): P | undefined;
  /** The items after `last`, in order, from the store (what could be had: maybe fewer, maybe none). */
  fetch(last: P | undefined): Promise<readonly T[]>;
}

/**
 * Delivers one stream of numbered items (a channel's publications, a session's frames) in order and each once,
 * although they reach this node through a connection that may drop some: an item that arrives after a hole is
 * held while the missing ones are fetched from the store, then all go out in order. The same catch-up runs when
 * the connection came back ({@link resync}), since a hole is only seen when the next item arrives. What the
 * store no longer has is skipped — the receiver sees the jump in offsets and says so (a `gap`), never silence.
 * Until {@link start} (the position is not known yet), items wait.
 */
export class Sequencer<T, P> {
  #state: 'waiting' | 'live' | 'fetching' | 'closed';
  #last: P | undefined;
  /** Items that arrived while waiting or fetching, in arrival order. */
  readonly #held: T[] = [];
  /** A resync was asked for during a fetch: fetch again afterwards. */
  #again = false;

  constructor(
    readonly ordering: Ordering<T, P>,
    readonly deliver: (item: T) => void,
    readonly failed: (error: unknown) => void,
    { waiting = false }: { waiting?: boolean } = {},
  ) {
    this.#state = waiting ? 'waiting' : 'live';
  }

  /** The position of the last item delivered. */
  get last(): P | undefined {
    return this.#last;
  }

  /** The stream's position is known (items before it were handed over otherwise): deliver what waited. */
  start(last: P | undefined): void {
    if (this.#state !== 'waiting') return;
    this.#last = last;
    this.#state = 'live';
    this.#drain(this.#held.splice(0), true);
  }

  /** An item from the connection. */
  arrive(item: T): void {
    if (this.#state === 'live') this.#drain([item], true);
    else if (this.#state !== 'closed') this.#held.push(item);
  }

  /** Items may have been missed (the connection to the store was lost meanwhile): fetch what came after. */
  resync(): void {
    if (this.#state === 'live') void this.#catchUp([]);
    else if (this.#state === 'fetching') this.#again = true;
  }

  /** Delivers nothing more. */
  close(): void {
    this.#state = 'closed';
    this.#held.length = 0;
  }

  /** Delivers `items` in order; on a hole (when `strict`), holds the rest and fetches what is missing first. */
  #drain(items: T[], strict: boolean): void {
    for (const [index, item] of items.entries()) {
      if (this.#state === 'closed') return;
      // A delivery made it fetch (a resync from a listener): the rest waits for that.
      if (this.#state !== 'live') return void this.#held.push(...items.slice(index));
      const place = this.ordering.place(this.#last, item);
      if (place === 'old') continue;
      if (place === 'hole' && strict) return void this.#catchUp(items.slice(index));
      this.#last = this.ordering.advance(this.#last, item);
      this.deliver(item);
    }
  }

  async #catchUp(pending: T[]): Promise<void> {
    this.#state = 'fetching';
    this.#held.push(...pending);
    let fetched: readonly T[] = [];
    try {
      fetched = await this.ordering.fetch(this.#last);
    } catch (error) {
      this.failed(error);
    }
    if (this.#state !== 'fetching') return; // closed meanwhile
    this.#state = 'live';
    // What the store could not give is gone: what is held goes out anyway, holes and all.
    this.#drain([...fetched, ...this.#held.splice(0)], false);
    if (this.#again) {
      this.#again = false;
      this.resync();
    }
  }
}
