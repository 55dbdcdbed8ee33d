import type { SequencedFrame } from './protocol.js';
import { byteLength, type QueueLimits } from './send-queue.js';

/** One frame kept until the server acknowledges it. */
export interface Unacked {
  /** The frame without `seq` (which changes when a lost session makes the client renumber). */
  readonly frame: SequencedFrame;
  seq: number;
  /** Re-sent to a new session after the old one was lost: the server cannot know whether it was processed. */
  redelivered: boolean;
  /** The frame as sent, with its seq: encoded once per seq. */
  text: string;
  bytes: number;
  /** Whether it went out on the current connection (else it waits for the next one, after `welcome`). */
  sent: boolean;
}

/** What {@link ResendBuffer.push} did: the new entry (undefined when it was itself dropped) and what it dropped. */
export interface Kept {
  entry: Unacked | undefined;
  dropped: Unacked[];
}

/**
 * The client's half of "nothing lost" (protocol v2): every sequenced frame from the moment it is sent until the
 * server acknowledges it, in seq order, bounded in count and bytes like the send queue — and like the queue, it
 * never drops a frame without handing it back to be reported.
 */
export class ResendBuffer {
  #entries: Unacked[] = [];
  #bytes = 0;
  readonly #limits: QueueLimits;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /** Frames not yet acknowledged. */
  get length(): number {
    return this.#entries.length;
  }

  /** In seq order. */
  get entries(): readonly Unacked[] {
    return this.#entries;
  }

  /**
   * Keeps a frame under `seq`, making room per the overflow policy (see `SendQueue.push`); undefined, and
   * nothing changed, when full with policy `throw`.
   */
  push(frame: SequencedFrame, seq: number): Kept | undefined {
    const entry = stamp({ frame, seq, redelivered: false, text: '', bytes: 0, sent: false });
    const { maxMessages, maxBytes, overflow } = this.#limits;
    const fits = (): boolean => this.#entries.length < maxMessages && this.#bytes + entry.bytes <= maxBytes;
    if (fits()) return this.#add(entry, []);
    if (overflow === 'throw') return undefined;
    if (overflow === 'drop-newest' || entry.bytes > maxBytes || maxMessages === 0)
      return { entry: undefined, dropped: [entry] };
    const dropped: Unacked[] = [];
    while (!fits()) dropped.push(this.#remove(0));
    return this.#add(entry, dropped);
  }

  /** The server processed every frame up to `seq`: forgets them and returns them (for confirmations). */
  acknowledge(seq: number): Unacked[] {
    let count = 0;
    while (count < this.#entries.length && this.#entries[count]!.seq <= seq) count++;
    const acked = this.#entries.splice(0, count);
    for (const entry of acked) this.#bytes -= entry.bytes;
    return acked;
  }

  /** Forgets one frame (a request that settled, a connection-scoped frame); returns it if it was there. */
  withdraw(predicate: (entry: Unacked) => boolean): Unacked | undefined {
    const index = this.#entries.findIndex(predicate);
    return index < 0 ? undefined : this.#remove(index);
  }

  /** The connection was lost: nothing in the buffer is on the wire any more. */
  unsent(): void {
    for (const entry of this.#entries) entry.sent = false;
  }

  /**
   * The session was lost (`welcome` with `resumed: false`): `earlier` (requests the old session acknowledged
   * but never answered) and then every frame still here get a new seq from `next()`, in that order, marked
   * `redelivered` — the new session cannot know whether the old one processed them.
   */
  renumber(next: () => number, earlier: readonly SequencedFrame[] = []): void {
    const before = earlier.map((frame) => ({
      frame,
      seq: 0,
      redelivered: true,
      text: '',
      bytes: 0,
      sent: false,
    }));
    this.#entries = [...before, ...this.#entries];
    for (const entry of this.#entries) {
      entry.seq = next();
      entry.redelivered = true;
      stamp(entry);
    }
    this.#bytes = this.#entries.reduce((sum, entry) => sum + entry.bytes, 0);
  }

  #add(entry: Unacked, dropped: Unacked[]): Kept {
    this.#entries.push(entry);
    this.#bytes += entry.bytes;
    return { entry, dropped };
  }

  #remove(index: number): Unacked {
    const [entry] = this.#entries.splice(index, 1);
    this.#bytes -= entry!.bytes;
    return entry!;
  }
}

/** Encodes an entry's frame with its seq (and the redelivered flag). */
function stamp(entry: Unacked): Unacked {
  const { frame, seq, redelivered } = entry;
  entry.text = JSON.stringify(redelivered ? { ...frame, seq, redelivered } : { ...frame, seq });
  entry.bytes = byteLength(entry.text);
  return entry;
}
