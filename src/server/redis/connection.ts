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
 * The broker's two connections to Redis: one for commands (all of them scripts, in the order they are called),
 * one for pub/sub. Both reconnect by themselves with backoff (node-redis), and the pub/sub one subscribes to its
 * channels again before it reports itself ready. Commands called meanwhile wait, in order and for as long as it
 * takes, up to `maxPendingCommands` and `maxPendingBytes`; past either, they fail at once.
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
  /** Per connection: whether it is up, so that an outage is reported once. */
  readonly #up = new Map<RedisClient, boolean>();
  readonly #unwatch: Array<() => void> = [];

  constructor(
    options: Pick<ResolvedRedisBrokerOptions, 'url' | 'client' | 'maxPendingCommands' | 'maxPendingBytes'>,
    readonly events: ConnectionEvents,
  ) {
    this.#own = options.client === undefined;
    this.#commands = options.client ?? (createClient(options.url ? { url: options.url } : {}) as RedisClient);
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

  subscribe(topic: string, listener: (message: string) => void): Promise<unknown> {
    return this.#pubsub.subscribe(topic, listener);
  }

  unsubscribe(topic: string, listener: (message: string) => void): Promise<unknown> {
    return this.#pubsub.unsubscribe(topic, listener);
  }

  /** Closes the pub/sub connection, and the command one if it is the broker's own; a user's client stays open. */
  async close(): Promise<void> {
    for (const unwatch of this.#unwatch.splice(0)) unwatch();
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
    return this.#commands.sendCommand(args, WAIT).finally(() => {
      this.#pending--;
      this.#pendingBytes -= bytes;
    });
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
