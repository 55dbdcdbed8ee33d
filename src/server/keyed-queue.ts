import { isThenable } from './work.js';

/**
 * Runs steps one after another per key — a client's subscribe and unsubscribe frames per channel — so that
 * an asynchronous step (an async `canSubscribe`) keeps them in order. A step with nothing queued before it runs
 * at once, synchronously when it is synchronous; the others wait. At most `max` steps wait at once.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();
  #waiting = 0;

  constructor(
    readonly max: number,
    /** Told about each asynchronous step, to count it as work in progress. */
    readonly track: (step: Promise<void>) => void,
  ) {}

  /** Keys with a step running or waiting. */
  get busy(): number {
    return this.#tails.size;
  }

  /** The keys with a step running or waiting. */
  keys(): IterableIterator<string> {
    return this.#tails.keys();
  }

  /** Whether `key` has a step running or waiting. */
  has(key: string): boolean {
    return this.#tails.has(key);
  }

  /**
   * Runs `step` after the steps queued for `key`. Returns false, without running it, when it would have to
   * wait and `max` steps already do. Steps must not throw or reject: they handle their own failures.
   */
  run(key: string, step: () => void | PromiseLike<void>): boolean {
    const tail = this.#tails.get(key);
    if (tail) {
      if (this.#waiting >= this.max) return false;
      this.#waiting++;
      this.#queue(
        key,
        tail.then(() => {
          this.#waiting--;
          return step();
        }),
      );
      return true;
    }
    const result = step();
    if (isThenable(result)) this.#queue(key, Promise.resolve(result));
    return true;
  }

  #queue(key: string, step: Promise<void>): void {
    const tail: Promise<void> = step.then(
      () => this.#settled(key, tail),
      () => this.#settled(key, tail),
    );
    this.#tails.set(key, tail);
    this.track(tail);
  }

  #settled(key: string, tail: Promise<void>): void {
    if (this.#tails.get(key) === tail) this.#tails.delete(key);
  }
}
