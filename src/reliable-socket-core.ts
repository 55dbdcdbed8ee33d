import { isOffline, type LifeEvent, watchBrowserLife } from './browser-life.js';
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import {
  OnOpenError,
  QueueFullError,
  type ReliableSocketError,
  RetriesExhaustedError,
  SocketClosedError,
  UrlError,
} from './errors.js';
import type { CloseDetails, DropReason, IncomingData, OutgoingData, ReliableSocketEvents } from './events.js';
import type { FrameLayer } from './frame-layer.js';
import type { ReliableSocketOptions, UrlProvider } from './options.js';
import { type ResolvedOptions, resolveOptions, resolveUrl } from './resolve-options.js';
import { Retries } from './retries.js';
import { byteLength, SendQueue, type SendResult } from './send-queue.js';
import { checkTransition, type SocketState } from './state.js';
import { Timer } from './timer.js';
import type { AbortSignalLike } from './web-types.js';

const READY_STATE = { connecting: 0, open: 1, reconnecting: 0, closing: 2, closed: 3 } as const;

/**
 * A WebSocket that stays connected, for raw frames. It notices a dead link with an application-level
 * heartbeat, reconnects with exponential backoff and jitter, queues frames sent while not open and flushes them
 * in order before `open` is emitted, and never drops a frame without a `drop` event. {@link ReliableSocket}
 * adds typed channels on top; import this class instead when you do not need them, and bundlers leave the
 * channel code out.
 *
 * @example
 * ```ts
 * const socket = new ReliableSocketCore('wss://example.com/live', { heartbeat: { intervalMs: 10_000 } });
 * socket.on('message', (data) => console.log(data));
 * socket.on('reconnecting', ({ attempt, delayMs }) => console.log(`retry ${attempt} in ${delayMs} ms`));
 * socket.send('hello'); // queued until open
 * ```
 */
export class ReliableSocketCore {
  readonly #options: ResolvedOptions;
  readonly #events = new Emitter<ReliableSocketEvents>();
  readonly #queue: SendQueue;
  readonly #urlProvider: UrlProvider;
  /** The socket's one wait: the retry delay while `reconnecting`, the URL function's deadline while `connecting`. */
  readonly #timer = new Timer();
  readonly #unwatch: () => void;
  #state: SocketState = 'connecting';
  #connection: Connection | undefined;
  #url = '';
  readonly #retries: Retries;
  /** Connections established so far. */
  #connections = 0;
  /** Tells the current attempt from a superseded one still awaiting its URL. */
  #attemptId = 0;
  /**
   * The protocol layered on the frames, if any (set by {@link ReliableSocket} on its first channel).
   * @internal
   */
  protected layer: FrameLayer | undefined;

  /**
   * Starts connecting at once.
   * @param url `ws:`/`wss:` URL (`http(s):` and relative URLs are resolved like the native socket does), or a
   *   function called before every attempt that returns one, or a promise of one (to put a fresh token in it).
   * @throws TypeError or RangeError naming the bad argument or option.
   */
  constructor(url: UrlProvider, options?: ReliableSocketOptions) {
    this.#options = resolveOptions(options);
    this.#retries = new Retries(this.#options.reconnect);
    if (typeof url !== 'function') this.#url = resolveUrl(url, 'url');
    this.#urlProvider = url;
    const { maxMessages, maxBytes, overflow } = this.#options.queue;
    this.#queue = new SendQueue(maxMessages, maxBytes, overflow);
    this.#unwatch = watchBrowserLife((event) => this.#onLifeEvent(event));
    this.#connect();
  }

  /** Where the socket is in its life; see {@link SocketState}. */
  get state(): SocketState {
    return this.#state;
  }

  /** The native-style ready state: 0 connecting or reconnecting, 1 open, 2 closing, 3 closed. */
  get readyState(): 0 | 1 | 2 | 3 {
    return READY_STATE[this.#state];
  }

  /** The URL of the current or latest attempt (`''` until a URL function has returned one). */
  get url(): string {
    return this.#url;
  }

  /** The subprotocol the server selected on the current connection, or `''`. */
  get protocol(): string {
    return this.#connection?.protocol ?? '';
  }

  /** Bytes not yet on the wire: the queue's plus the native socket's buffer. */
  get bufferedAmount(): number {
    return this.#queue.bytes + (this.#connection?.bufferedAmount ?? 0);
  }

  /** Frames waiting in the queue for a connection. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /**
   * Sends a frame when open; otherwise queues it, to be sent in order right after the next connection opens.
   * A frame handed to a connection that then dies may be lost, as with any WebSocket: use request/response or
   * your own acknowledgements where that matters.
   * @returns `'sent'`, `'queued'`, or `'dropped'` (queue full with `overflow: 'drop-newest'`, or queueing
   *   disabled); every dropped frame is also reported by a `drop` event.
   * @throws {SocketClosedError} after `close()`. {@link QueueFullError} when full with `overflow: 'throw'`.
   */
  send(data: OutgoingData): SendResult {
    if (
      typeof data !== 'string' &&
      !(data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    ) {
      throw new TypeError(
        `reliable-socket: send() takes a string, Blob, ArrayBuffer or typed array, got ${data === null ? 'null' : typeof data} (JSON.stringify objects first)`,
      );
    }
    if (this.#state === 'open') {
      this.#connection!.send(data);
      return 'sent';
    }
    if (this.#state === 'closing' || this.#state === 'closed') throw new SocketClosedError();
    const result = this.#queue.push(data);
    if (!result) throw new QueueFullError();
    for (const frame of result.dropped) this.#dropped(frame, 'overflow');
    return result.queued ? 'queued' : 'dropped';
  }

  /**
   * Closes for good: no more reconnection, queued frames are reported as dropped (reason `'closed'`), and
   * nothing runs afterwards. Waits for the server's half of the closing handshake for at most the heartbeat
   * timeout (or the connect timeout without a heartbeat). Calling it again does nothing.
   * @param code 1000 or 3000–4999. @default 1000
   * @param reason At most 123 bytes of UTF-8. @default ''
   */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new RangeError(
        `reliable-socket: close() code must be 1000 or an integer from 3000 to 4999, got ${code}`,
      );
    }
    if (byteLength(String(reason)) > 123) {
      throw new RangeError('reliable-socket: close() reason must be at most 123 bytes of UTF-8');
    }
    const connection = this.#connection;
    if (connection) {
      this.#stop('closing', 'close()');
      const { heartbeat, connectTimeoutMs } = this.#options;
      connection.close(code, reason, heartbeat ? heartbeat.timeoutMs : connectTimeoutMs);
    } else {
      this.#finish({ code, reason, wasClean: true }, 'close()');
    }
  }

  /**
   * Drops the current connection (or attempt, or wait) and connects again now. The retry count is kept, so a
   * failure continues the backoff where it was.
   * @throws {SocketClosedError} after `close()`.
   */
  reconnect(): void {
    if (this.#state === 'closing' || this.#state === 'closed') throw new SocketClosedError();
    const wasOpen = this.#state === 'open';
    this.#timer.clear();
    this.#release('reconnect()');
    this.#retries.ended();
    if (this.#state !== 'connecting') this.#setState('connecting', 'reconnect()');
    this.#connect();
    if (wasOpen)
      this.#emit('close', { code: 1006, reason: 'reconnect()', wasClean: false, willReconnect: true });
  }

  /**
   * Resolves when the socket is open (at once if it is). Rejects with {@link SocketClosedError} if it closes for
   * good first, or with the signal's reason when `signal` aborts.
   */
  whenOpen(options?: { signal?: AbortSignalLike | undefined }): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) return reject(signal.reason);
      if (this.#state === 'open') return resolve();
      if (this.#state === 'closing' || this.#state === 'closed') return reject(new SocketClosedError());
      const settle = (outcome: () => void): void => {
        unsubscribe();
        signal?.removeEventListener('abort', abort);
        outcome();
      };
      const abort = (): void => settle(() => reject(signal?.reason));
      const unsubscribe = this.on('state', ({ to }) => {
        if (to === 'open') settle(resolve);
        else if (to === 'closing' || to === 'closed') settle(() => reject(new SocketClosedError()));
      });
      signal?.addEventListener('abort', abort);
    });
  }

  /**
   * Calls `listener` on every `event` until the returned function is called. Listeners are isolated as on a
   * native EventTarget: one that throws is reported (`reportError`) and the others still run.
   * @example
   * ```ts
   * const off = socket.on('state', ({ from, to, reason }) => console.log(`${from} → ${to}: ${reason}`));
   * off();
   * ```
   */
  on<E extends keyof ReliableSocketEvents>(
    event: E,
    listener: (...args: ReliableSocketEvents[E]) => void,
  ): () => void {
    return this.#events.on(event, listener);
  }

  #emit<E extends keyof ReliableSocketEvents>(event: E, ...args: ReliableSocketEvents[E]): void {
    this.#events.emit(event, ...args);
  }

  #receive(data: IncomingData): void {
    if (!this.layer?.receive(data)) this.#emit('message', data);
  }

  #dropped(data: OutgoingData, reason: DropReason): void {
    this.layer?.dropped(data, reason);
    this.#emit('drop', data, reason);
  }

  #setState(to: SocketState, reason: string): void {
    const from = this.#state;
    checkTransition(from, to);
    this.#state = to;
    this.#emit('state', { from, to, reason });
  }

  /** Starts an attempt (the state is `connecting`): resolves the URL, then opens a connection to it. */
  #connect(): void {
    const id = ++this.#attemptId;
    const provider = this.#urlProvider;
    if (typeof provider !== 'function') {
      this.#open(this.#url);
      return;
    }
    const current = (): boolean => id === this.#attemptId && this.#state === 'connecting';
    const fail = (cause: unknown): void => {
      if (current()) this.#failAttempt(new UrlError(cause), 'URL function failed');
    };
    this.#timer.set(() => fail(new Error('no URL within connectTimeoutMs')), this.#options.connectTimeoutMs);
    new Promise<string | URL>((resolve) => resolve(provider()))
      .then((url) => resolveUrl(url, "the URL function's result"))
      .then((url) => {
        if (!current()) return;
        this.#timer.clear();
        this.#url = url;
        this.#open(url);
      }, fail);
  }

  #open(url: string): void {
    try {
      const connection: Connection = new Connection(url, this.#options, {
        opened: () => this.#opened(connection),
        message: (data) => this.#receive(data),
        pong: (rttMs) => this.#emit('heartbeat', { rttMs }),
        ended: (details) => this.#ended(connection, details),
      });
      this.#connection = connection;
    } catch (cause) {
      // The native constructor refused the URL (scheme, port…): as good as a failed attempt.
      this.#failAttempt(new UrlError(cause), 'WebSocket constructor threw');
    }
  }

  /** Handshake done: run onOpen (it may send, and may hold the flush), then flush and announce `open`. */
  #opened(connection: Connection): void {
    const { onOpen } = this.#options;
    if (!onOpen) {
      this.#established(connection);
      return;
    }
    const context = {
      send: (data: OutgoingData) => connection.send(data),
      connection: this.#connections + 1,
    };
    new Promise<void>((resolve) => resolve(onOpen(context))).then(
      () => this.#established(connection),
      (cause) => {
        if (connection !== this.#connection || this.#state !== 'connecting') return;
        this.#release('onOpen failed');
        this.#failAttempt(new OnOpenError(cause), 'onOpen failed');
      },
    );
  }

  #established(connection: Connection): void {
    if (connection !== this.#connection || this.#state !== 'connecting') return;
    connection.established();
    this.#connections++;
    this.#retries.opened();
    const send = (data: OutgoingData): void => connection.send(data);
    this.layer?.connected(send);
    for (const data of this.#queue.drain()) send(data);
    this.layer?.flushed();
    this.#setState('open', 'connected');
    this.#emit('open');
  }

  #failAttempt(error: ReliableSocketError, reason: string): void {
    this.#emit('error', error);
    if (this.#state === 'connecting') this.#lost({ code: 1006, reason, wasClean: false });
  }

  /** The connection ended by itself: finish a close() in progress, or decide about retrying. */
  #ended(connection: Connection, details: CloseDetails): void {
    if (connection !== this.#connection) return;
    this.#release();
    if (this.#state === 'closing') this.#finish(details, 'closed');
    else this.#lost(details);
  }

  /** Lets go of the current connection (abandoning it if it is still live); requests sent on it fail. */
  #release(abandonReason?: string): void {
    if (abandonReason) this.#connection?.abandon(abandonReason);
    this.#connection = undefined;
    this.layer?.lost();
  }

  /** An attempt failed or a connection was lost: retry after a backoff delay, or close for good. */
  #lost(details: CloseDetails): void {
    const next = this.#retries.next(details);
    if (typeof next === 'string') {
      const error = next === 'exhausted' ? new RetriesExhaustedError(this.#retries.count) : undefined;
      this.#finish(details, 'connection lost', error);
      return;
    }
    this.#setState('reconnecting', details.reason || `closed with code ${details.code}`);
    this.#timer.set(() => this.#retry(), next.delayMs);
    this.#emit('close', { ...details, willReconnect: true });
    if (this.#state === 'reconnecting') this.#emit('reconnecting', next);
  }

  /** Retry time: connect, unless the browser is offline, in which case the `online` event will call again. */
  #retry(): void {
    if (isOffline()) return;
    this.#setState('connecting', 'retry');
    this.#connect();
  }

  #onLifeEvent(event: LifeEvent): void {
    if (this.#state === 'open') this.#connection?.probe();
    else if (this.#state === 'reconnecting' && event !== 'offline') {
      this.#timer.clear();
      this.#retry();
    }
  }

  /** Stops everything the socket owns and settles the queue, moving to `closing` or `closed`. */
  #stop(to: 'closing' | 'closed', reason: string): void {
    this.#timer.clear();
    this.#unwatch();
    const dropped = this.#queue.drain();
    this.#setState(to, reason);
    for (const data of dropped) this.#dropped(data, 'closed');
    this.layer?.closed();
  }

  #finish(details: CloseDetails, reason: string, error?: ReliableSocketError): void {
    this.#stop('closed', reason);
    if (error) this.#emit('error', error);
    this.#emit('close', { ...details, willReconnect: false });
  }
}
