/** Whether a handler returned a promise (or any thenable) rather than a value. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/**
 * The handlers still running (requests, message handlers that returned a promise, `canSubscribe` decisions),
 * counted so that `close()` can let them finish before it closes the connections.
 */
export class Work {
  #running = 0;
  readonly #idle = new Set<() => void>();

  /** Counts `promise` as running until it settles (it is not otherwise observed: its outcome is not ours). */
  track(promise: PromiseLike<unknown>): void {
    this.#running++;
    const done = () => {
      if (--this.#running === 0) for (const resolve of this.#idle) resolve();
    };
    promise.then(done, done);
  }

  /** Resolves once nothing is running, or after `timeoutMs`, whichever comes first. */
  async idle(timeoutMs: number): Promise<void> {
    if (this.#running === 0) return;
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    const timer = setTimeout(resolve, timeoutMs);
    this.#idle.add(resolve);
    try {
      await settled;
    } finally {
      clearTimeout(timer);
      this.#idle.delete(resolve);
    }
  }
}
