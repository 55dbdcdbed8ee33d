import { createClient } from 'redis';
import type { RedisClient, ResolvedRedisBrokerOptions } from './options.js';
import type { Script } from './scripts.js';

/** What a {@link Connection} tells its broker. */
export interface ConnectionEvents {
  /** A connection failed (reported once per outage and connection; node-redis keeps reconnecting). */
  failed(error: Error): void;
  /** The pub/sub connection is back after an outage, its channels subscribed again: what was missed is fetched. */
  reconnected(): void;
}

/** How long `close()` waits for the replies still due before it cuts a connection. */
const CLOSE_GRACE_MS = 1000;

const isNoScript = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('NOSCRIPT');

/**
 * No time limit on a command: node-redis fails a command after 5 s by default (`DEFAULT_COMMAND_TIMEOUT`, also
 * while it waits in the offline queue), but an outage is waited through, bounded by `maxPendingCommands` and
 * `maxPendingBytes` instead. Given per command, so that it holds on a client of the user's too.
 */
const WAIT = { timeout: 0 } as const;

/**
 * How long the broker's own clients wait before connecting again after the `retries`th attempt failed: doubling
 * from 50 ms to at most 200 ms, plus up to 50 ms of jitter so that the nodes do not all knock at once — a node is
 * back within about a quarter second of Redis. node-redis' default doubles up to 2 s, so a restart of Redis that
 * took half a second left the nodes unable to serve for up to 2.2 s more. It never gives up: a client whose
 * strategy stopped is closed for good, and the broker would be of no use until its node restarted.
 */
export const reconnectDelayMs = (retries: number, random: () => number = Math.random): number =>
  Math.min(25 * 2 ** retries, 200) + Math.floor(random() * 50);

/** A call held until its client is ready: `send` hands it over; `fail` ends it unsent (the broker closed). */
interface Held {
  send(): void;
  fail(error: Error): void;
}

/**
 * The broker's two connections to Redis: one for commands (all of them scripts, in the order they are called),
 * one for pub/sub. Both reconnect by themselves (node-redis; the broker's own clients with
 * {@link reconnectDelayMs}), and the pub/sub one subscribes to its channels again before it reports itself
 * ready. Calls made meanwhile — commands, subscribes — wait here, in order and for as long as it takes, up to
 * `maxPendingCommands` and `maxPendingBytes` (past either, commands fail at once), and go to node-redis once
 * its connection is ready. Only the calls already written when a connection broke fail: Redis may or may
 * not have run them.
 */
export class Connection {
  /** Settles once both connections are up for the first time. */
  readonly ready: Promise<void>;
  readonly #commands: RedisClient;
  readonly #pubsub: RedisClient;
  /** Whether the command client is the broker's own (made from a URL), to close. */
  readonly #own: boolean;
  readonly #maxPending: number;
  readonly #maxPendingBytes: number;
  #pending = 0;
  #pendingBytes = 0;
  /** Scripts Redis is known to have loaded since the command connection last came up (EVALSHA is safe). */
  readonly #loaded = new Set<string>();
  /** Per connection: the calls made while it was not ready, in call order. */
  readonly #held = new Map<RedisClient, Held[]>();
  /** Per connection: whether it is up, so that an outage is reported once. */
  readonly #up = new Map<RedisClient, boolean>();
  readonly #unwatch: Array<() => void> = [];
  #closed = false;

  constructor(
    options: Pick<ResolvedRedisBrokerOptions, 'url' | 'client' | 'maxPendingCommands' | 'maxPendingBytes'>,
    readonly events: ConnectionEvents,
  ) {
    this.#own = options.client === undefined;
    this.#commands =
      options.client ??
      (createClient({
        ...(options.url ? { url: options.url } : {}),
        socket: { reconnectStrategy: (retries: number) => reconnectDelayMs(retries) },
      }) as RedisClient);
    this.#pubsub = this.#commands.duplicate();
    this.#maxPending = options.maxPendingCommands;
    this.#maxPendingBytes = options.maxPendingBytes;
    this.#watch(this.#commands, 'command');
    this.#watch(this.#pubsub, 'pub/sub');
    const connect = (client: RedisClient) => (client.isOpen ? undefined : client.connect());
    this.ready = Promise.all([connect(this.#commands), connect(this.#pubsub)]).then(() => undefined);
    // Connecting retries until Redis is there; a failure to connect at all is reported through `failed` too.
    this.ready.catch(() => {});
  }

  /**
   * Runs a script. The first run after a (re)connection sends its source (EVAL); later runs only its SHA
   * (EVALSHA) — so that a Redis that restarted and forgot the scripts never answers NOSCRIPT to commands that
   * were queued in order, which a retry would put out of order.
   */
  async run(script: Script, keys: string[], args: Array<string | number> = []): Promise<unknown> {
    const argv = [String(keys.length), ...keys, ...args.map(String)];
    if (!this.#loaded.has(script.sha)) {
      const reply = await this.#send(['EVAL', script.source, ...argv]);
      this.#loaded.add(script.sha);
      return reply;
    }
    try {
      return await this.#send(['EVALSHA', script.sha, ...argv]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      this.#loaded.delete(script.sha); // flushed while connected (SCRIPT FLUSH): load it again
      return this.run(script, keys, args);
    }
  }

  /** Runs a plain command, in order with the scripts. */
  command(args: string[]): Promise<unknown> {
    return this.#send(args);
  }

  /** Subscribes `listener` to `topic`; settles once Redis confirmed it, however many outages that takes. */
  subscribe(topic: string, listener: (message: string) => void): Promise<unknown> {
    return this.#untilAnswered(this.#pubsub, () => this.#pubsub.subscribe(topic, listener));
  }

  unsubscribe(topic: string, listener: (message: string) => void): Promise<unknown> {
    return this.#untilAnswered(this.#pubsub, () => this.#pubsub.unsubscribe(topic, listener));
  }

  /** Closes the pub/sub connection, and the command one if it is the broker's own; a user's client stays open. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
    const closed = new Error('The RedisBroker was closed while this call waited for Redis: it was not sent.');
    for (const held of this.#held.values()) for (const call of held.splice(0)) call.fail(closed);
    // Errors after close are nobody's business, but an EventEmitter without an error listener would throw them.
    const ignore = (): void => {};
    this.#pubsub.on('error', ignore);
    this.#pubsub.destroy();
    if (!this.#own) return;
    this.#commands.on('error', ignore);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, CLOSE_GRACE_MS);
    });
    await Promise.race([this.#commands.close().catch(ignore), grace]);
    clearTimeout(timer);
    this.#commands.destroy();
  }

  #send(args: string[]): Promise<unknown> {
    if (this.#pending >= this.#maxPending)
      return Promise.reject(
        new Error(
          `${this.#pending} commands are waiting for Redis already (options.maxPendingCommands): this one was not sent.`,
        ),
      );
    let bytes = 0;
    for (const arg of args) bytes += Buffer.byteLength(arg);
    if (this.#pendingBytes + bytes > this.#maxPendingBytes)
      return Promise.reject(
        new Error(
          `${this.#pendingBytes} bytes of commands are waiting for Redis already, and this one has ${bytes} ` +
            `(options.maxPendingBytes is ${this.#maxPendingBytes}): it was not sent.`,
        ),
      );
    this.#pending++;
    this.#pendingBytes += bytes;
    return this.#whenReady(this.#commands, () => this.#commands.sendCommand(args, WAIT)).finally(() => {
      this.#pending--;
      this.#pendingBytes -= bytes;
    });
  }

  /**
   * Makes the call `call` on `client` once it is ready: at once if it is and no call waits before this one.
   * node-redis would queue a call made while it is disconnected, but it writes that queue during its next
   * connection's handshake, before it is ready, and fails all of it should that handshake fail ("Socket closed
   * unexpectedly", EPIPE, LOADING) — as every attempt does while a proxy in front of Redis accepts connections
   * that no Redis is there to serve, or while Redis loads its data after a restart. Calls held here go to
   * node-redis only once its connection is ready, in the order they were made.
   */
  #whenReady<T>(client: RedisClient, call: () => Promise<T>): Promise<T> {
    const held = this.#held.get(client) ?? [];
    // Closed (by the broker, or by a strategy of the user's that gave up): it will never be ready; it refuses.
    if ((client.isReady && held.length === 0) || !client.isOpen) return call();
    return new Promise<T>((resolve, reject) => {
      held.push({ send: () => void call().then(resolve, reject), fail: reject });
      this.#held.set(client, held);
    });
  }

  /**
   * Makes a call that Redis may get twice (SUBSCRIBE, UNSUBSCRIBE) until it is answered: should the connection
   * break before the answer, the call is made again once it is back — where a command fails, since Redis may
   * have run it. Without this, the node's own topic, subscribed to just before Redis restarted, was never
   * subscribed to, and every attach on that node failed from then on. An error answer, or a closed client, fails.
   */
  async #untilAnswered<T>(client: RedisClient, call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await this.#whenReady(client, call);
      } catch (error) {
        // A broken connection is not ready by the time its calls fail (node-redis flushes them after).
        if (this.#closed || client.isReady || !client.isOpen) throw error;
      }
    }
  }

  #watch(client: RedisClient, name: 'command' | 'pub/sub'): void {
    const onError = (error: Error): void => {
      if (client === this.#commands) this.#loaded.clear();
      if (this.#up.get(client) === false) return;
      this.#up.set(client, false);
      this.events.failed(new Error(`Redis ${name} connection: ${error.message}`, { cause: error }));
    };
    const onReady = (): void => {
      const wasDown = this.#up.get(client) === false;
      this.#up.set(client, true);
      // All in one go: a call made from here on queues behind them in node-redis, not before.
      for (const call of this.#held.get(client)?.splice(0) ?? []) call.send();
      if (wasDown && client === this.#pubsub) this.events.reconnected();
    };
    client.on('error', onError);
    client.on('ready', onReady);
    this.#unwatch.push(() => {
      client.off('error', onError);
      client.off('ready', onReady);
    });
  }
}
