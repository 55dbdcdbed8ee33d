/**
 * One interval for every countdown on the page (the retry countdown, the fault windows). It runs only while
 * someone is subscribed, so an idle page has no timer; `stop()` clears it for good.
 */
export class Ticker {
  readonly #listeners = new Set<() => void>();
  readonly #periodMs: number;
  #interval: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /** Calls `listener` every period (and once now) until the returned function is called. */
  add(listener: () => void): () => void {
    if (this.#stopped) return () => {};
    this.#listeners.add(listener);
    this.#interval ??= setInterval(() => {
      for (const each of this.#listeners) each();
    }, this.#periodMs);
    listener();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#clear();
    };
  }

  /** Stops for good: no listener is called again. */
  stop(): void {
    this.#stopped = true;
    this.#listeners.clear();
    this.#clear();
  }

  #clear(): void {
    clearInterval(this.#interval);
    this.#interval = undefined;
  }
}
