import type { ReliableSocketError } from './errors.js';
import type { SocketState } from './state.js';
import type { BlobLike, BufferSourceLike } from './web-types.js';

/** What `send()` accepts: the same as the native `WebSocket.send()`. */
export type OutgoingData = string | BlobLike | BufferSourceLike;

/** What a `message` event carries: text as a string, binary as a Blob or ArrayBuffer per `binaryType`. */
export type IncomingData = string | BlobLike | ArrayBuffer;

/** How a connection ended. */
export interface CloseDetails {
  /**
   * The close code: the server's, or 1006 when the link was lost without a close frame — including when the
   * socket itself gave up on it (see `reason`).
   */
  code: number;
  /** The server's close reason, or what the socket noticed: `'heartbeat timeout'`, `'connect timeout'`, `'reconnect()'`. */
  reason: string;
  /** Whether the closing handshake completed. */
  wasClean: boolean;
}

/** How a connection ended, and what the socket does next. */
export interface CloseInfo extends CloseDetails {
  /** Whether the socket will try again; `false` means this socket is now `closed` for good. */
  willReconnect: boolean;
}

/**
 * Why a frame was dropped unsent: the queue overflowed (`overflow`), `close()` settled the queue (`closed`), or
 * the WebSocket implementation threw when a queued frame was handed to it (`error`; the exception is reported
 * with `reportError`).
 */
export type DropReason = 'overflow' | 'closed' | 'error';

/** A change of {@link SocketState}, with what caused it. */
export interface StateChange {
  from: SocketState;
  to: SocketState;
  /** What caused it, for logs: `'connected'`, `'connection lost'`, `'retry'`, `'close()'`, … */
  reason: string;
}

/** Events of {@link ReliableSocket}, by name, with the arguments each listener receives. */
export interface ReliableSocketEvents {
  /** Connected (again), `onOpen` has run and the queue has been flushed. */
  open: [];
  /** A frame arrived that is not a heartbeat pong. */
  message: [data: IncomingData];
  /** A connection ended (or an attempt failed). `willReconnect` says whether this is the end. */
  close: [info: CloseInfo];
  /** A retry is scheduled: retry number `attempt` (1, 2, …) will start in `delayMs`. */
  reconnecting: [info: { attempt: number; delayMs: number }];
  /** The state changed. */
  state: [change: StateChange];
  /**
   * Something failed that the socket handled (a URL function threw, `onOpen` failed, retries ran out, the server
   * refused the credentials with close 4401 or 4403).
   */
  error: [error: ReliableSocketError];
  /** A pong arrived: `rttMs` is the round trip since the ping. */
  heartbeat: [info: { rttMs: number }];
  /** A frame was dropped without being sent; nothing is dropped without this event. */
  drop: [data: OutgoingData, reason: DropReason];
}
