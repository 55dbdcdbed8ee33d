import type { QueueLimits } from './bounded-queue.js';
import type { ReliableSocketError } from './errors.js';
import type { DropReason, IncomingData, OutgoingData } from './events.js';
import type { SendResult } from './send-queue.js';
import type { SocketState } from './state.js';

/** Writes a frame on one connection now; false when that connection can no longer take it. */
export type DirectSend = (frame: string) => boolean;

/**
 * What a {@link FrameLayer} may ask of its socket.
 * @internal
 */
export interface LayerHost {
  /** The socket's own `send()`: sends when open, queues otherwise. */
  send(frame: string): SendResult;
  /** Takes a frame back out of the queue (a request that settled before it went out); whether it was there. */
  withdraw(frame: string): boolean;
  /** Whether a frame is still waiting in the queue. */
  queued(frame: string): boolean;
  /** Reports a frame the layer dropped unsent, as a `drop` event. */
  drop(frame: string, reason: DropReason): void;
  /** Reports something the layer handled, as an `error` event. */
  report(error: ReliableSocketError): void;
  /** The socket's state. */
  readonly state: SocketState;
  /** The queue's limits and overflow policy (a layer's own buffers follow them too). */
  readonly queue: QueueLimits;
}

/**
 * A protocol carried on the raw frames — the channel layer of {@link ReliableSocket}. The core tells it about
 * each connection's life and asks it about each inbound frame; the core never imports it, so bundlers can
 * leave it out.
 * @internal
 */
export interface FrameLayer {
  /** Takes an inbound frame that belongs to the layer; false for anything else, which goes to `message`. */
  receive(data: IncomingData): boolean;
  /**
   * A connection completed its handshake and `onOpen` is about to run: until {@link connected} or {@link lost},
   * `send` writes on it directly, ahead of the queue (so that `onOpen` can await a request). A promise holds
   * the flush and `open` (with `onOpen`) until the layer is ready — e.g. until its session handshake is done.
   */
  opening(send: DirectSend): void | Promise<void>;
  /** `onOpen` is done and the queue is about to flush: the layer's frames go first, on `send`. */
  connected(send: DirectSend): void;
  /** The connection was lost. */
  lost(): void;
  /** The socket closed for good. */
  closed(): void;
  /** A queued frame was dropped. */
  dropped(frame: OutgoingData, reason: DropReason): void;
}
