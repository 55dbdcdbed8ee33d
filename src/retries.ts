import { report } from './emitter.js';
import type { CloseDetails } from './events.js';
import type { ResolvedReconnect } from './resolve-options.js';
import { MAX_TIMER_MS } from './timer.js';

/**
 * Failed attempts (the first one included) with no connection opened, after which the socket emits one
 * `UnreachableError`: with the default backoff, within about 3 s (at most 7 s) of the start.
 */
export const UNREACHABLE_AFTER = 3;

/** The next retry: its number (1, 2, …) and how long to wait before it. */
export interface Retry {
  attempt: number;
  delayMs: number;
}

/**
 * The retry bookkeeping of one socket: how many retries since the last stable connection, and after a loss,
 * whether to retry and when — or why not. Two steps, so that the socket can move to `reconnecting` before app
 * hooks run: {@link verdict} (the policy alone) and {@link schedule} (the hooks).
 */
export class Retries {
  /** Retries since the last stable connection. */
  count = 0;
  /** When the current connection was established, on the monotonic clock (uptime is a duration). */
  #openedAt: number | undefined;
  /** Failed attempts in this life while none has opened yet; -1 once one has (nothing more to tell). */
  #failedBeforeOpen = 0;

  readonly #policy: ResolvedReconnect | false;

  constructor(policy: ResolvedReconnect | false) {
    this.#policy = policy;
  }

  /** A new life (`open()` after a close): the count starts again. */
  reset(): void {
    this.count = 0;
    this.#openedAt = undefined;
    this.#failedBeforeOpen = 0;
  }

  /** A connection was established. */
  opened(): void {
    this.#openedAt = performance.now();
    this.#failedBeforeOpen = -1;
  }

  /**
   * An attempt failed and will be retried: whether that makes {@link UNREACHABLE_AFTER} failures in a row with
   * no connection ever opened in this life — the moment to tell the app its setup is likely wrong (once). A
   * close with a code of the server's (4401 before `welcome`, say) proves it reachable: nothing more to tell.
   */
  unreachable({ code }: CloseDetails): boolean {
    if (code !== 1006) this.#failedBeforeOpen = -1;
    if (this.#failedBeforeOpen < 0) return false;
    return ++this.#failedBeforeOpen === UNREACHABLE_AFTER;
  }

  /** The current connection, if any, is over: one that stayed up `stableAfterMs` starts the count again. */
  ended(): void {
    const policy = this.#policy;
    if (policy && this.#openedAt !== undefined && performance.now() - this.#openedAt >= policy.stableAfterMs)
      this.count = 0;
    this.#openedAt = undefined;
  }

  /**
   * After an attempt failed or a connection was lost, what the policy alone says, before any hook is asked:
   * `'final'` (reconnection off, or a final close code — checked first, so a 1008 is never reported as
   * exhausted retries), `'exhausted'` (`maxRetries` used up), or undefined: ask {@link schedule}.
   */
  verdict(details: CloseDetails): 'final' | 'exhausted' | undefined {
    this.ended();
    const policy = this.#policy;
    if (!policy || policy.finalCloseCodes.includes(details.code)) return 'final';
    if (this.count >= policy.maxRetries) return 'exhausted';
    return undefined;
  }

  /**
   * Asks the app's hooks (`shouldReconnect`, then `delay`) about the retry {@link verdict} allowed: the next
   * retry, or `'final'` when `shouldReconnect` says no. Hooks that throw or answer nonsense are reported and
   * fall back to retrying after 1 s. The delay is capped at the longest a timer can wait.
   */
  schedule(details: CloseDetails): Retry | 'final' {
    const policy = this.#policy;
    if (!policy || !ask(policy.shouldReconnect, true, details)) return 'final';
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
