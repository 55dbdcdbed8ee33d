/** A constructor compatible with the browser's `WebSocket`, such as the `WebSocket` export of `ws` in Node. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** Options of {@link ReliableSocket}. Every field is optional; the default is given on each. */
export interface ReliableSocketOptions {
  /**
   * Subprotocols offered in the handshake (`Sec-WebSocket-Protocol`).
   * @default none
   */
  protocols?: string | string[] | undefined;
  /**
   * The WebSocket implementation to use. Needed where there is no global `WebSocket` (Node before 22:
   * `import { WebSocket } from 'ws'`), or to wrap the native one.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor | undefined;
}

/** Options with every default filled in and every value checked. */
export interface ResolvedOptions {
  protocols: string | string[] | undefined;
  WebSocket: WebSocketConstructor;
}

/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option. */
export function resolveOptions(options: ReliableSocketOptions = {}): ResolvedOptions {
  const WebSocketImpl = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
  if (typeof WebSocketImpl !== 'function') {
    throw new TypeError(
      "options.WebSocket: no WebSocket implementation found. In Node before 22, pass one: `import { WebSocket } from 'ws'`, then `new ReliableSocket(url, { WebSocket })`.",
    );
  }
  return { protocols: options.protocols, WebSocket: WebSocketImpl };
}
