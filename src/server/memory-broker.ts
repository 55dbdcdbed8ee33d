import type { Position } from '../protocol.js';
import {
  type Broker,
  type HistoryLimits,
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
  /** A new epoch whenever the state is (re)created: offsets restart, and old positions cannot be compared. */
  readonly epoch = randomId();
  offset = 0;
  readonly history: Stored[] = [];
  bytes = 0;
  readonly subscribers = new Set<(publication: Publication) => void>();

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
  /** Where its frames go while attached. */
  link: SessionLink | undefined;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The default {@link Broker}: everything in this process's memory. Channel history and sessions die with the
 * process (a restarted server has new epochs: clients get `gap`, and sessions start afresh), and several
 * servers share it only inside one process. For several processes, use the Redis broker.
 */
export class MemoryBroker implements Broker {
  readonly #channels = new Map<string, ChannelState>();
  readonly #sessions = new Map<string, SessionState>();
  /** The history limits each channel was last published with (its trimming on read uses them). */
  readonly #limits = new Map<string, HistoryLimits | false>();
  /** Trims every history by age now and then, so that channels nobody publishes on any more are let go. */
  readonly #sweeper: ReturnType<typeof setInterval>;

  /** @param sweepIntervalMs how often histories are trimmed by age. @default 10000 */
  constructor({ sweepIntervalMs = 10_000 }: { sweepIntervalMs?: number } = {}) {
    this.#sweeper = setInterval(() => {
      const now = Date.now();
      for (const [name, state] of this.#channels) {
        state.trim(this.#limits.get(name) ?? false, now);
        this.#forget(name, state);
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
    if (since.epoch !== state.epoch || since.offset > state.offset)
      return { recovered: false, reason: 'epoch', position };
    if (since.offset === state.offset) return { recovered: true, publications: [], position };
    if (this.#limits.get(channel) === false) return { recovered: false, reason: 'no-history', position };
    const first = state.history[0]?.publication.offset ?? state.offset + 1;
    if (first > since.offset + 1) return { recovered: false, reason: 'trimmed', position };
    const publications = state.history
      .filter((s) => s.publication.offset > since.offset)
      .map((s) => s.publication);
    return { recovered: true, publications, position };
  }

  async attach(
    id: string | undefined,
    link: SessionLink,
  ): Promise<{ record: SessionRecord; resumed: boolean }> {
    const known = id === undefined ? undefined : this.#sessions.get(id);
    if (known) {
      clearTimeout(known.expiry);
      known.expiry = undefined;
      known.link = link;
      return { record: known.record, resumed: true };
    }
    const record: SessionRecord = { id: randomId(), processed: 0, sent: 0, outbox: [] };
    this.#sessions.set(record.id, { record, link, expiry: undefined });
    return { record, resumed: false };
  }

  async detach(id: string, link: SessionLink): Promise<void> {
    const session = this.#sessions.get(id);
    // A connection that ended after its client came back on a new one must not take the session from that one.
    if (session?.link !== link) return;
    session.link = undefined;
    clearTimeout(session.expiry);
    session.expiry = setTimeout(() => this.#sessions.delete(id), link.ttlMs);
    session.expiry.unref?.();
  }

  async processed(id: string, seq: number): Promise<void> {
    const record = this.#sessions.get(id)?.record;
    if (record && seq > record.processed) record.processed = seq;
  }

  async send(id: string, text: string): Promise<number> {
    const session = this.#sessions.get(id);
    if (!session) return 0;
    const seq = ++session.record.sent;
    const frame = { seq, text: sequenced(text, seq) };
    session.record.outbox.push(frame);
    session.link?.deliver(frame);
    return seq;
  }

  async acknowledged(id: string, seq: number): Promise<void> {
    const outbox = this.#sessions.get(id)?.record.outbox ?? [];
    // One splice, not a shift() per frame: each shift moves the whole array once it is large.
    let count = 0;
    while (count < outbox.length && outbox[count]!.seq <= seq) count++;
    outbox.splice(0, count);
  }

  async end(id: string): Promise<void> {
    clearTimeout(this.#sessions.get(id)?.expiry);
    this.#sessions.delete(id);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    for (const session of this.#sessions.values()) clearTimeout(session.expiry);
    this.#sessions.clear();
    this.#channels.clear();
  }

  #channel(name: string): ChannelState {
    const state = this.#channels.get(name) ?? new ChannelState();
    this.#channels.set(name, state);
    return state;
  }

  /** A channel with no history left and no subscriber costs nothing: per-user channels do not pile up. */
  #forget(name: string, state: ChannelState): void {
    if (state.history.length === 0 && state.subscribers.size === 0) {
      this.#channels.delete(name);
      this.#limits.delete(name);
    }
  }
}
