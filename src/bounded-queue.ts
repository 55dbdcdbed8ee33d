import type { OverflowPolicy } from './options.js';

/** How much a queue may hold, and what happens to an entry that does not fit (the `queue` option). */
export interface QueueLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
}

/** What {@link BoundedQueue.push} did: whether the new entry was kept, and which entries it dropped. */
export interface Pushed<E> {
  kept: boolean;
  dropped: E[];
}

/**
 * A FIFO bounded in count and in bytes, with an overflow policy: the send queue of frames waiting for a
 * connection, and the resend buffer of frames waiting for an acknowledgement (protocol v2). It never drops
 * anything silently: {@link push} returns what it dropped, and the owner reports it.
 */
export class BoundedQueue<E extends { readonly bytes: number }> {
  #entries: E[] = [];
  /**
   * How many entries at the front of `#entries` are taken out already. They are cut off lazily (see
   * {@link takeWhile}): cutting the front of an array moves the rest, so a cut per acknowledgement made a large
   * backlog, acknowledged a few frames at a time, quadratic.
   */
  #head = 0;
  #bytes = 0;
  readonly #limits: QueueLimits;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /** Entries held. */
  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** Their bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The entries, oldest first. */
  get entries(): readonly E[] {
    return this.#compact();
  }

  /**
   * Adds an entry, making room per the overflow policy: `drop-oldest` drops the oldest entries, `drop-newest` the
   * new one. An entry that could never fit (larger than `maxBytes`, or any entry when `maxMessages` is 0) is itself
   * dropped, whatever the policy. With `throw`, returns undefined instead of dropping anything, and nothing changes.
   */
  push(entry: E): Pushed<E> | undefined {
    const { maxMessages, maxBytes, overflow } = this.#limits;
    const fits = (): boolean => this.length < maxMessages && this.#bytes + entry.bytes <= maxBytes;
    if (!fits()) {
      if (overflow === 'throw') return undefined;
      if (overflow === 'drop-newest' || entry.bytes > maxBytes || maxMessages === 0)
        return { kept: false, dropped: [entry] };
    }
    const dropped: E[] = [];
    while (!fits()) dropped.push(this.take()!);
    this.#add('push', entry);
    return { kept: true, dropped };
  }

  /** Puts entries back at the front, in order, whatever the limits (taken out, and not sent after all). */
  unshift(...entries: E[]): void {
    this.#compact();
    this.#add('unshift', ...entries);
  }

  /** Takes out the oldest entry that `matches` (the oldest of all by default), if any. */
  take(matches: (entry: E) => boolean = () => true): E | undefined {
    const entries = this.#entries;
    const head = this.#head;
    // The front, the common case (a flush, a drop-oldest): taken lazily, like takeWhile().
    if (head < entries.length && matches(entries[head]!)) return this.#takeFront(head + 1)[0];
    const index = entries.findIndex((entry, i) => i > head && matches(entry));
    return index < 0 ? undefined : this.#remove(index, 1)[0];
  }

  /**
   * Takes out the oldest entries as long as `matches` says yes (all of them by default). The array's front is cut
   * only once what was taken is as long as the rest: O(1) per entry, however large the queue.
   */
  takeWhile(matches: (entry: E) => boolean = () => true): E[] {
    const entries = this.#entries;
    let end = this.#head;
    while (end < entries.length && matches(entries[end]!)) end++;
    return this.#takeFront(end);
  }

  /** Takes out the entries from the front up to `end` (an index into `#entries`). */
  #takeFront(end: number): E[] {
    const taken = this.#entries.slice(this.#head, end);
    for (const entry of taken) this.#bytes -= entry.bytes;
    this.#head = end;
    if (end * 2 >= this.#entries.length) this.#compact();
    return taken;
  }

  /** Cuts off what was taken from the front; returns the entries. */
  #compact(): E[] {
    if (this.#head > 0) {
      this.#entries.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#entries;
  }

  #add(where: 'push' | 'unshift', ...entries: E[]): void {
    this.#entries[where](...entries);
    for (const entry of entries) this.#bytes += entry.bytes;
  }

  #remove(index: number, count: number): E[] {
    const removed = this.#entries.splice(index, count);
    for (const entry of removed) this.#bytes -= entry.bytes;
    return removed;
  }
}
