import { BoundedQueue, type Pushed, type QueueLimits } from './bounded-queue.js';
import type { DirectSend } from './frame-layer.js';
import type { SequencedFrame } from './protocol.js';
import { utf8Length } from './utf8.js';

/**
 * One frame kept in the resend buffer (protocol v2) from the moment it is sent until the server acknowledges it:
 * the client's half of "nothing lost".
 */
export interface Unacked {
  /** The frame without `seq`. */
  readonly frame: SequencedFrame;
  /** Its sequence number, given when it is first written to a connection; undefined until then. */
  seq: number | undefined;
  /**
   * Re-sent to a new session after the old one was lost, having been written in it: the server cannot know
   * whether it was processed. A frame that never went out is not flagged.
   */
  redelivered: boolean;
  /** The app gave up on it (a request that timed out or was aborted) after it was written: kept for its seq. */
  withdrawn: boolean;
  /** The frame as written, with its seq; the bare frame until then. */
  text: string;
  /** The bare frame, encoded once (the seq is spliced into it). */
  readonly bare: string;
  /** The size of the bare frame. */
  readonly bytes: number;
}

/** A new entry for `frame`, waiting for its seq. */
export function unacked(frame: SequencedFrame, redelivered = false): Unacked {
  const bare = JSON.stringify(frame);
  return { frame, seq: undefined, redelivered, withdrawn: false, text: bare, bare, bytes: utf8Length(bare) };
}

/** Gives an entry its seq as it is written, splicing it (and the redelivered flag) into the bare JSON. */
export function stamp(entry: Unacked, seq: number): void {
  entry.seq = seq;
  entry.text = `${entry.bare.slice(0, -1)},"seq":${seq}${entry.redelivered ? ',"redelivered":true' : ''}}`;
}

/** Takes a seq back from an entry whose write failed: it never went out. */
export function unstamp(entry: Unacked): void {
  entry.seq = undefined;
  entry.text = entry.bare;
}

const isSubscription = ({ frame }: Unacked): boolean =>
  frame.type === 'subscribe' || frame.type === 'unsubscribe';
const UNBOUNDED: QueueLimits = { maxMessages: Infinity, maxBytes: Infinity, overflow: 'throw' };

/**
 * The client's half of "nothing lost" (protocol v2): its frames not yet acknowledged, in wire order — first those
 * **written** to a connection (with their seq, in seq order), then those **waiting** for one — and the writing
 * of them: seqs given as they go out, never skipped, and requests paced under the server's limit.
 *
 * Only the waiting frames are bounded, by the `queue` limits and overflow policy: a frame already written has a
 * seq, and the server accepts only the next seq — dropping it would leave a hole the session could never get
 * past — and the server may well have handled it already. So a written frame is kept until acknowledged, never
 * evicted, never reported dropped, and never withdrawn (a request that timed out after it went out is re-sent
 * on resume for its slot; its late answer is dropped). The server bounds what it leaves unacknowledged.
 */
export class ResendBuffer {
  /** Written, in seq order. Unbounded on purpose (above). */
  readonly written = new BoundedQueue<Unacked>(UNBOUNDED);
  /** Waiting for a connection (or behind a paced request), in the order sent. */
  readonly waiting: BoundedQueue<Unacked>;
  /** The welcomed connection frames are written on, if any. */
  #send: DirectSend | undefined;
  #nextSeq = 1;
  /** Requests written on this connection and not answered, and how many the server takes at once. */
  readonly #inFlight = new Set<number>();
  #maxRequests = Infinity;

  constructor(limits: QueueLimits) {
    this.waiting = new BoundedQueue(limits);
  }

  /** Frames not yet acknowledged. */
  get length(): number {
    return this.written.length + this.waiting.length;
  }

  /** Every frame, written first. */
  entries(): Unacked[] {
    return [...this.written.entries, ...this.waiting.entries];
  }

  /**
   * Writes a frame at once if a connection is welcomed and nothing waits before it; else keeps it until one
   * can take it, making room per the overflow policy (see BoundedQueue.push).
   * @returns `'sent'`, or what waiting made of it (undefined: full, and the policy is `throw`).
   */
  send(entry: Unacked): 'sent' | Pushed<Unacked> | undefined {
    if (!this.waiting.length && this.#write(entry)) return 'sent';
    return this.waiting.push(entry);
  }

  /**
   * A connection was welcomed: frames go out on `send`, with at most `maxRequests` requests unanswered on it.
   * What was written before goes again (same seqs), then `first` (its subscriptions), then what was waiting.
   */
  connected(send: DirectSend, maxRequests: number, first: readonly SequencedFrame[]): void {
    this.#send = send;
    this.#maxRequests = maxRequests;
    this.#inFlight.clear();
    for (const entry of this.written.entries) if (!this.#resend(entry)) break;
    // Ahead of what was waiting, whatever the bounds: they are few, and must not push it out.
    this.waiting.unshift(...first.map((frame) => unacked(frame)));
    this.#drain();
  }

  /** The connection was lost: nothing is written until the next is welcomed. */
  lost(): void {
    this.#send = undefined;
    this.#inFlight.clear();
  }

  /** A response to request `id` came: it no longer counts against the server's limit, and the next may go. */
  answered(id: number): void {
    if (this.#inFlight.delete(id)) this.#drain();
  }

  /** The server processed every frame up to `seq`: they are forgotten, and returned. */
  acknowledge(seq: number): Unacked[] {
    return this.written.takeWhile((entry) => entry.seq !== undefined && entry.seq <= seq);
  }

  /**
   * Forgets a frame that must not go out any more (a request that settled), if it never went out; one that was
   * written only loses its claim to be reported (it keeps its seq slot).
   */
  withdraw(predicate: (frame: SequencedFrame) => boolean): void {
    if (this.waiting.take((entry) => predicate(entry.frame))) return;
    const written = this.written.entries.find((entry) => predicate(entry.frame));
    if (written) written.withdrawn = true;
  }

  /**
   * A resumed session, on a new connection: subscriptions belong to a connection, so a subscribe or unsubscribe
   * never written is forgotten, and one written and not acknowledged keeps its seq as an `unsubscribe` of its
   * channel — a no-op on the new connection, which has no subscription yet, that leaves no hole in the seqs.
   */
  resumed(): void {
    while (this.waiting.take(isSubscription));
    const written = this.written.takeWhile();
    for (const [i, entry] of written.entries()) {
      if (!isSubscription(entry)) continue;
      const filler = unacked({ type: 'unsubscribe', channel: entry.frame.channel });
      stamp(filler, entry.seq!);
      written[i] = filler;
    }
    this.written.unshift(...written);
  }

  /**
   * A new session (a new seq space): every frame waits again for a new seq — first `earlier` (requests the old
   * session acknowledged but never answered), then what was written (flagged redelivered: the new session cannot
   * know whether the old one processed it), then what was waiting — whatever the bounds. Subscriptions, and
   * frames the app gave up on, are not carried over: they only held a seq of the old session.
   */
  restart(earlier: readonly SequencedFrame[]): void {
    this.#nextSeq = 1;
    const written = this.written.takeWhile().filter((entry) => !entry.withdrawn);
    const again = [...earlier.map((frame) => unacked(frame, true)), ...written];
    for (const entry of again) {
      unstamp(entry);
      entry.redelivered = true;
    }
    const waiting = this.waiting.takeWhile();
    this.waiting.unshift(...[...again, ...waiting].filter((entry) => !isSubscription(entry)));
  }

  /** Takes every frame out, written first. */
  takeAll(): Unacked[] {
    return [...this.written.takeWhile(), ...this.waiting.takeWhile()];
  }

  /**
   * Writes what waits, in order, until the connection takes no more or the next is a request the server has no
   * room for (then what follows it waits too: order is kept).
   */
  #drain(): void {
    const { waiting } = this;
    for (let entry = waiting.take(); entry; entry = waiting.take()) {
      if (!this.#write(entry)) {
        waiting.unshift(entry);
        return;
      }
    }
  }

  /** Writes a frame never written yet, with the next seq; false (and no seq taken) when it cannot go now. */
  #write(entry: Unacked): boolean {
    const { frame } = entry;
    if (!this.#send || (frame.type === 'request' && this.#inFlight.size >= this.#maxRequests)) return false;
    stamp(entry, this.#nextSeq);
    if (!this.#send(entry.text)) {
      unstamp(entry);
      return false;
    }
    this.#nextSeq++;
    this.written.push(entry);
    if (frame.type === 'request') this.#inFlight.add(frame.id);
    return true;
  }

  /** Writes again a frame written on an earlier connection, with its seq (a request is in flight again). */
  #resend(entry: Unacked): boolean {
    if (!this.#send?.(entry.text)) return false;
    if (entry.frame.type === 'request') this.#inFlight.add(entry.frame.id);
    return true;
  }
}
