/**
 * A token bucket that may go into debt: every frame (or byte) takes a token, and a client in debt waits until
 * the tokens it took early have refilled. Pure but for its clock, which tests replace.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    /** Tokens added per second. */
    readonly ratePerSecond: number,
    /** Most tokens the bucket holds (and starts with). */
    readonly burst: number,
    /** Milliseconds on a monotonic clock. */
    readonly now: () => number = () => performance.now(),
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes `count` tokens; returns how long to wait, in ms, until the bucket is out of debt (0: it is not in debt). */
  take(count = 1): number {
    this.#refill();
    this.#tokens -= count;
    return this.#debtMs();
  }

  /** How long until the bucket is out of debt, in ms (rounded up); 0 when it is not. */
  waitMs(): number {
    this.#refill();
    return this.#debtMs();
  }

  /** Whether the bucket holds all it can: it has nothing to remember. */
  full(): boolean {
    this.#refill();
    return this.#tokens >= this.burst;
  }

  #refill(): void {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.ratePerSecond) / 1000);
    this.#at = now;
  }

  #debtMs(): number {
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.ratePerSecond);
  }
}
