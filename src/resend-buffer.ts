import type { BoundedQueue } from './bounded-queue.js';
import type { SequencedFrame } from './protocol.js';
import { byteLength } from './send-queue.js';

/**
 * One frame kept in the resend buffer (protocol v2) from the moment it is sent until the server acknowledges it:
 * the client's half of "nothing lost". The buffer is a {@link BoundedQueue} in seq order, bounded like the send
 * queue — and like it, it never drops a frame without handing it back to be reported.
 */
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

/** The buffer's entry for `frame` under `seq`, encoded. */
export function unacked(frame: SequencedFrame, seq: number, redelivered = false): Unacked {
  return stamp({ frame, seq, redelivered, text: '', bytes: 0, sent: false });
}

/**
 * The session was lost (`welcome` with `resumed: false`): `earlier` (requests the old session acknowledged but
 * never answered) and then every frame still in `buffer` get a new seq from `next()`, in that order, marked
 * `redelivered` — the new session cannot know whether the old one processed them.
 */
export function renumber(
  buffer: BoundedQueue<Unacked>,
  next: () => number,
  earlier: readonly SequencedFrame[],
): void {
  const entries = [...earlier.map((frame) => unacked(frame, 0)), ...buffer.takeWhile()];
  for (const entry of entries) {
    entry.seq = next();
    entry.redelivered = true;
    stamp(entry);
  }
  buffer.unshift(...entries);
}

/** Encodes an entry's frame with its seq (and the redelivered flag). */
function stamp(entry: Unacked): Unacked {
  const { frame, seq, redelivered } = entry;
  entry.text = JSON.stringify(redelivered ? { ...frame, seq, redelivered } : { ...frame, seq });
  entry.bytes = byteLength(entry.text);
  return entry;
}
