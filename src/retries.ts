import { report } from './emitter.js';
import type { CloseDetails } from './events.js';
import type { ResolvedReconnect } from './resolve-options.js';
import { MAX_TIMER_MS } from './timer.js';

/** The next retry: its number (1, 2, …) and how long to wait before it. */
export interface Retry {
  attempt: number;
  delayMs: number;
}

/**
 * The retry bookkeeping of one socket: how many retries since the last stable connection, and after a loss,
 * whether to retry and when — or why not: `'final'` (reconnection off, a final close code, or
 * `shouldReconnect` said no) or `'exhausted'` (`maxRetries` used up).
 */
export class Retries {
  /** Retries since the last stable connection. */
  count = 0;
  /** When the current connection was established, on the monotonic clock (uptime is a duration). */
  #openedAt: number | undefined;

  constructor(readonly policy: ResolvedReconnect | false) {}

  /** A connection was established. */
  opened(): void {
    this.#openedAt = performance.now();
  }

  /** The current connection, if any, is over: one that stayed up `stableAfterMs` starts the count again. */
  ended(): void {
    const { policy } = this;
    if (policy && this.#openedAt !== undefined && performance.now() - this.#openedAt >= policy.stableAfterMs)
      this.count = 0;
    this.#openedAt = undefined;
  }

  /** After an attempt failed or a connection was lost: the next retry, or why there is none. */
  next(details: CloseDetails): Retry | 'final' | 'exhausted' {
    this.ended();
    const { policy } = this;
    if (!policy) return 'final';
    if (this.count >= policy.maxRetries) return 'exhausted';
    if (policy.finalCloseCodes.includes(details.code) || !ask(policy.shouldReconnect, true, details))
      return 'final';
    const attempt = ++this.count;
    const delay = ask(policy.delay, 1000, attempt, details);
    return { attempt, delayMs: delay >= 0 ? Math.min(delay, MAX_TIMER_MS) : 1000 };
  }
}

/** Calls an app-supplied hook; if it throws or answers nonsense, reports it and answers `fallback`. */
function ask<A extends unknown[], R>(hook: (...args: A) => R, fallback: R, ...args: A): R {
  try {
    const answer = hook(...args);
    return typeof answer === typeof fallback ? answer : fallback;
  } catch (error) {
    report(error);
    return fallback;
  }
}
