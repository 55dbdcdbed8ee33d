// @ts-check
// Which publications are complete — received by every subscriber of every subscriber process: the lowest of the
// processes' watermarks. Each process reports its own as it advances (subscriber.mjs).

export class Progress {
  /** The highest sequence number every subscriber has received. */
  low = 0;
  /** @type {number[]} */
  #marks;
  /** @type {Set<{ target: number, resolve: () => void }>} */
  #waiters = new Set();
  /** @type {(low: number) => void} */
  onAdvance = () => {};
  /** The longest time between two advances since {@link watch} (or since the start), in ms. */
  longestStallMs = 0;
  #lastAdvanceMs = performance.now();

  /** @param {readonly import('./proc.mjs').Child[]} subscribers */
  constructor(subscribers) {
    this.#marks = subscribers.map(() => 0);
    subscribers.forEach((subscriber, i) => {
      subscriber.on('wm', ({ wm }) => {
        this.#marks[i] = Number(wm);
        const low = Math.min(...this.#marks);
        if (low <= this.low) return;
        this.low = low;
        const at = performance.now();
        this.longestStallMs = Math.max(this.longestStallMs, at - this.#lastAdvanceMs);
        this.#lastAdvanceMs = at;
        for (const waiter of this.#waiters) if (low >= waiter.target) waiter.resolve();
        this.onAdvance(low);
      });
    });
  }

  /** Starts measuring stalls from now. */
  watch() {
    this.#lastAdvanceMs = performance.now();
    this.longestStallMs = 0;
  }

  /** The longest stall since {@link watch}, counting the one still going on. */
  stallMs() {
    return Math.max(this.longestStallMs, performance.now() - this.#lastAdvanceMs);
  }

  /**
   * Resolves once publication `target` is complete; rejects if that takes longer than `timeoutMs`.
   * @param {number} target @param {number} timeoutMs @param {string} what for the error message
   * @returns {Promise<void>}
   */
  reach(target, timeoutMs, what) {
    if (this.low >= target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        target,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(`${what}: publication ${target} not complete within ${timeoutMs} ms (at ${this.low})`),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }
}
