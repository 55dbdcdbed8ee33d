/** Why {@link SessionQuota} refused a new session. */
export type SessionRefusal = 'total' | 'address' | 'owner';

/** The keys a new session counts under: every one of them must have room. */
export interface SessionKeys {
  address: string;
  /** The session's owner; `''` (no owner) is not counted per owner. */
  owner: string;
}

/**
 * Bounds the sessions one node starts, in total, per client address and per owner (`maxSessions`,
 * `maxSessionsPerAddress`, `maxSessionsPerOwner`): a session outlives its connection by `sessionTtlMs`, so
 * sessions started within the last `windowMs` (that TTL) are those that may still be held for nobody. Resumed
 * sessions do not count: their place is given back. Owns a sweep timer (unref'd) that forgets quiet keys; {@link stop} clears it.
 */
export class SessionQuota {
  /** Start times (ms, monotonic) per key, oldest first. */
  readonly #starts = new Map<string, number[]>();
  readonly #limits: Record<SessionRefusal, number>;
  readonly #windowMs: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    limits: Record<SessionRefusal, number>,
    windowMs: number,
    readonly now: () => number = () => performance.now(),
  ) {
    this.#limits = limits;
    this.#windowMs = windowMs;
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(windowMs, 1000));
    this.#sweeper.unref();
  }

  /**
   * Takes a place for a session that may start for these keys (a `hello`, before the broker says whether it
   * resumes one): the function that gives the place back — call it when no new session came of it (a resume,
   * a failure) — or, when a key has no room, which one. Taken at once, so that hellos arriving together while
   * attaches are under way cannot all get past the limit.
   */
  take(keys: SessionKeys): (() => void) | SessionRefusal {
    const taken = [...this.#keysOf(keys)];
    for (const [kind, key] of taken) if (this.#recent(key) >= this.#limits[kind]) return kind;
    const at = this.now();
    for (const [, key] of taken) {
      const starts = this.#starts.get(key);
      if (starts) starts.push(at);
      else this.#starts.set(key, [at]);
    }
    let given = false;
    return () => {
      if (given) return;
      given = true;
      for (const [, key] of taken) {
        const starts = this.#starts.get(key);
        const index = starts?.lastIndexOf(at) ?? -1;
        if (index >= 0) starts!.splice(index, 1);
      }
    };
  }

  stop(): void {
    clearInterval(this.#sweeper);
    this.#starts.clear();
  }

  *#keysOf({ address, owner }: SessionKeys): Generator<[SessionRefusal, string]> {
    if (this.#limits.total !== Infinity) yield ['total', ''];
    if (this.#limits.address !== Infinity) yield ['address', `a:${address}`];
    if (owner !== '' && this.#limits.owner !== Infinity) yield ['owner', `o:${owner}`];
  }

  /** How many sessions `key` started within the window (forgetting older ones). */
  #recent(key: string): number {
    const starts = this.#starts.get(key);
    if (!starts) return 0;
    const since = this.now() - this.#windowMs;
    let expired = 0;
    while (expired < starts.length && starts[expired]! <= since) expired++;
    if (expired === starts.length) {
      this.#starts.delete(key);
      return 0;
    }
    if (expired > 0) starts.splice(0, expired);
    return starts.length;
  }

  #sweep(): void {
    for (const key of this.#starts.keys()) this.#recent(key);
  }
}
