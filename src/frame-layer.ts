import type { DropReason, IncomingData, OutgoingData } from './events.js';

/**
 * A protocol carried on the raw frames — the channel layer of {@link ReliableSocket}. The core tells it about
 * each connection's life and asks it about each inbound frame; the core never imports it, so bundlers can
 * leave it out.
 * @internal
 */
export interface FrameLayer {
  /** Takes an inbound frame that belongs to the layer; false for anything else, which goes to `message`. */
  receive(data: IncomingData): boolean;
  /** A new connection, after `onOpen` and before the queue flushes: the layer's frames go first, on it. */
  connected(send: (frame: string) => void): void;
  /** The queue went out on the new connection. */
  flushed(): void;
  /** The connection was lost. */
  lost(): void;
  /** The socket closed for good. */
  closed(): void;
  /** A queued frame was dropped. */
  dropped(frame: OutgoingData, reason: DropReason): void;
}
