/**
 * Playwright's Page, the part of it our browser specs use, over W3C WebDriver: navigate, evaluate (values and
 * handles), wait for a condition, init scripts, `page.clock`, page errors, screenshots. A spec written
 * against that subset runs unchanged in WebKit; anything else fails at once, naming itself (unsupported.ts).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { errors } from '@playwright/test';
import { WebDriverClock } from './clock.js';
import { createCodec, type HandleRef } from './codec.js';
import { WebDriverJSHandle } from './js-handle.js';
import { PageEvents, WebDriverResponse } from './page-events.js';
import type { CallRequest, CallResult, PageError } from './page-runtime.js';
import { BLANK_PATH, CALL, DISPOSE, DRAIN_ERRORS, LOAD, type LoadResult } from './scripts.js';
import { withUnsupported } from './unsupported.js';
import { WebDriverError, type WebDriverSession } from './webdriver-session.js';

/** The `polling: 'raf'` of waitForFunction (its default): about one frame. */
const RAF_POLL_MS = 16;

type PageFunction<A, R> = string | ((arg: A) => R | Promise<R>);
type Listener = (value: never) => void;

/** Something with `newPage()`, as `page.context()` returns. */
export interface PageOwner {
  newPage(): Promise<unknown>;
}

export class WebDriverPage {
  readonly clock = new WebDriverClock(this);
  readonly #session: WebDriverSession;
  readonly #owner: PageOwner;
  readonly #onClose: () => Promise<void>;
  readonly #initScripts: string[] = [];
  readonly #events = new PageEvents(() => this.#collectErrors());
  readonly #codec = createCodec({
    handleRef: (value) => (value instanceof WebDriverJSHandle ? value.ref : undefined),
    resolveHandle: () => undefined,
  });
  #url = 'about:blank';
  #closed = false;
  /** A collection is running, or a navigation (which a script run meanwhile can stall in WebKitWebDriver). */
  #busy = 0;

  constructor(session: WebDriverSession, owner: PageOwner, onClose: () => Promise<void>) {
    this.#session = session;
    this.#owner = owner;
    this.#onClose = onClose;
  }

  url(): string {
    return this.#url;
  }

  context(): PageOwner {
    return this.#owner;
  }

  isClosed(): boolean {
    return this.#closed;
  }

  on(event: string, listener: Listener): this {
    this.#events.on(event, listener);
    return this;
  }

  addListener = this.on;

  once(event: string, listener: Listener): this {
    this.#events.once(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.#events.off(event, listener);
    return this;
  }

  removeListener = this.off;

  /** Navigates and waits for the load event; init scripts run before the page's own scripts (scripts.ts). */
  async goto(url: string): Promise<WebDriverResponse | null> {
    this.#assertOpen('goto');
    this.#busy++;
    try {
      return await this.#goto(url);
    } finally {
      this.#busy--;
    }
  }

  async #goto(url: string): Promise<WebDriverResponse | null> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      // No server to write the page from: init scripts run after the load instead of before it.
      await this.#session.navigate(target.href);
      this.#url = target.href;
      for (const source of this.#initScripts) await this.evaluateExpression(source);
      return null;
    }
    await this.#session.navigate(new URL(BLANK_PATH, target).href);
    const loaded = await this.#session.executeAsync<LoadResult>(LOAD, [target.href, this.#initScripts]);
    if ('failed' in loaded) throw new Error(`page.goto: ${url}: ${loaded.failed}`);
    this.#url = loaded.url;
    this.#events.reportErrors(loaded.errors);
    const response = new WebDriverResponse(loaded);
    this.#events.emit('response', response);
    return response;
  }

  reload(): Promise<WebDriverResponse | null> {
    return this.goto(this.#url);
  }

  /** As Playwright's: a function (called with `arg`) or a script, run in every document loaded from now on. */
  async addInitScript(
    script: string | { path?: string; content?: string } | ((arg: never) => unknown),
    arg?: unknown,
  ) {
    if (typeof script === 'function') {
      this.addInitScriptSource(`(${script.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`);
    } else if (typeof script === 'string') {
      this.addInitScriptSource(script);
    } else {
      this.addInitScriptSource(script.content ?? readFileSync(script.path ?? '', 'utf8'));
    }
  }

  evaluate<R, A>(fn: PageFunction<A, R>, arg?: A): Promise<R> {
    return this.#evaluate(fn, arg, 'value') as Promise<R>;
  }

  evaluateHandle<R, A>(fn: PageFunction<A, R>, arg?: A): Promise<WebDriverJSHandle<R>> {
    return this.#evaluate(fn, arg, 'handle') as Promise<WebDriverJSHandle<R>>;
  }

  /**
   * Polls `fn(arg)` from the test (each poll a WebDriver call of about 2 ms) until it returns a truthy value,
   * and resolves with a handle to it. Polling from outside keeps it independent of the page's timers, which
   * `page.clock` may have stopped, and lets it survive navigations.
   */
  async waitForFunction<R, A>(
    fn: PageFunction<A, R>,
    arg?: A,
    options: { timeout?: number; polling?: number | 'raf' } = {},
  ): Promise<WebDriverJSHandle<R>> {
    const timeout = options.timeout ?? 0; // Playwright's default: no timeout of its own
    const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY;
    const interval = typeof options.polling === 'number' ? options.polling : RAF_POLL_MS;
    const request = this.#request(fn, arg, 'truthy-handle');
    for (;;) {
      this.#assertOpen('waitForFunction');
      try {
        const result = await this.#send(request, 'waitForFunction');
        if (result !== FALSY) return result as WebDriverJSHandle<R>;
      } catch (error) {
        if (!(error instanceof NavigatedError)) throw error;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new errors.TimeoutError(`page.waitForFunction: Timeout ${timeout}ms exceeded.`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
    }
  }

  async waitForTimeout(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** A PNG of the viewport, or with `fullPage` of the whole document element. */
  async screenshot(options: { path?: string; fullPage?: boolean } = {}): Promise<Buffer> {
    this.#assertOpen('screenshot');
    let png: Buffer;
    if (options.fullPage) {
      const found = await this.#session.command<Record<string, string>>('POST', '/element', {
        using: 'css selector',
        value: 'html',
      });
      const id = Object.values(found)[0];
      png = Buffer.from(await this.#session.command<string>('GET', `/element/${id}/screenshot`), 'base64');
    } else {
      png = await this.#session.screenshot();
    }
    if (options.path) await writeFile(options.path, png);
    return png;
  }

  /** Collects the page errors not reported yet (the `pageErrors` fixture calls this before it checks). */
  async flushPageErrors(): Promise<void> {
    if (this.#closed) return;
    const drained = await this.#session.executeSync<PageError[]>(DRAIN_ERRORS).catch(() => []);
    this.#events.reportErrors(drained);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flushPageErrors();
    this.#closed = true;
    this.#events.stop();
    this.#events.emit('close', this);
    await this.#onClose();
  }

  // For the clock and handles (ClockHost, HandleHost).

  addInitScriptSource(source: string): void {
    this.#initScripts.push(source);
  }

  evaluateExpression(expression: string): Promise<unknown> {
    return this.#evaluate(expression, undefined, 'value');
  }

  evaluateOn(target: HandleRef, source: string, arg: unknown, returns: 'value' | 'handle'): Promise<unknown> {
    return this.#send({ ...this.#request(source, arg, returns), isFunction: true, target }, 'evaluate');
  }

  async disposeHandle(ref: HandleRef): Promise<void> {
    if (this.#closed) return;
    await this.#session.executeSync(DISPOSE, [ref]).catch(() => {});
  }

  #evaluate(fn: PageFunction<never, unknown>, arg: unknown, returns: 'value' | 'handle'): Promise<unknown> {
    this.#assertOpen('evaluate');
    return this.#send(this.#request(fn, arg, returns), returns === 'value' ? 'evaluate' : 'evaluateHandle');
  }

  #request(fn: PageFunction<never, unknown>, arg: unknown, returns: CallRequest['returns']): CallRequest {
    return {
      source: String(fn),
      isFunction: typeof fn === 'function',
      arg: this.#codec.serialize(arg),
      returns,
    };
  }

  /** Runs one call in the page and turns its answer into a value, a handle, {@link FALSY} or an error. */
  async #send(request: CallRequest, method: string): Promise<unknown> {
    let result: CallResult | { failed: string };
    try {
      result = await this.#session.executeAsync<CallResult | { failed: string }>(CALL, [request]);
    } catch (error) {
      if (error instanceof WebDriverError && error.isNavigation) throw new NavigatedError(method);
      throw error;
    }
    if ('failed' in result) throw new Error(`page.${method}: ${result.failed}`);
    this.#events.reportErrors(result.errors);
    switch (result.outcome) {
      case 'value':
        return this.#codec.deserialize(result.value);
      case 'handle':
        return withUnsupported(new WebDriverJSHandle(this, result.handle), 'jsHandle');
      case 'falsy':
        return FALSY;
      case 'threw': {
        const { name, message, stack } = result.error;
        // The test's stack stays this error's; the page's is its cause.
        const cause = Object.assign(new Error(message), { name, stack });
        throw new Error(`page.${method}: ${name}: ${message}`, { cause });
      }
    }
  }

  /** The background collection of page errors: skipped while a navigation or another collection runs. */
  async #collectErrors(): Promise<void> {
    if (this.#busy > 0) return;
    this.#busy++;
    try {
      await this.flushPageErrors();
    } finally {
      this.#busy--;
    }
  }

  #assertOpen(method: string): void {
    if (this.#closed) throw new Error(`page.${method}: Target page, context or browser has been closed`);
  }
}

/** waitForFunction's "not yet". */
const FALSY = Symbol('falsy');

/** The document went away under an evaluation. */
class NavigatedError extends Error {
  constructor(method: string) {
    super(`page.${method}: Execution context was destroyed, most likely because of a navigation`);
  }
}
