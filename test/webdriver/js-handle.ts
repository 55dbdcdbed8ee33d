/**
 * Playwright's JSHandle for WebDriver pages: a reference to a value kept in the page's handle registry
 * (page-runtime.ts). WebDriver has no remote object references, so the page keeps the value and the test
 * keeps its number; a navigation discards the registry, as it destroys Playwright's execution context.
 */
import type { HandleRef } from './codec.js';

/** What a handle needs from its page. */
export interface HandleHost {
  evaluateOn(target: HandleRef, source: string, arg: unknown, returns: 'value' | 'handle'): Promise<unknown>;
  disposeHandle(ref: HandleRef): Promise<void>;
}

export class WebDriverJSHandle<T = unknown> {
  /** Only for the type: `JSHandle<T>` carries `T` as Playwright's does. */
  declare readonly __type?: T;

  constructor(
    private readonly host: HandleHost,
    readonly ref: HandleRef,
  ) {}

  /** Calls `fn(value, arg)` in the page; resolves with its (serialisable) result. */
  evaluate<R, A>(fn: ((value: T, arg: A) => R | Promise<R>) | string, arg?: A): Promise<R> {
    return this.host.evaluateOn(this.ref, String(fn), arg, 'value') as Promise<R>;
  }

  /** Calls `fn(value, arg)` in the page; resolves with a handle to its result. */
  evaluateHandle<R, A>(
    fn: ((value: T, arg: A) => R | Promise<R>) | string,
    arg?: A,
  ): Promise<WebDriverJSHandle<R>> {
    return this.host.evaluateOn(this.ref, String(fn), arg, 'handle') as Promise<WebDriverJSHandle<R>>;
  }

  /** The value itself, serialised. */
  jsonValue(): Promise<T> {
    return this.evaluate((value) => value);
  }

  dispose(): Promise<void> {
    return this.host.disposeHandle(this.ref);
  }
}
