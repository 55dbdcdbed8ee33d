import { fail, group, num, optional, text } from '../../check.js';
import { MAX_TIMER_MS } from '../../timer.js';

/**
 * What the broker uses of a node-redis client (`createClient()` from `redis`, version 6): any client fits,
 * whatever its modules, scripts and RESP version.
 */
export interface RedisClient {
  readonly isOpen: boolean;
  /** Connected and past its handshake: what is sent now is written at once (calls wait for it otherwise). */
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(): RedisClient;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<unknown>;
  unsubscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
  close(): Promise<unknown>;
  destroy(): void;
}

/** Options of {@link RedisBroker}: where Redis is, and how much of it the broker may use. */
export interface RedisBrokerOptions {
  /**
   * Where Redis (7.0 or later, or Valkey) is: `redis://[[user]:password@]host[:port][/db]`, `rediss://…` for
   * TLS, or `unix:///path/to/redis.sock`. The broker makes its two connections (commands, and pub/sub) from it
   * and closes them in `close()`. Give `client` instead for options a URL cannot carry.
   * @default 'redis://localhost:6379' (when `client` is not given either)
   */
  url?: string | undefined;
  /**
   * A node-redis client of yours (`createClient(…)` from `redis`, connected or not), instead of `url`. The broker
   * sends its commands on it and makes a duplicate for pub/sub; `close()` closes the duplicate, not yours. Its
   * `socket.reconnectStrategy` is yours too: node-redis' default waits up to 2.2 s between attempts, so a node
   * may serve nothing for that long after Redis is back (the broker's own clients retry every 250 ms at most).
   */
  client?: RedisClient | undefined;
  /**
   * Put in front of every key and pub/sub channel name the broker uses, so that several apps (or several
   * deployments) can share one Redis. Nodes that serve the same clients must use the same prefix.
   * @default 'rs:'
   */
  prefix?: string | undefined;
  /**
   * How long a channel's position (offset and epoch) is kept after it was last published on or read, in
   * milliseconds (at least as long as its history). A client that comes back later to a channel whose
   * position was let go gets a `gap` (epoch), as after a Redis restart.
   * @default 86400000 (a day)
   */
  positionTtlMs?: number | undefined;
  /**
   * How often this node renews its hold on the sessions attached to it, in milliseconds. Should the node die,
   * those sessions are kept for the server's `sessionTtlMs` plus up to twice this, for their clients to resume
   * them on another node, then expire.
   * @default 10000
   */
  refreshIntervalMs?: number | undefined;
  /**
   * How many commands may wait for Redis at once (while it is slow or unreachable they wait, however long, and
   * go out in order once it is back); past it, new calls fail at once with a `BrokerError`, so that an outage costs
   * this node bounded memory.
   * @default 10000
   */
  maxPendingCommands?: number | undefined;
  /**
   * How many bytes of commands (their arguments: payloads, frames, keys) may wait for Redis at once; past it,
   * new calls fail at once with a `BrokerError`, as past `maxPendingCommands`. Commands wait without a time
   * limit (node-redis' 5 s command timeout is turned off for them): these two bounds are what an outage costs.
   * @default 16777216 (16 MiB)
   */
  maxPendingBytes?: number | undefined;
}

/** {@link RedisBrokerOptions} checked, with their defaults. */
export interface ResolvedRedisBrokerOptions {
  url: string | undefined;
  client: RedisClient | undefined;
  prefix: string;
  positionTtlMs: number;
  refreshIntervalMs: number;
  maxPendingCommands: number;
  maxPendingBytes: number;
}

const isClient = (value: unknown, path: string): RedisClient | undefined => {
  const methods = ['sendCommand', 'duplicate', 'connect', 'on'];
  if (
    value !== undefined &&
    !methods.every((name) => typeof (value as Record<string, unknown> | null)?.[name] === 'function')
  )
    fail(TypeError, path, 'a node-redis client (createClient() from "redis")', value);
  return value as RedisClient | undefined;
};

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveRedisBrokerOptions(options: unknown): ResolvedRedisBrokerOptions {
  const resolved = group<ResolvedRedisBrokerOptions>(options, 'options', {
    url: optional(text),
    client: isClient,
    prefix: (value, path) => (value === undefined ? 'rs:' : text(value, path)),
    positionTtlMs: num(86_400_000, 1, 2 ** 40, true),
    refreshIntervalMs: num(10_000, 10, MAX_TIMER_MS, true),
    maxPendingCommands: num(10_000, 1, 2 ** 32, true),
    maxPendingBytes: num(16 * 1024 * 1024, 1024, 2 ** 40, true),
  });
  if (resolved.url !== undefined && resolved.client !== undefined)
    throw new TypeError('reliable-socket: pass options.url or options.client to RedisBroker, not both');
  return resolved;
}
