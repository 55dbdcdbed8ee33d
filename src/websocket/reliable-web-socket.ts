// Everything from the main entry is imported through index.js: the build turns that import into
// `reliable-socket`, so an app that uses both entries bundles the core once.

// Bundled into this entry (a few bytes): the same stable codes and messages as the main entry's.
import { fail, raise } from '../check.js';
import { DEV } from '../dev.js';
import {
  type CloseInfo,
  type CoreOptions,
  type OutgoingData,
  ReliableSocketCore,
  type UrlProvider,
} from '../index.js';
import { utf8Length } from '../utf8.js';
import { closeEvent, HandlerSlots } from './events.js';

/** Options of {@link ReliableWebSocket}: the core's, less what the WebSocket API sets itself. */
export interface ReliableWebSocketOptions
  extends Omit<CoreOptions, 'protocols' | 'binaryType' | 'startClosed' | 'heartbeat'> {
  /**
   * Application-level ping/pong, as on {@link ReliableSocketCore} — but off unless given here: a server that
   * does not speak this library's protocol does not answer its ping. Give the ping and pong shapes that
   * server understands (graphql-ws: `{ ping: '{"type":"ping"}', pong: (data) => data === '{"type":"pong"}' }`).
   * @default false
   */
  heartbeat?: CoreOptions['heartbeat'];
  /**
   * What a connection lost after `open` means.
   * - `false`: the end of this instance, as with the browser's WebSocket: `close` (once, final) and nothing
   *   more. Libraries that reconnect by constructing a new socket (graphql-ws, y-websocket, most that take a
   *   WebSocket constructor) then never have two live connections.
   * - `true`: the instance reconnects by itself, like reconnecting-websocket and partysocket: `close` for each
   *   lost connection (after `error` for each failed attempt), then `open` again. For code that holds one
   *   instance and redoes its handshake on every `open` (sharedb, apps written for reconnecting-websocket).
   *
   * Either way, failed attempts before the first `open` are retried per `reconnect` without an event.
   * @default false
   */
  reconnectAfterOpen?: boolean | undefined;
}

type ReadyState = 0 | 1 | 2 | 3;

/**
 * A class shaped like the browser's `WebSocket` — `EventTarget` events and `on*` handlers, the ready-state
 * constants, `readyState`, `bufferedAmount`, `binaryType`, `protocol`, `url`, `extensions`, `send()`,
 * `close()` — on top of {@link ReliableSocketCore}: pass it wherever a WebSocket constructor or instance is
 * expected. Its connection attempts are retried with backoff and jitter and time out, what is sent before
 * `open` is queued, and a configured heartbeat turns a dead link into a `close` in seconds.
 *
 * Where it differs from the native socket: `send()` while connecting queues instead of throwing; `close()`
 * without a code sends 1000 (the native socket sends none and reports 1005); `extensions` is always `''`.
 *
 * @example
 * ```ts
 * import { createClient } from 'graphql-ws';
 * import { ReliableWebSocket } from 'reliable-socket/websocket';
 *
 * const client = createClient({
 *   url: 'wss://example.com/graphql',
 *   webSocketImpl: ReliableWebSocket.with({
 *     heartbeat: { intervalMs: 10_000, timeoutMs: 5000, ping: '{"type":"ping"}', pong: (d) => d === '{"type":"pong"}' },
 *   }),
 * });
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below declares types only (listener overloads).
export class ReliableWebSocket extends EventTarget implements WebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  /**
   * This class with `options` built in, keeping the `new X(url, protocols)` shape — for libraries that take a
   * WebSocket constructor. The options are checked now. Options of an earlier `with()` are not inherited.
   * @example
   * ```ts
   * new WebsocketProvider(url, room, doc, { WebSocketPolyfill: ReliableWebSocket.with({ reconnect: { maxDelayMs: 10_000 } }) });
   * ```
   * @throws TypeError or RangeError naming the bad option.
   */
  static with(options: ReliableWebSocketOptions): typeof ReliableWebSocket {
    // An inert socket (it never connects) checks the options with the core's own messages.
    new ReliableSocketCore('ws://127.0.0.1/', { ...coreOptions(options, () => false), startClosed: true });
    return class extends ReliableWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, options);
      }
    };
  }

  readonly #core: ReliableSocketCore;
  readonly #handlers = new HandlerSlots(this);
  #readyState: ReadyState = 0;
  /** Connections opened so far: after one, a loss ends the instance unless `reconnectAfterOpen`. */
  #opens = 0;
  #binaryType: BinaryType = 'blob';
  /** `origin` of the message events: the origin of the connection's URL. */
  #origin = '';

  /**
   * Starts connecting at once, like the native constructor.
   * @param url `ws:`/`wss:` URL (`http(s):` and relative URLs resolve as natively), or a function called before
   *   every attempt that returns one (or a promise of one).
   * @param protocols subprotocols offered in the handshake.
   * @param options see {@link ReliableWebSocketOptions}; {@link with} builds them into a class instead.
   * @throws TypeError or RangeError naming the bad argument or option.
   */
  constructor(url: UrlProvider, protocols?: string | string[], options: ReliableWebSocketOptions = {}) {
    super();
    const again = options.reconnectAfterOpen === true;
    const core = new ReliableSocketCore(url, {
      ...coreOptions(options, () => this.#opens > 0 && !again),
      ...(protocols === undefined ? {} : { protocols }),
      // Binary frames arrive as ArrayBuffers and become Blobs here while `binaryType` says so: the property can
      // change at any time, and converting this way round keeps messages in order.
      binaryType: 'arraybuffer',
    });
    this.#core = core;
    core.on('open', () => {
      this.#opens++;
      this.#readyState = 1;
      this.#origin = new URL(core.url).origin;
      this.dispatchEvent(new Event('open'));
    });
    core.on('message', (data) => {
      const payload = typeof data !== 'string' && this.#binaryType === 'blob' ? new Blob([data]) : data;
      this.dispatchEvent(new MessageEvent('message', { data: payload, origin: this.#origin }));
    });
    core.on('close', (info) => this.#closed(info));
  }

  get CONNECTING(): 0 {
    return 0;
  }
  get OPEN(): 1 {
    return 1;
  }
  get CLOSING(): 2 {
    return 2;
  }
  get CLOSED(): 3 {
    return 3;
  }

  /** 0 connecting (also while retrying a first connection), 1 open, 2 closing, 3 closed. */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The URL of the current or latest attempt, resolved. */
  get url(): string {
    return this.#core.url;
  }

  /** The subprotocol the server selected, or `''`. */
  get protocol(): string {
    return this.#core.protocol;
  }

  /** Always `''`: the negotiated extensions are not known to this wrapper. */
  get extensions(): string {
    return '';
  }

  /** Bytes not yet on the wire: the queue's and the native socket's. */
  get bufferedAmount(): number {
    return this.#core.bufferedAmount;
  }

  /** How binary messages arrive from now on: `'blob'` or `'arraybuffer'`. @default 'blob' */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    // As natively, anything else is ignored.
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  get onopen(): ((this: WebSocket, event: Event) => unknown) | null {
    return this.#handlers.get('open');
  }
  set onopen(handler: ((this: WebSocket, event: Event) => unknown) | null) {
    this.#handlers.set('open', handler);
  }
  get onmessage(): ((this: WebSocket, event: MessageEvent) => unknown) | null {
    return this.#handlers.get('message');
  }
  set onmessage(handler: ((this: WebSocket, event: MessageEvent) => unknown) | null) {
    this.#handlers.set('message', handler);
  }
  get onclose(): ((this: WebSocket, event: CloseEvent) => unknown) | null {
    return this.#handlers.get('close');
  }
  set onclose(handler: ((this: WebSocket, event: CloseEvent) => unknown) | null) {
    this.#handlers.set('close', handler);
  }
  get onerror(): ((this: WebSocket, event: Event) => unknown) | null {
    return this.#handlers.get('error');
  }
  set onerror(handler: ((this: WebSocket, event: Event) => unknown) | null) {
    this.#handlers.set('error', handler);
  }

  /**
   * Sends `data` when open, queues it while connecting (the native socket throws there), and discards it once
   * closing or closed (as natively). Anything but binary data is sent as a string, as natively.
   * @throws what {@link ReliableSocketCore.send} throws for a full queue with `overflow: 'throw'`.
   */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    const state = this.#core.state;
    if (this.#readyState > 1 || state === 'closing' || state === 'closed') return;
    const binary = data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data);
    this.#core.send(binary ? (data as OutgoingData) : String(data));
  }

  /**
   * Closes, as natively: `readyState` becomes CLOSING at once, and `close` follows (after `error` if the
   * socket never opened). Does nothing when already closing or closed.
   * @param code 1000 or 3000–4999; others throw an `InvalidAccessError` DOMException. @default 1000
   * @param reason at most 123 bytes of UTF-8, or a `SyntaxError` DOMException. @default ''
   */
  close(code?: number, reason?: string): void {
    // The native exceptions, with its messages in the development build only.
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999))
      throw new DOMException(
        DEV ? `close code must be 1000 or 3000–4999, got ${code}` : '',
        'InvalidAccessError',
      );
    if (utf8Length(reason ?? '') > 123)
      throw new DOMException(DEV ? 'close reason must be at most 123 bytes of UTF-8' : '', 'SyntaxError');
    if (this.#readyState > 1) return;
    this.#readyState = 2;
    this.#core.close(code === undefined ? 1000 : Math.trunc(code), reason ?? '');
  }

  /**
   * A connection ended (or an attempt failed) and the core says whether it tries again. Before the first `open`
   * that is invisible, as if the handshake were slow; after it, `close` is final unless `reconnectAfterOpen`.
   * An attempt that never opened ends as natively: `error`, then `close` with 1006.
   */
  #closed(info: CloseInfo): void {
    if (info.willReconnect && this.#opens === 0) return;
    const failedAttempt = this.#opens === 0 || this.#readyState === 0;
    const next: ReadyState = info.willReconnect ? 0 : 3;
    const details = failedAttempt ? { code: 1006, reason: info.reason, wasClean: false } : info;
    // The native socket queues its events as tasks, never firing them inside close(); the core may announce
    // an end synchronously (close() while waiting to retry), so these wait for a microtask.
    queueMicrotask(() => {
      this.#readyState = next;
      if (failedAttempt) this.dispatchEvent(new Event('error'));
      this.dispatchEvent(closeEvent(details));
    });
  }
}

/** The core options an instance runs with: heartbeat off unless given, and a loss after open final unless asked. */
function coreOptions(options: ReliableWebSocketOptions, lostForGood: () => boolean): CoreOptions {
  if (typeof options !== 'object' || options === null)
    fail(TypeError, 'ReliableWebSocket options', DEV && 'an object', options);
  const { reconnectAfterOpen, heartbeat = false, reconnect, ...rest } = options;
  for (const key of ['protocols', 'binaryType', 'startClosed'])
    if (key in rest)
      raise(
        TypeError,
        'ERR_UNKNOWN_OPTION',
        `options.${key}`,
        DEV &&
          " is not a ReliableWebSocket option (protocols are the constructor's second argument, binaryType is a property)",
      );
  if (reconnectAfterOpen !== undefined && typeof reconnectAfterOpen !== 'boolean')
    fail(TypeError, 'options.reconnectAfterOpen', DEV && 'a boolean', reconnectAfterOpen);
  if (reconnect === false || (reconnect !== undefined && (typeof reconnect !== 'object' || !reconnect)))
    return { ...rest, heartbeat, reconnect };
  const asked = reconnect?.shouldReconnect;
  return {
    ...rest,
    heartbeat,
    reconnect: { ...reconnect, shouldReconnect: (close) => !lostForGood() && (asked ? asked(close) : true) },
  };
}

// Types only: the native WebSocket's typed listener overloads (`message` gives a MessageEvent, `close` a
// CloseEvent), which EventTarget's own methods implement at run time.
export interface ReliableWebSocket {
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, event: WebSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: WebSocket, event: WebSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
}
