import type { ResolvedRateLimit } from './options.js';
import { TokenBucket } from './token-bucket.js';

/**
 * The byte budgets that history replays draw on, one per client address (`rateLimit.bytesPerSecond` and
 * `burstBytes`): shared by the address's connections and kept across its reconnections, so that neither
 * reconnecting nor opening more connections buys a fresh burst of replays. A budget lives while a connection
 * of its address holds it, and after, until it has refilled (a sweep, every few seconds, forgets it then).
 * Owns the sweep timer (unref'd); {@link stop} clears it.
 */
export class ReplayBudgets {
  readonly #budgets = new Map<string, { bucket: TokenBucket; holders: number }>();
  readonly #rate: ResolvedRateLimit | false;
  readonly #sweeper: NodeJS.Timeout | undefined;

  constructor(rate: ResolvedRateLimit | false) {
    this.#rate = rate;
    if (rate) {
      this.#sweeper = setInterval(() => this.#sweep(), 5000);
      this.#sweeper.unref();
    }
  }

  /** The budget of `address` (none without a rate limit), held until {@link release}. */
  hold(address: string): TokenBucket | undefined {
    if (!this.#rate) return undefined;
    let budget = this.#budgets.get(address);
    if (!budget) {
      budget = { bucket: new TokenBucket(this.#rate.bytesPerSecond, this.#rate.burstBytes), holders: 0 };
      this.#budgets.set(address, budget);
    }
    budget.holders++;
    return budget.bucket;
  }

  /** A connection of `address` ended. */
  release(address: string): void {
    const budget = this.#budgets.get(address);
    if (budget) budget.holders--;
  }

  stop(): void {
    clearInterval(this.#sweeper);
    this.#budgets.clear();
  }

  #sweep(): void {
    for (const [address, { bucket, holders }] of this.#budgets)
      if (holders === 0 && bucket.full()) this.#budgets.delete(address);
  }
}
