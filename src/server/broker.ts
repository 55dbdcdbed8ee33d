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
  /**
   * The highest client seq whose handler has run (and all below it): what `welcome` says the server has. Frames
   * above it that an earlier attachment claimed ({@link Broker.processed}) may not have been handled — its node
   * may have died in between — and are handled again, flagged redelivered.
   */
  processed: number;
  /** The highest server seq given to a frame for this client. */
  sent: number;
  /** Frames for this client that it has not acknowledged, in seq order (`text` is the encoded frame). */
  readonly outbox: Array<{ seq: number; text: string }>;
}

/** What {@link Broker.attach} gives a connection: the session, and this connection's hold on it. */
export interface Attachment {
  readonly record: SessionRecord;
  /** Whether an existing session was resumed (false: a new one, its seqs start at 1 both ways). */
  readonly resumed: boolean;
  /**
   * The fencing token of this attachment: every attach of a session gets a larger one, and the broker refuses
   * {@link Broker.processed}, {@link Broker.acknowledged} and {@link Broker.detach} from any but the latest.
   */
  readonly generation: number;
}

/** What {@link Broker.processed} found: `ok` (claimed: run the handler), `redelivered`, or why not. */
export type ProcessedOutcome =
  /** Claimed: `seq` was the next one, and this attachment is the session's latest. Run the handler. */
  | 'ok'
  /**
   * An earlier attachment claimed `seq` but did not record its handler as run (its node died in between, say):
   * run the handler again, flagged redelivered — it may have run once already.
   */
  | 'redelivered'
  /** `seq` was handled already (or is being handled by this attachment): acknowledge, do not handle. */
  | 'duplicate'
  /** A later attachment holds the session, or the session is gone: this connection must stop. */
  | 'stale'
  /** `seq` is beyond the next one: a frame is missing in between; nothing was recorded. */
  | 'hole';

/**
 * Where the companion server keeps what must outlive one connection or one node: channel fan-out, channel
 * history with offsets, and session records. {@link MemoryBroker} (the default) keeps them in the process;
 * `reliable-socket/server/redis` keeps them in Redis, shared by several nodes.
 *
 * Every method is asynchronous, and implementations must keep, per channel and per session, the order in which
 * calls were made (promises of one session settle in call order). Publications reach each node's `deliver`
 * once, in offset order, the publishing node's own included (so all nodes see one order).
 *
 * Sessions have one writer (PROTOCOL.md, "Version 2", fencing): each attach takes the session with a new
 * {@link Attachment.generation}; the attachment it replaces hears {@link SessionLink.superseded} and every
 * later act of it is refused. A session's validity includes the store's identity (a per-boot nonce, Redis'
 * run id): a store restored from an older copy shows up as lost sessions and new channel epochs, never as
 * reused seqs or offsets.
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
  /** The channel's latest position (offset 0 if nothing was ever published in its epoch). */
  position(channel: string): Promise<Position>;
  /**
   * The publications after `since`, if the history still holds every one of them in the same epoch; otherwise
   * why not, and the current position. `since` at offset 0 of a channel never published on in this store's
   * generation is recovered with nothing to replay. (For a channel without history the server answers
   * `no-history` itself.)
   */
  recover(channel: string, since: Position): Promise<Recovery>;

  /**
   * Loads the session `id` (resumed) or, if it is unknown, expired, ended, from another generation of the
   * store, or belongs to another `owner` (or `id` is undefined), creates a new one for `owner` with a fresh id unique across nodes, and attaches it to
   * this node with a new generation: from now on frames any node sends to the session reach `link.deliver`,
   * in seq order, each once. The attachment it replaces (on this node or another) hears `superseded()`.
   * `attempt` is the client's count of its hellos: an attach of the owner's session whose attempt is not above
   * the highest seen is `'late'` (a connection the client gave up on) and takes nothing; without one, no check.
   */
  attach(id: string | undefined, link: SessionLink, owner: string): Promise<Attachment>;
  attach(
    id: string | undefined,
    link: SessionLink,
    owner: string,
    attempt: number | undefined,
  ): Promise<Attachment | 'late'>;
  /**
   * The connection of attachment `generation` ended: the session expires after `link.ttlMs` unless attached
   * again. Nothing happens if a later attachment holds it.
   */
  detach(id: string, generation: number, link: SessionLink): Promise<void>;
  /**
   * Compare-and-set: claims client frame `seq` for attachment `generation` if it still holds the session and
   * `seq` is the one after the last claimed. Only on `ok` (or `redelivered`) may the frame's handler run.
   */
  processed(id: string, generation: number, seq: number): Promise<ProcessedOutcome>;
  /**
   * The handler of client frame `seq`, claimed by attachment `generation`, has run: the frame is acknowledged,
   * and never handled again. Between the claim and this, a node that dies leaves the frame to be handled again,
   * flagged redelivered, by the next attachment — never silently lost.
   */
  handled(id: string, generation: number, seq: number): Promise<void>;
  /**
   * Gives a frame for the session's client the next server seq, keeps it until acknowledged, and hands it to the
   * node the session is attached to (this one included). `frame` is the encoded frame without its seq (a JSON
   * object with at least one member); the broker makes it {@link sequenced}, atomically with giving the seq, so
   * that frames sent to one session from several nodes are kept and delivered in one order. The outbox is
   * bounded where it is kept: a frame that would take its unacknowledged bytes past `maxBytes` ends the
   * session instead (attached or not), and the attached link hears `lost('budget')`.
   * @returns the seq; 0 when there is no such session (expired, ended, or lost with the store); -1 when the
   *   frame went over `maxBytes` and ended the session.
   */
  send(id: string, frame: string, maxBytes: number): Promise<number>;
  /** The client of attachment `generation` acknowledged server frames up to `seq` (ignored when stale). */
  acknowledged(id: string, generation: number, seq: number): Promise<void>;
  /** Ends a session at once: the next `attach` starts a new one. */
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
 * the store loses it or another connection takes it, and how long it outlives this node should the node die
 * while holding it.
 */
export interface SessionLink {
  /** A frame for the session, sequenced; called in seq order, once per seq. */
  deliver(frame: { seq: number; text: string }): void;
  /**
   * The store lost the session's record while it was attached here (it restarted, say), or ended it because
   * its outbox went over budget: frames sent to it from now on cannot be kept, and a client that comes back
   * cannot resume. Called at most once.
   */
  lost(why: 'store' | 'budget'): void;
  /**
   * A later attachment (a reconnection of the same client, on this node or another) took the session: this
   * connection must stop serving it (the server closes it). Called at most once, and never after `lost`.
   */
  superseded(): void;
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
