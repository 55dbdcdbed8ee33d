import type { BoundedQueue } from './bounded-queue.js';
import type { SequencedFrame } from './protocol.js';
import { utf8Length } from './utf8.js';

/**
 * One frame kept in the resend buffer (protocol v2) from the moment it is sent until the server acknowledges it:
 * the client's half of "nothing lost". The buffer is a {@link BoundedQueue}: first the frames written to a
 * connection (with their seq, in seq order), then those still waiting for one. It is bounded like the send
 * queue — by the frames' size without their seq — and like it, never drops a frame without handing it back to
 * be reported.
 */
export interface Unacked {
  /** The frame without `seq`. */
  readonly frame: SequencedFrame;
  /** Its sequence number, given when it is first written to a connection; undefined until then. */
  seq: number | undefined;
  /** Re-sent to a new session after the old one was lost: the server cannot know whether it was processed. */
  redelivered: boolean;
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
  return { frame, seq: undefined, redelivered, text: bare, bare, bytes: utf8Length(bare) };
}

/** Gives an entry its seq as it is written, splicing it (and the redelivered flag) into the bare JSON. */
export function stamp(entry: Unacked, seq: number): void {
  entry.seq = seq;
  entry.text = `${entry.bare.slice(0, -1)},"seq":${seq}${entry.redelivered ? ',"redelivered":true' : ''}}`;
}

/**
 * Puts frames that go out now (a new connection's subscriptions) ahead of those still waiting, in order, whatever
 * the bounds: the layer's own frames are few, and must not push out what the app sent.
 */
export function pushFirst(buffer: BoundedQueue<Unacked>, frames: readonly SequencedFrame[]): void {
  buffer.unshift(...buffer.takeWhile((e) => e.seq !== undefined), ...frames.map((frame) => unacked(frame)));
}

/**
 * The session was lost (`welcome` with `resumed: false`): `earlier` (requests the old session acknowledged but
 * never answered) and then every frame still in `buffer` wait again, in that order, to get new seqs as they are
 * written, marked `redelivered` — the new session cannot know whether the old one processed them.
 */
export function forgetSeqs(buffer: BoundedQueue<Unacked>, earlier: readonly SequencedFrame[]): void {
  const entries = [...earlier.map((frame) => unacked(frame, true)), ...buffer.takeWhile()];
  for (const entry of entries) {
    entry.seq = undefined;
    entry.redelivered = true;
    entry.text = entry.bare;
  }
  buffer.unshift(...entries);
}
