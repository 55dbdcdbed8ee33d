import type { Position } from '../protocol.js';
import {
  type Attachment,
  type Broker,
  type HistoryLimits,
  type ProcessedOutcome,
  type Publication,
  type Recovery,
  randomId,
  type SessionLink,
  type SessionRecord,
  sequenced,
} from './broker.js';

interface Stored {
  publication: Publication;
  bytes: number;
  at: number;
}

/** One channel's state: its position, its history, and the nodes subscribed to it. */
class ChannelState {
  /**
   * A new epoch whenever the state is (re)created: offsets restart, and old positions cannot be compared. It
   * starts with the broker's boot nonce, the store's generation: a position of an earlier broker is never taken
   * for one of this one.
   */
  readonly epoch: string;
  offset = 0;
  /** When the channel was last published on, or asked about: it is kept `positionTtlMs` after that. */
  touched = Date.now();
  readonly history: Stored[] = [];
  bytes = 0;
  readonly subscribers = new Set<(publication: Publication) => void>();

  constructor(boot: string) {
    this.epoch = `${boot}.${randomId()}`;
  }

  /** Drops what `limits` no longer allows (everything when there is no history). */
  trim(limits: HistoryLimits | false, now: number): void {
    const { maxMessages = 0, maxBytes = 0, maxAgeMs = 0 } = limits || {};
    while (
      this.history.length > 0 &&
      (this.history.length > maxMessages || this.bytes > maxBytes || now - this.history[0]!.at > maxAgeMs)
    ) {
      this.bytes -= this.history.shift()!.bytes;
    }
  }
}

interface SessionState {
  record: SessionRecord;
  /** The highest client seq claimed, and by which attachment (see {@link Broker.processed}). */
  claimed: number;
  claimant: number;
  /** The highest hello attempt that attached it: an older one is late. */
  attempt: number;
  /** Whose it is: only a `hello` from the same owner resumes it. */
  readonly owner: string;
  /** The latest attachment's fencing token; only it may act on the session. */
  generation: number;
  /** Where its frames go while attached (the latest attachment's link, until it detaches). */
  link: SessionLink | undefined;
  /** Bytes of the outbox: what the client has not acknowledged, bounded by `send`'s `maxBytes`. */
  outboxBytes: number;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/** Options of {@link MemoryBroker}. */
export interface MemoryBrokerOptions {
  /** How often histories are trimmed by age and unused channels let go, in milliseconds. @default 10000 */
  sweepIntervalMs?: number | undefined;
  /**
   * How long a channel's position (offset and epoch) is kept after its last publication or subscriber, in
   * milliseconds, so that a client coming back within it resumes without a false `gap`. Channels never
   * published on cost nothing once unused. @default 86400000 (a day, like the Redis broker)
   */
  positionTtlMs?: number | undefined;
}

/**
 * The default {@link Broker}: everything in this process's memory. Channel history and sessions die with the
 * process (a restarted server has new epochs: clients get `gap`, and sessions start afresh), and several
 * servers share it only inside one process. For several processes, use the Redis broker.
 */
export class MemoryBroker implements Broker {
  /** The store's generation: a new one per broker, part of every epoch. */
  readonly #boot = randomId();
  readonly #positionTtlMs: number;
  readonly #channels = new Map<string, ChannelState>();
  readonly #sessions = new Map<string, SessionState>();
  /** The history limits each channel was last published with (its trimming on read uses them). */
  readonly #limits = new Map<string, HistoryLimits | false>();
  /** Trims every history by age now and then, so that channels nobody publishes on any more are let go. */
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor({ sweepIntervalMs = 10_000, positionTtlMs = 86_400_000 }: MemoryBrokerOptions = {}) {
    this.#positionTtlMs = positionTtlMs;
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const [name, state] of this.#channels) {
        state.trim(this.#limits.get(name) ?? false, now);
        this.#forget(name, state, now);
      }
    }, sweepIntervalMs);
    this.#sweeper.unref?.();
  }

  async publish(
    channel: string,
    data: string,
    history: HistoryLimits | false,
    except?: string,
  ): Promise<Publication> {
    const state = this.#channel(channel);
    const publication: Publication = {
      channel,
      offset: history ? ++state.offset : 0,
      epoch: state.epoch,
      data,
      ...(except === undefined ? {} : { except }),
    };
    const now = Date.now();
    this.#limits.set(channel, history);
    if (history) {
      state.history.push({ publication, bytes: Buffer.byteLength(data), at: now });
      state.bytes += state.history.at(-1)!.bytes;
    }
    state.trim(history, now);
    for (const deliver of state.subscribers) deliver(publication);
    this.#forget(channel, state);
    return publication;
  }

  async subscribe(
    channel: string,
    deliver: (publication: Publication) => void,
  ): Promise<() => Promise<void>> {
    const state = this.#channel(channel);
    const own = (publication: Publication): void => deliver(publication);
    state.subscribers.add(own);
    return async () => {
      state.subscribers.delete(own);
      this.#forget(channel, state);
    };
  }

  async position(channel: string): Promise<Position> {
    const state = this.#channel(channel);
    const position = { offset: state.offset, epoch: state.epoch };
    this.#forget(channel, state);
    return position;
  }

  async recover(channel: string, since: Position): Promise<Recovery> {
    const state = this.#channel(channel);
    state.trim(this.#limits.get(channel) ?? false, Date.now());
    const position = { offset: state.offset, epoch: state.epoch };
    this.#forget(channel, state);
    // A client that saw nothing of a channel in this store generation resumes from its first publication: a
    // channel is let go with nothing published (its next epoch starts at offset 1, so nothing was numbered in
    // between), or positionTtlMs after it was last used — longer than any session a client could be away in.
    const fromStart = since.offset === 0 && since.epoch.startsWith(`${this.#boot}.`);
    if (since.epoch !== state.epoch && !fromStart) return { recovered: false, reason: 'epoch', position };
    if (since.offset > state.offset) return { recovered: false, reason: 'epoch', position };
    if (since.offset === state.offset) return { recovered: true, publications: [], position };
    if (this.#limits.get(channel) === false) return { recovered: false, reason: 'no-history', position };
    const first = state.history[0]?.publication.offset ?? state.offset + 1;
    if (first > since.offset + 1) return { recovered: false, reason: 'trimmed', position };
    const publications = state.history
      .filter((s) => s.publication.offset > since.offset)
      .map((s) => s.publication);
    return { recovered: true, publications, position };
  }

  attach(id: string | undefined, link: SessionLink, owner: string): Promise<Attachment>;
  attach(
    id: string | undefined,
    link: SessionLink,
    owner: string,
    attempt: number | undefined,
  ): Promise<Attachment | 'late'>;
  async attach(
    id: string | undefined,
    link: SessionLink,
    owner: string,
    attempt?: number,
  ): Promise<Attachment | 'late'> {
    const known = id === undefined ? undefined : this.#sessions.get(id);
    // Another owner's session is not resumed — nor touched: its owner may still be using it.
    if (known && known.owner === owner) {
      if (attempt !== undefined && attempt <= known.attempt) return 'late';
      if (attempt !== undefined) known.attempt = attempt;
      clearTimeout(known.expiry);
      known.expiry = undefined;
      const previous = known.link;
      known.link = link;
      known.generation++;
      // One writer per session: the attachment this one replaces stops (the server closes its connection).
      if (previous && previous !== link) previous.superseded();
      return { record: snapshot(known.record), resumed: true, generation: known.generation };
    }
    const record: SessionRecord = { id: randomId(), processed: 0, sent: 0, outbox: [] };
    this.#sessions.set(record.id, {
      record,
      claimed: 0,
      claimant: 1,
      attempt: attempt ?? 0,
      owner,
      generation: 1,
      link,
      outboxBytes: 0,
      expiry: undefined,
    });
    return { record: snapshot(record), resumed: false, generation: 1 };
  }

  async detach(id: string, generation: number, link: SessionLink): Promise<void> {
    const session = this.#current(id, generation);
    // A connection that ended after its client came back on a new one must not take the session from that one.
    if (!session || session.link !== link) return;
    session.link = undefined;
    clearTimeout(session.expiry);
    session.expiry = setTimeout(() => this.#sessions.delete(id), link.ttlMs);
    session.expiry.unref?.();
  }

  async processed(id: string, generation: number, seq: number): Promise<ProcessedOutcome> {
    const session = this.#current(id, generation);
    if (!session) return 'stale';
    if (seq <= session.record.processed) return 'duplicate';
    if (seq <= session.claimed) return session.claimant === generation ? 'duplicate' : 'redelivered';
    if (seq !== session.claimed + 1) return 'hole';
    session.claimed = seq;
    session.claimant = generation;
    return 'ok';
  }

  async handled(id: string, generation: number, seq: number): Promise<void> {
    const session = this.#current(id, generation);
    if (session && seq > session.record.processed) session.record.processed = seq;
  }

  async send(id: string, text: string, maxBytes: number): Promise<number> {
    const session = this.#sessions.get(id);
    if (!session) return 0;
    const seq = session.record.sent + 1;
    const frame = { seq, text: sequenced(text, seq) };
    const bytes = Buffer.byteLength(frame.text);
    // The budget is kept where the bytes are: attached or not, a client that does not acknowledge ends its
    // session rather than pin the server's memory.
    if (session.outboxBytes + bytes > maxBytes) {
      this.#end(id, session);
      session.link?.lost('budget');
      return -1;
    }
    session.record.sent = seq;
    session.record.outbox.push(frame);
    session.outboxBytes += bytes;
    session.link?.deliver(frame);
    return seq;
  }

  async acknowledged(id: string, generation: number, seq: number): Promise<void> {
    const session = this.#current(id, generation);
    if (!session) return;
    const { outbox } = session.record;
    // One splice, not a shift() per frame: each shift moves the whole array once it is large.
    let count = 0;
    while (count < outbox.length && outbox[count]!.seq <= seq) {
      session.outboxBytes -= Buffer.byteLength(outbox[count]!.text);
      count++;
    }
    outbox.splice(0, count);
  }

  async end(id: string): Promise<void> {
    const session = this.#sessions.get(id);
    if (session) this.#end(id, session);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const session of this.#sessions.values()) clearTimeout(session.expiry);
    this.#sessions.clear();
    this.#channels.clear();
  }

  /** The session, if `generation` is its latest attachment. */
  #current(id: string, generation: number): SessionState | undefined {
    const session = this.#sessions.get(id);
    return session?.generation === generation ? session : undefined;
  }

  #end(id: string, session: SessionState): void {
    clearTimeout(session.expiry);
    this.#sessions.delete(id);
  }

  #channel(name: string): ChannelState {
    const state = this.#channels.get(name) ?? new ChannelState(this.#boot);
    state.touched = Date.now();
    this.#channels.set(name, state);
    return state;
  }

  /**
   * A channel with no history left and no subscriber is let go — at once if it was never published on (per-user
   * channels do not pile up), else once its position has not been asked about for `positionTtlMs`: until then a
   * client may come back `since` one of its offsets, and a new epoch would be a false `gap`.
   */
  #forget(name: string, state: ChannelState, now = Date.now()): void {
    if (state.history.length > 0 || state.subscribers.size > 0) return;
    if (state.offset > 0 && now - state.touched < this.#positionTtlMs) return;
    this.#channels.delete(name);
    this.#limits.delete(name);
  }
}

/** A copy of a record as it stands: the caller's view must not change under it as the store goes on. */
const snapshot = (record: SessionRecord): SessionRecord => ({ ...record, outbox: [...record.outbox] });
