import type { Position } from '../../protocol.js';
import {
  type Broker,
  type HistoryLimits,
  type Publication,
  type Recovery,
  randomId,
  type SessionLink,
  type SessionRecord,
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
import { ACKNOWLEDGED, CREATE, HOLD, PROCESSED, PUBLISH, RECOVER, RESUME, SEND } from './scripts.js';

/** 128 random bits, base64url: node ids, session ids, epochs. */

/** What a session id looks like: anything else a client sends in `hello` is an unknown session. */
const SESSION_ID = /^[\w-]{1,64}$/;

/**
 * A {@link Broker} on Redis (7.0 or later, or Valkey), so that several server nodes serve one set of clients:
 * give each node's `ReliableSocketServer` its own `RedisBroker` on the same Redis (option `broker`). Channel
 * publications reach the subscribers on every node once, in one order; channel history (offsets, epochs)
 * and sessions (what each client sent and was sent) live in Redis, so a client resumes on any node — after a
 * node died, too. Each publish is one Lua script: next offset, history append, trim (count, bytes, age),
 * expiries and PUBLISH, atomically. When Redis restarts without its data, channels get a new epoch (clients
 * hear a `gap`) and sessions are lost (their clients reconnect and send again what was not acknowledged).
 * README, "Several nodes on Redis", describes the deployment, the keys and their bounds.
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
      this.#node,
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

  async attach(
    id: string | undefined,
    link: SessionLink,
  ): Promise<{ record: SessionRecord; resumed: boolean }> {
    // Frames for the session are published to this node's topic from the moment it holds it: listen first.
    await this.ready;
    const ttl = this.#sessions.ttlOf(link);
    if (id !== undefined && SESSION_ID.test(id)) {
      const held = this.#sessions.hold(id, link);
      const reply = (await this.#connection
        .run(RESUME, [this.#keys.session(id), this.#keys.outbox(id)], [this.#node, held.holder, ttl])
        .catch((error: unknown) => {
          this.#sessions.release(id, held);
          throw error;
        })) as [number, number, ...string[]] | null;
      if (reply) {
        const [processed, sent, ...texts] = reply;
        const outbox = texts.map((text) => ({ seq: seqOf(text) ?? 0, text }));
        this.#sessions.start(held, sent);
        return { record: { id, processed, sent, outbox }, resumed: true };
      }
      this.#sessions.release(id, held);
    }
    const fresh = randomId();
    const held = this.#sessions.hold(fresh, link);
    await this.#connection
      .run(CREATE, [this.#keys.session(fresh)], [this.#node, held.holder, ttl])
      .catch((error: unknown) => {
        this.#sessions.release(fresh, held);
        throw error;
      });
    this.#sessions.start(held, 0);
    return { record: { id: fresh, processed: 0, sent: 0, outbox: [] }, resumed: false };
  }

  async detach(id: string, link: SessionLink): Promise<void> {
    const held = this.#sessions.get(id);
    // Not held here for this link: a later attach (here or elsewhere) holds it, or it is gone.
    if (held?.link !== link) return;
    this.#sessions.release(id, held);
    await this.#connection.run(
      HOLD,
      [this.#keys.session(id), this.#keys.outbox(id)],
      [held.holder, link.ttlMs, 'detach'],
    );
  }

  async processed(id: string, seq: number): Promise<void> {
    const found = await this.#connection.run(PROCESSED, [this.#keys.session(id)], [seq]);
    if (found === 0) this.#sessions.lost(id);
  }

  async send(id: string, frame: string): Promise<number> {
    const keys = [this.#keys.session(id), this.#keys.outbox(id)];
    const seq = (await this.#connection.run(SEND, keys, [frame, this.#keys.nodePrefix, id])) as number;
    if (seq === 0) this.#sessions.lost(id);
    return seq;
  }

  async acknowledged(id: string, seq: number): Promise<void> {
    await this.#connection.run(ACKNOWLEDGED, [this.#keys.outbox(id)], [seq]);
  }

  async end(id: string): Promise<void> {
    this.#sessions.release(id);
    await this.#connection.command(['DEL', this.#keys.session(id), this.#keys.outbox(id)]);
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
