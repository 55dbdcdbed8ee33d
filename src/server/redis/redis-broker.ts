import type { Position } from '../../protocol.js';
import {
  type Attachment,
  type Broker,
  type HistoryLimits,
  type ProcessedOutcome,
  type Publication,
  type Recovery,
  randomId,
  type SessionLink,
} from '../broker.js';
import { ChannelFeeds } from './channel-feeds.js';
import { decodeEntry, entryPublication, seqOf } from './codec.js';
import { Connection } from './connection.js';
import { HeldSessions } from './held-sessions.js';
import { Keys } from './keys.js';
import {
  type RedisBrokerOptions,
  type ResolvedRedisBrokerOptions,
  resolveRedisBrokerOptions,
} from './options.js';
import { PUBLISH, RECOVER } from './scripts.js';
import { ACKNOWLEDGED, ATTACH, DETACH, HANDLED, PROCESSED, SEND } from './session-scripts.js';

/** What a session id looks like: anything else a client sends in `hello` is an unknown session. */
const SESSION_ID = /^[\w-]{1,64}$/;

/**
 * A {@link Broker} on Redis (7.0 or later, or Valkey), so that several server nodes serve one set of clients:
 * give each node's `ReliableSocketServer` its own `RedisBroker` on the same Redis (option `broker`). Channel
 * publications reach the subscribers on every node once, in one order; channel history (offsets, epochs)
 * and sessions (what each client sent and was sent) live in Redis, so a client resumes on any node — after a
 * node died, too. Each publish is one Lua script: next offset, history append, trim (count, bytes, age),
 * expiries and PUBLISH, atomically. Each session has one writer: every attach gets a larger generation, the
 * attachment it replaces (on any node) is told, and the scripts refuse the acts of any but the latest; its
 * outbox budget is kept and enforced in Redis. The store's generation is Redis' run id, read by every script:
 * when Redis restarts — without its data, or from an older snapshot, or as a promoted replica — channels get a
 * new epoch (clients hear a `gap`, never reused offsets) and sessions are lost (their clients reconnect and send
 * again what was not acknowledged). While Redis is unreachable or paused, calls wait, however long, bounded by
 * `maxPendingCommands` and `maxPendingBytes`. docs/redis-deployment.md describes the deployment, the
 * keys and their bounds.
 *
 * @example
 * ```ts
 * import { ReliableSocketServer } from 'reliable-socket/server';
 * import { RedisBroker } from 'reliable-socket/server/redis';
 *
 * const broker = new RedisBroker({ url: process.env.REDIS_URL });
 * const server = new ReliableSocketServer({ port: 8080, broker });
 * process.on('SIGTERM', async () => {
 *   await server.close();
 *   await broker.close();
 * });
 * ```
 */
export class RedisBroker implements Broker {
  /** Settles once both connections to Redis are up for the first time (calls made before wait for it). */
  readonly ready: Promise<void>;
  readonly #options: ResolvedRedisBrokerOptions;
  readonly #keys: Keys;
  /** This node's name in session records: frames for the sessions it holds are published to it. */
  readonly #node = randomId();
  readonly #connection: Connection;
  readonly #feeds: ChannelFeeds;
  readonly #sessions: HeldSessions;
  readonly #listeners = new Set<(error: unknown) => void>();
  #closed: Promise<void> | undefined;

  /** @throws TypeError or RangeError naming the bad option and its value. */
  constructor(options: RedisBrokerOptions = {}) {
    this.#options = resolveRedisBrokerOptions(options);
    this.#keys = new Keys(this.#options.prefix);
    this.#connection = new Connection(this.#options, {
      failed: this.#failed,
      reconnected: () => {
        this.#feeds.resync();
        this.#sessions.resync();
      },
    });
    this.#feeds = new ChannelFeeds(
      this.#connection,
      this.#keys,
      (c, since) => this.recover(c, since),
      this.#failed,
    );
    this.#sessions = new HeldSessions(
      this.#connection,
      this.#keys,
      this.#options.refreshIntervalMs,
      this.#failed,
    );
    this.ready = this.#connection.ready.then(() =>
      this.#connection.subscribe(this.#keys.node(this.#node), this.#sessions.receive).then(() => undefined),
    );
    this.ready.catch(this.#failed);
  }

  async publish(
    channel: string,
    data: string,
    history: HistoryLimits | false,
    except?: string,
  ): Promise<Publication> {
    const exceptJson = JSON.stringify(except ?? null);
    const base = { channel, data, ...(except === undefined ? {} : { except }) };
    if (!history) {
      await this.#connection.command(['PUBLISH', this.#keys.topic(channel), `[0,"",${exceptJson}]\n${data}`]);
      return { ...base, offset: 0, epoch: '' };
    }
    const { maxMessages, maxBytes, maxAgeMs } = history;
    const [offset, epoch] = (await this.#connection.run(
      PUBLISH,
      [this.#keys.meta(channel), this.#keys.history(channel)],
      [
        data,
        randomId(),
        maxMessages,
        maxBytes,
        maxAgeMs,
        this.#options.positionTtlMs,
        this.#keys.topic(channel),
        exceptJson,
      ],
    )) as [number, string];
    return { ...base, offset, epoch };
  }

  subscribe(channel: string, deliver: (publication: Publication) => void): Promise<() => Promise<void>> {
    return this.#feeds.subscribe(channel, deliver);
  }

  async position(channel: string): Promise<Position> {
    const [offset, epoch] = await this.#recover(channel, 0, '');
    return { offset, epoch };
  }

  async recover(channel: string, since: Position): Promise<Recovery> {
    const [offset, epoch, status = 'epoch', ...entries] = await this.#recover(
      channel,
      since.offset,
      since.epoch,
    );
    const position = { offset, epoch };
    if (status !== 'ok')
      return { recovered: false, reason: status === 'trimmed' ? 'trimmed' : 'epoch', position };
    const publications: Publication[] = [];
    for (const [index, text] of entries.entries()) {
      const entry = decodeEntry(text);
      // Offsets in a history follow each other; anything else is not a history this broker can vouch for.
      if (entry?.offset !== since.offset + 1 + index)
        return { recovered: false, reason: 'trimmed', position };
      publications.push(entryPublication(channel, epoch, entry));
    }
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
    // Frames for the session are published to this node's topic from the moment it holds it: listen first.
    await this.ready;
    const resuming = id !== undefined && SESSION_ID.test(id) ? id : undefined;
    const fresh = randomId();
    const previous = resuming === undefined ? undefined : this.#sessions.get(resuming);
    const held = resuming === undefined ? undefined : this.#sessions.hold(resuming, link);
    const keys = [this.#keys.session(fresh)];
    if (resuming !== undefined) keys.unshift(this.#keys.session(resuming), this.#keys.outbox(resuming));
    const args = [
      this.#node,
      this.#sessions.ttlOf(link),
      this.#keys.nodePrefix,
      resuming ?? '',
      owner,
      attempt ?? '',
    ];
    let reply: [number, number, number?, number?, ...string[]];
    try {
      reply = (await this.#connection.run(ATTACH, keys, args)) as typeof reply;
    } catch (error) {
      if (resuming !== undefined && held) {
        this.#sessions.release(resuming, held);
        if (previous) this.#sessions.restore(resuming, previous);
      }
      throw error;
    }
    const [resumed, generation, processed = 0, sent = 0, ...texts] = reply;
    if (resumed === 1 && resuming !== undefined && held) {
      this.#sessions.start(resuming, held, generation, sent);
      // One writer per session: an attachment this one replaced on this node stops (another node hears it).
      if (previous && previous.link !== link) this.#sessions.end(resuming, previous, 'superseded');
      const outbox = texts.map((text) => ({ seq: seqOf(text) ?? 0, text }));
      return { record: { id: resuming, processed, sent, outbox }, resumed: true, generation };
    }
    if (resuming !== undefined && held) {
      this.#sessions.release(resuming, held);
      // A late hello takes nothing, and another owner's session stays as it was; one gone from the store is lost
      // for whoever held it here.
      if (resumed === 3) {
        if (previous) this.#sessions.restore(resuming, previous);
        return 'late';
      }
      if (resumed === 2) {
        if (previous) this.#sessions.restore(resuming, previous);
      } else this.#sessions.end(resuming, previous, 'store');
    }
    this.#sessions.start(fresh, this.#sessions.hold(fresh, link), generation, 0);
    return { record: { id: fresh, processed: 0, sent: 0, outbox: [] }, resumed: false, generation };
  }

  async detach(id: string, generation: number, link: SessionLink): Promise<void> {
    const held = this.#sessions.get(id);
    // Not held here by this attachment: a later one (here or elsewhere) holds it, or it is gone.
    if (held?.generation !== generation || held.link !== link) return;
    this.#sessions.release(id, held);
    // Fenced in Redis too, should a later attachment on another node not have been heard of yet.
    await this.#connection.run(DETACH, this.#sessionKeys(id), [generation, link.ttlMs]);
  }

  async processed(id: string, generation: number, seq: number): Promise<ProcessedOutcome> {
    const outcome = (await this.#connection.run(PROCESSED, this.#sessionKeys(id), [generation, seq])) as
      | ProcessedOutcome
      | 'gone';
    if (outcome !== 'gone' && outcome !== 'stale') return outcome;
    const held = this.#sessions.get(id);
    if (held?.generation === generation)
      this.#sessions.end(id, held, outcome === 'gone' ? 'store' : 'superseded');
    return 'stale';
  }

  async handled(id: string, generation: number, seq: number): Promise<void> {
    await this.#connection.run(HANDLED, this.#sessionKeys(id), [generation, seq]);
  }

  async send(id: string, frame: string, maxBytes: number): Promise<number> {
    const max = Math.min(maxBytes, Number.MAX_SAFE_INTEGER); // Infinity is no number to Lua
    const args = [frame, this.#keys.nodePrefix, id, max];
    const seq = (await this.#connection.run(SEND, this.#sessionKeys(id), args)) as number;
    // Told here at once if attached here (a pending attach hears it at its start, from the notice).
    const held = this.#sessions.get(id);
    if (held?.generation !== undefined && seq <= 0) this.#sessions.end(id, held, seq ? 'budget' : 'store');
    return seq;
  }

  async acknowledged(id: string, generation: number, seq: number): Promise<void> {
    await this.#connection.run(ACKNOWLEDGED, this.#sessionKeys(id), [generation, seq]);
  }

  async end(id: string): Promise<void> {
    this.#sessions.release(id);
    await this.#connection.command(['DEL', ...this.#sessionKeys(id)]);
  }

  /**
   * Stops renewing sessions and delivering, and closes the connections it made (a `client` you gave stays
   * open). Sessions still attached here expire after their TTL, for their clients to resume elsewhere.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#sessions.close();
      this.#feeds.close();
      await this.#connection.close();
    })();
    return this.#closed;
  }

  onError(listener: (error: unknown) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #sessionKeys(id: string): string[] {
    return [this.#keys.session(id), this.#keys.outbox(id)];
  }

  #recover(channel: string, offset: number, epoch: string): Promise<[number, string, string?, ...string[]]> {
    const keys = [this.#keys.meta(channel), this.#keys.history(channel)];
    const args = [randomId(), this.#options.positionTtlMs, offset, epoch];
    return this.#connection.run(RECOVER, keys, args) as Promise<[number, string, string?, ...string[]]>;
  }

  /** A failure no call reports: to the listeners (the servers using this broker), else a process warning. */
  readonly #failed = (error: unknown): void => {
    if (this.#closed) return;
    if (this.#listeners.size === 0) {
      process.emitWarning(error instanceof Error ? error : String(error), 'RedisBrokerWarning');
      return;
    }
    for (const listener of [...this.#listeners]) listener(error);
  };
}
