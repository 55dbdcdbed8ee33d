/**
 * The events of a WebDriver page: `pageerror`, `response`, `close`. WebDriver classic pushes nothing to the
 * test, so page errors are recorded in the page (page-runtime.ts) and collected: with every call's answer,
 * and, while anyone listens for them, every {@link ERROR_POLL_MS} in the background.
 */

import type { PageError } from './page-runtime.js';
import type { LoadResult } from './scripts.js';

/** How often page errors are collected while someone listens for them. */
const ERROR_POLL_MS = 100;

type Listener = (value: never) => void;
export type PageEvent = 'pageerror' | 'response' | 'close';
const PAGE_EVENTS: ReadonlySet<string> = new Set<PageEvent>(['pageerror', 'response', 'close']);

/** The main document's response, as `page.on('response')` and `goto()` give it. */
export class WebDriverResponse {
  constructor(private readonly loaded: Exclude<LoadResult, { failed: string }>) {}
  url = (): string => this.loaded.url;
  status = (): number => this.loaded.status;
  statusText = (): string => this.loaded.statusText;
  ok = (): boolean => this.loaded.status >= 200 && this.loaded.status < 300;
  headers = (): Record<string, string> => Object.fromEntries(this.loaded.headers);
}

export class PageEvents {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #collect: () => Promise<void>;
  #poll: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `collect` fetches the page's recorded errors and passes them to {@link reportErrors}. */
  constructor(collect: () => Promise<void>) {
    this.#collect = collect;
  }

  on(event: string, listener: Listener): void {
    if (!PAGE_EVENTS.has(event)) {
      throw new Error(
        `page.on('${event}') is not supported in the webkit project (test/webdriver/): only ${[...PAGE_EVENTS].join(', ')}`,
      );
    }
    const listeners = this.#listeners.get(event) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(event, listeners);
    this.#updatePoll();
  }

  once(event: string, listener: Listener): void {
    const wrapper = ((value: never) => {
      this.off(event, wrapper);
      listener(value);
    }) as Listener;
    this.on(event, wrapper);
  }

  off(event: string, listener: Listener): void {
    this.#listeners.get(event)?.delete(listener);
    this.#updatePoll();
  }

  emit(event: PageEvent, value: unknown): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) listener(value as never);
  }

  /** Emits `pageerror` for each, as an Error with the page's name, message and stack. */
  reportErrors(reported: PageError[]): void {
    for (const { name, message, stack } of reported) {
      this.emit('pageerror', Object.assign(new Error(message), { name, stack }));
    }
  }

  /** No more background collection (the page closed). */
  stop(): void {
    this.#stopped = true;
    this.#updatePoll();
  }

  #updatePoll(): void {
    const wanted = !this.#stopped && (this.#listeners.get('pageerror')?.size ?? 0) > 0;
    if (wanted && !this.#poll) {
      this.#poll = setInterval(() => void this.#collect(), ERROR_POLL_MS);
      this.#poll.unref();
    } else if (!wanted && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = undefined;
    }
  }
}
