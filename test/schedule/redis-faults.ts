import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from 'redis';
import type { RedisServer } from '../fixture/redis-server.js';

/**
 * The store faults of a schedule, on the test's real `redis-server`: a pause (`CLIENT PAUSE`: every command
 * waits), a restart with nothing kept, and a restart from an older snapshot (`SAVE` earlier, then that RDB file
 * loaded — what a restore from backup or a failover to a lagging replica does).
 */
export class RedisFaults {
  #snapshot = false;
  #schedules = 0;
  readonly #client: ReturnType<typeof createClient>;

  /** Controls `redis` through a connection of its own (straight to redis-server, not through the relay). */
  constructor(readonly redis: RedisServer) {
    this.#client = createClient({ url: redis.directUrl });
    this.#client.on('error', () => {}); // it reconnects by itself after a restart
  }

  /** Whether {@link snapshot} has been taken (so that {@link restore} has something to restore). */
  get hasSnapshot(): boolean {
    return this.#snapshot;
  }

  /** Every client's commands wait for `ms` (they are not refused). */
  async pause(ms: number): Promise<void> {
    await this.#command(['CLIENT', 'PAUSE', String(ms)]);
  }

  /** Saves what Redis holds now, for a later {@link restore}. */
  async snapshot(): Promise<void> {
    await this.#command(['SAVE']);
    await copyFile(this.#dump, this.#saved);
    await rm(this.#dump, { force: true });
    this.#snapshot = true;
  }

  /** Kills Redis and starts it empty. */
  async restart(): Promise<void> {
    await rm(this.#dump, { force: true });
    await this.redis.restart();
  }

  /** Kills Redis and starts it from the last {@link snapshot}: everything written since is gone. */
  async restore(): Promise<void> {
    await copyFile(this.#saved, this.#dump);
    await this.redis.restart();
    await rm(this.#dump, { force: true }); // a later plain restart must start empty
  }

  /**
   * Readies Redis for the next schedule: no snapshot to restore; every 25 schedules, emptied (each schedule
   * keeps its keys under a prefix of its own, so this only bounds Redis' memory).
   */
  async next(): Promise<void> {
    this.#snapshot = false;
    if (++this.#schedules % 25 === 0) await this.#command(['FLUSHALL']);
  }

  /** Closes the control connection. */
  close(): void {
    this.#client.destroy();
  }

  get #dump(): string {
    return path.join(this.redis.dir, 'dump.rdb');
  }

  get #saved(): string {
    return path.join(this.redis.dir, 'snapshot.rdb');
  }

  async #command(args: string[]): Promise<void> {
    if (!this.#client.isOpen) await this.#client.connect();
    await this.#client.sendCommand(args);
  }
}
