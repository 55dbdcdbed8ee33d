import { randomBytes } from 'node:crypto';
import type { Position } from '../protocol.js';

/**
 * A channel publication as a {@link Broker} keeps and fans it out. The payload is JSON text, encoded once on
 * the publishing node; every node builds its frame from it once, for all its subscribers.
 */
export interface Publication {
  readonly channel: string;
  /** Position in the channel's history: 1, 2, 3 … per channel within one epoch; 0 when it keeps no history. */
  readonly offset: number;
  readonly epoch: string;
  /** The payload, as JSON text. */
  readonly data: string;
  /** A client (by its id, unique across nodes) that does not get it: the one whose message is relayed. */
  readonly except?: string | undefined;
}

/** Bounds of one channel's history: publications older, further back, or beyond the bytes are dropped. */
export interface HistoryLimits {
  /** Most publications kept. */
  maxMessages: number;
  /** Most bytes of payload kept. */
  maxBytes: number;
  /** Oldest publication kept, in milliseconds. */
  maxAgeMs: number;
}

/** What a subscriber resuming `since` a position gets. */
export type Recovery =
  | { recovered: true; publications: readonly Publication[]; position: Position }
  | { recovered: false; reason: 'trimmed' | 'epoch' | 'no-history'; position: Position };

/** A client's session as stored: what survives its connections, for `sessionTtlMs` after the last one. */
export interface SessionRecord {
  readonly id: string;
  /** The highest client seq processed. */
  processed: number;
  /** The highest server seq given to a frame for this client. */
  sent: number;
  /** Frames for this client that it has not acknowledged, in seq order (`text` is the encoded frame). */
  readonly outbox: Array<{ seq: number; text: string }>;
}

/**
 * Where the companion server keeps what must outlive one connection or one node: channel fan-out, channel
 * history with offsets, and session records. {@link MemoryBroker} (the default) keeps them in the process;
 * `reliable-socket/server/redis` keeps them in Redis, shared by several nodes.
 *
 * Every method is asynchronous, and implementations must keep, per channel and per session, the order in which
 * calls were made. Publications reach each node's `deliver` once, in offset order, the publishing node's own
 * included (so all nodes see one order).
 */
export interface Broker {
  /**
   * Gives `data` the channel's next offset, appends it to the channel's history (bounded by `history`; `false`:
   * no history, offset 0) and fans it out to every node that subscribed to the channel.
   */
  publish(
    channel: string,
    data: string,
    history: HistoryLimits | false,
    except?: string,
  ): Promise<Publication>;
  /**
   * This node wants every publication on `channel`, delivered to `deliver` (a node subscribes once per channel,
   * however many of its clients do); resolves with the function that ends this subscription.
   */
  subscribe(channel: string, deliver: (publication: Publication) => void): Promise<() => Promise<void>>;
  /** The channel's latest position (offset 0 if nothing is in its history). */
  position(channel: string): Promise<Position>;
  /**
   * The publications after `since`, if the history still holds every one of them in the same epoch; otherwise
   * why not, and the current position. (For a channel without history the server answers `no-history` itself.)
   */
  recover(channel: string, since: Position): Promise<Recovery>;

  /**
   * Loads the session `id` (resumed) or, if it is unknown or expired (or `id` is undefined), creates a new one
   * with a fresh id unique across nodes, and attaches it to this node: while attached, frames any node sends to
   * the session reach `link.deliver`, in seq order, each once.
   */
  attach(id: string | undefined, link: SessionLink): Promise<{ record: SessionRecord; resumed: boolean }>;
  /**
   * The connection that attached the session with `link` ended: the session expires after `link.ttlMs` unless
   * attached again. Nothing happens if a later `attach` (a reconnection, on this node or another) holds it.
   */
  detach(id: string, link: SessionLink): Promise<void>;
  /** Records that client frames up to `seq` have been processed. */
  processed(id: string, seq: number): Promise<void>;
  /**
   * Gives a frame for the session's client the next server seq, keeps it until acknowledged, and hands it to the
   * node the session is attached to (this one included). `frame` is the encoded frame without its seq (a JSON
   * object with at least one member); the broker makes it {@link sequenced}, atomically with giving the seq, so
   * that frames sent to one session from several nodes are kept and delivered in one order.
   * @returns the seq, or 0 when there is no such session (expired, ended, or lost with the store).
   */
  send(id: string, frame: string): Promise<number>;
  /** The client acknowledged server frames up to `seq`. */
  acknowledged(id: string, seq: number): Promise<void>;
  /** Ends a session at once (its client went over its budget): the next `attach` starts a new one. */
  end(id: string): Promise<void>;
  /** Stops timers and connections; the broker is not used afterwards. */
  close(): Promise<void>;
  /**
   * Listens to failures that no call reports — a lost connection to the store, a catch-up that failed — so
   * that the server can emit them as `BrokerError` events; returns the function that stops listening. Optional:
   * a broker without background work has none.
   */
  onError?(listener: (error: unknown) => void): () => void;
}

/**
 * How a node holds a session it attached (see {@link Broker.attach}): where frames for it go, what happens if
 * the store loses it, and how long it outlives this node should the node die while holding it.
 */
export interface SessionLink {
  /** A frame for the session, sequenced; called in seq order, once per seq. */
  deliver(frame: { seq: number; text: string }): void;
  /**
   * The store lost the session's record while it was attached here (it restarted, say): frames sent to it from
   * now on cannot be kept, and a client that comes back cannot resume. Called at most once.
   */
  lost(): void;
  /**
   * How long the session outlives its connection, in milliseconds: after `detach`, or after this node died
   * without detaching it.
   */
  readonly ttlMs: number;
}

/** A random id, unique across nodes and restarts for all practical purposes (128 bits, base64url). */
export const randomId = (): string => randomBytes(16).toString('base64url');

/** A session frame with its seq: the seq goes first, in front of the frame's own members. */
export const sequenced = (frame: string, seq: number): string => `{"seq":${seq},${frame.slice(1)}`;
