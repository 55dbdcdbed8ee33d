// Drives a WebSocket-shaped object in the page — the browser's own `WebSocket` or `ReliableWebSocket` — and
// records what it dispatches, the same way for both, so that one test can hold them to the same behaviour.
import type { JSHandle, Page } from '@playwright/test';
import type { ReliableWebSocket, ReliableWebSocketOptions } from '../../src/websocket/index.js';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { openTestPage } from '../fixture/test.js';

declare global {
  interface Window {
    /** Set by test/pages/websocket.html, from the built dist/websocket.js. */
    ReliableWebSocket: typeof ReliableWebSocket;
  }
}

/** Which implementation a test drives: the browser's, or ours with the given options. */
export type Kind = 'native' | 'reliable';
export const KINDS: readonly Kind[] = ['native', 'reliable'];

/** One dispatched event as a listener saw it. */
export interface Seen {
  /** `handler` (an `on*` attribute) or `listener` (addEventListener). */
  via: 'handler' | 'listener';
  type: string;
  /** `readyState` when it was dispatched. */
  readyState: number;
  /** `this` and `event.target` were the socket. */
  bound: boolean;
  /** The event's class: `CloseEvent`, `MessageEvent` or `Event`. */
  class: string;
  code?: number;
  reason?: string;
  wasClean?: boolean;
  /** Text as is; binary as `blob:N` / `arraybuffer:N` (N bytes). */
  data?: string;
  /** `origin` of a message event. */
  origin?: string;
}

interface ProbeState {
  ws: WebSocket;
  seen: Seen[];
  /** `readyState` right after construction. */
  born: number;
}

/** Loads test/pages/websocket.html (the built entry, with an import map for the main entry). */
export async function openWebSocketPage(page: Page, server: FixtureServer): Promise<void> {
  await openTestPage(page, server, 'websocket');
}

/** A socket in the page with every event recorded, through its `on*` handlers then through listeners. */
export class WsProbe {
  private constructor(
    readonly page: Page,
    readonly handle: JSHandle<ProbeState>,
  ) {}

  static async open(
    page: Page,
    kind: Kind,
    url: string,
    options: ReliableWebSocketOptions = {},
  ): Promise<WsProbe> {
    const handle = await page.evaluateHandle(
      ({ kind, url, options }) => {
        const Impl = kind === 'native' ? WebSocket : window.ReliableWebSocket.with(options);
        const ws = new Impl(url);
        const seen: Seen[] = [];
        const entryOf = (event: Event, self: unknown, via: Seen['via']): Seen => {
          const entry: Seen = {
            via,
            type: event.type,
            readyState: ws.readyState,
            bound: self === ws && event.target === ws,
            class:
              event instanceof CloseEvent
                ? 'CloseEvent'
                : event instanceof MessageEvent
                  ? 'MessageEvent'
                  : 'Event',
          };
          if (event instanceof CloseEvent)
            Object.assign(entry, { code: event.code, reason: event.reason, wasClean: event.wasClean });
          if (event instanceof MessageEvent) {
            const { data } = event;
            entry.origin = event.origin;
            entry.data =
              typeof data === 'string'
                ? data
                : data instanceof Blob
                  ? `blob:${data.size}`
                  : `arraybuffer:${data.byteLength}`;
          }
          return entry;
        };
        for (const type of ['open', 'message', 'error', 'close'] as const) {
          ws[`on${type}`] = function (this: unknown, event: Event) {
            seen.push(entryOf(event, this, 'handler'));
          };
          ws.addEventListener(type, function (this: unknown, event: Event) {
            seen.push(entryOf(event, this, 'listener'));
          });
        }
        return { ws: ws as WebSocket, seen, born: ws.readyState };
      },
      { kind, url, options },
    );
    return new WsProbe(page, handle);
  }

  /** What the `on*` handlers saw, in order (the listeners saw the same, each right after its handler). */
  async events(): Promise<Seen[]> {
    const seen = await this.handle.evaluate((state) => state.seen);
    return seen.filter((entry) => entry.via === 'handler');
  }

  /** `readyState` right after construction. */
  born(): Promise<number> {
    return this.handle.evaluate((state) => state.born);
  }

  /** Every recorded entry, handlers and listeners interleaved as dispatched. */
  all(): Promise<Seen[]> {
    return this.handle.evaluate((state) => state.seen);
  }

  /** Resolves once `count` events of `type` were seen. */
  async waitFor(type: string, count = 1, timeoutMs = 10_000): Promise<Seen[]> {
    await this.page.waitForFunction(
      ([state, type, count]) =>
        state.seen.filter((e) => e.via === 'handler' && e.type === type).length >= count,
      [this.handle, type, count] as const,
      { timeout: timeoutMs, polling: 20 },
    );
    return this.events();
  }

  /** Runs `fn` on the socket in the page and returns its result. */
  run<R, A = undefined>(fn: (ws: WebSocket, arg: A) => R, arg?: A): Promise<R> {
    return this.handle.evaluate(
      (state, [source, arg]) => {
        // biome-ignore lint/security/noGlobalEval: the test's own function, shipped as source like page.evaluate does.
        const call = globalThis.eval(`(${source})`) as (ws: WebSocket, arg: unknown) => R;
        return call(state.ws, arg);
      },
      [fn.toString(), arg] as const,
    ) as Promise<R>;
  }
}
