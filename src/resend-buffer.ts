import type { OverflowPolicy } from './options.js';
import type { SequencedFrame } from './protocol.js';
import { utf8Length } from './utf8.js';

/** One frame kept until the server acknowledges it. */
export interface Unacked {
  /** The frame without `seq`. */
  readonly frame: SequencedFrame;
  /** Its sequence number, given when it is first written to a connection; undefined until then. */
  seq: number | undefined;
  /** Re-sent to a new session after the old one was lost: the server cannot know whether it was processed. */
  redelivered: boolean;
  /** The frame as written, with its seq; the bare frame until then. */
  text: string;
  bytes: number;
  /** The bare frame, encoded once (the seq is spliced into it), and its size. */
  readonly bare: string;
  readonly bareBytes: number;
}

/** What {@link ResendBuffer.push} did: the new entry (undefined when it was itself dropped) and what it dropped. */
export interface Kept {
  entry: Unacked | undefined;
  dropped: Unacked[];
}

/**
 * The client's half of "nothing lost" (protocol v2): every sequenced frame from the moment it is sent until the
 * server acknowledges it — first those written to a connection (with their seq, in seq order), then those still
 * waiting for one. Bounded in count and bytes like the send queue, and like the queue it never drops a frame
 * without handing it back to be reported.
 */
export class ResendBuffer {
  #entries: Unacked[] = [];
  /**
   * How many entries at the front of `#entries` are acknowledged already. They are cut off lazily (see
   * {@link acknowledge}): cutting the front of an array moves the rest, so a cut per ack made a large backlog,
   * acknowledged a few frames at a time, quadratic.
   */
  #acked = 0;
  #bytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
    readonly overflow: OverflowPolicy,
  ) {}

  /** Frames not yet acknowledged. */
  get length(): number {
    return this.#entries.length - this.#acked;
  }

  /** Written ones first, in seq order, then waiting ones. */
  get entries(): readonly Unacked[] {
    return this.#compact();
  }

  /**
   * Keeps a frame (not yet written), making room per the overflow policy (see `SendQueue.push`); undefined, and
   * nothing changed, when full with policy `throw`.
   */
  push(frame: SequencedFrame): Kept | undefined {
    const entry = waiting(frame, false);
    const fits = (): boolean => this.length < this.maxMessages && this.#bytes + entry.bytes <= this.maxBytes;
    if (fits()) return this.#add(entry, []);
    if (this.overflow === 'throw') return undefined;
    if (this.overflow === 'drop-newest' || entry.bytes > this.maxBytes || this.maxMessages === 0)
      return { entry: undefined, dropped: [entry] };
    const dropped: Unacked[] = [];
    this.#compact();
    while (!fits()) dropped.push(this.#remove(0));
    return this.#add(entry, dropped);
  }

  /**
   * Keeps a frame that goes out now, ahead of those still waiting (a subscription on a new connection), beyond
   * the bounds: the layer's own frames are few, and must not push out what the app sent.
   */
  pushFirst(frame: SequencedFrame): Unacked {
    const entry = waiting(frame, false);
    const firstWaiting = this.#compact().findIndex((e) => e.seq === undefined);
    this.#entries.splice(firstWaiting < 0 ? this.#entries.length : firstWaiting, 0, entry);
    this.#bytes += entry.bytes;
    return entry;
  }

  /** Gives an entry its seq as it is written (encoding it with it). */
  stamp(entry: Unacked, seq: number): void {
    this.#bytes -= entry.bytes;
    entry.seq = seq;
    encoded(entry);
    this.#bytes += entry.bytes;
  }

  /** The server processed every frame up to `seq`: forgets them and returns them (for confirmations). */
  acknowledge(seq: number): Unacked[] {
    const entries = this.#entries;
    const from = this.#acked;
    let end = from;
    for (; end < entries.length && (entries[end]!.seq ?? Infinity) <= seq; end++)
      this.#bytes -= entries[end]!.bytes;
    this.#acked = end;
    const acked = entries.slice(from, end);
    // Cut once the acknowledged part is as long as the rest: O(1) per frame, however large the backlog.
    if (end * 2 >= entries.length) this.#compact();
    return acked;
  }

  /** Forgets one frame (a request that settled, a connection-scoped frame); returns it if it was there. */
  withdraw(predicate: (entry: Unacked) => boolean): Unacked | undefined {
    const index = this.#compact().findIndex(predicate);
    return index < 0 ? undefined : this.#remove(index);
  }

  /** Forgets everything, and returns it. */
  clear(): Unacked[] {
    const all = this.#compact();
    this.#entries = [];
    this.#bytes = 0;
    return all;
  }

  /**
   * The session was lost (`welcome` with `resumed: false`): `earlier` (requests the old session acknowledged
   * but never answered) and then every frame still here wait again, in that order, to get new seqs as they are
   * written, marked `redelivered` — the new session cannot know whether the old one processed them.
   */
  forgetSeqs(earlier: readonly SequencedFrame[] = []): void {
    this.#entries = [...earlier.map((frame) => waiting(frame, true)), ...this.#compact()];
    for (const entry of this.#entries) {
      entry.seq = undefined;
      entry.redelivered = true;
      encoded(entry);
    }
    this.#bytes = this.#entries.reduce((sum, entry) => sum + entry.bytes, 0);
  }

  /** Cuts off the acknowledged entries still at the front; returns the entries. */
  #compact(): Unacked[] {
    if (this.#acked > 0) this.#entries.splice(0, this.#acked);
    this.#acked = 0;
    return this.#entries;
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

/** A new entry, waiting for its seq. */
function waiting(frame: SequencedFrame, redelivered: boolean): Unacked {
  const bare = JSON.stringify(frame);
  // Not the queue's byteLength (a Blob per call): every frame of a v2 session comes through here.
  const bytes = utf8Length(bare);
  return { frame, seq: undefined, redelivered, text: bare, bytes, bare, bareBytes: bytes };
}

/** Encodes an entry's frame with its seq (and the redelivered flag) once it has one: spliced into the bare JSON. */
function encoded(entry: Unacked): Unacked {
  const { bare, seq, redelivered } = entry;
  entry.text =
    seq === undefined
      ? bare
      : `${bare.slice(0, -1)},"seq":${seq}${redelivered ? ',"redelivered":true' : ''}}`;
  // What is spliced in is ASCII: the size grows by its length.
  entry.bytes = entry.bareBytes + entry.text.length - bare.length;
  return entry;
}
