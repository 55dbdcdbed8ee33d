// Helpers shared by reconnect.spec.ts, queue.spec.ts and lifecycle.spec.ts: page-side logs, and a way to run
// a call in the page and get back what it threw.
import type { Page } from '@playwright/test';
import type { FixtureServer } from '../fixture/fixture-server.js';

/** What a call in the page threw, made serialisable. */
export interface Caught {
  name: string;
  message: string;
  code: string | undefined;
  /** `instanceof RS.SocketClosedError`, judged in the page against the build it loaded. */
  socketClosedError: boolean;
  /** `instanceof RS.QueueFullError`. */
  queueFullError: boolean;
  typeError: boolean;
  rangeError: boolean;
}

declare global {
  interface Window {
    /** A log that factories and hooks in the page write to; read it with {@link pageLog}. */
    testLog?: unknown[];
    /** Lets the test release something the page is holding (e.g. an `onOpen` hook awaiting a promise). */
    testRelease?: () => void;
    /** Installed by {@link installCatch}. */
    catchIn?: (fn: () => unknown) => Caught | { returned: unknown };
  }
}

/** What the page wrote to `window.testLog`. */
export async function pageLog(page: Page): Promise<unknown[]> {
  return page.evaluate(() => window.testLog ?? []);
}

/** Defines `window.catchIn(fn)` in the page: runs `fn`, returns what it threw (or returned). */
export async function installCatch(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.catchIn = (fn) => {
      try {
        return { returned: fn() };
      } catch (error) {
        const e = error as Error & { code?: string };
        return {
          name: e.name,
          message: e.message,
          code: e.code,
          socketClosedError: error instanceof window.RS.SocketClosedError,
          queueFullError: error instanceof window.RS.QueueFullError,
          typeError: error instanceof TypeError,
          rangeError: error instanceof RangeError,
        };
      }
    };
  });
}

/** Handshakes the fixture has seen so far, by path and query (e.g. `/?token=2`). */
export const handshakeUrls = (server: FixtureServer): string[] => server.handshakes.map((h) => h.url);
