import { BoundedQueue } from './bounded-queue.js';
import { isOffline, type LifeEvent, watchBrowserLife } from './browser-life.js';
import { fail } from './check.js';
import { Connection } from './connection.js';
import { DEV } from './dev.js';
import { Emitter, report } from './emitter.js';
import {
  OnOpenError,
  QueueFullError,
  type ReliableSocketError,
  RetriesExhaustedError,
  refusal,
  SocketClosedError,
  UnreachableError,
  UrlError,
} from './errors.js';
import type { CloseDetails, DropReason, IncomingData, OutgoingData, ReliableSocketEvents } from './events.js';
import type { FrameLayer, LayerHost } from './frame-layer.js';
import { log } from './logger.js';
import type { CoreOptions, UrlProvider } from './options.js';
import { type ResolvedOptions, resolveOptions, resolveUrl } from './resolve-options.js';
import { Retries, UNREACHABLE_AFTER } from './retries.js';
import { byteLength, type Queued, queued, type SendResult } from './send-queue.js';
import { checkTransition, type SocketState } from './state.js';
import { Timer } from './timer.js';

const READY_STATE = { connecting: 0, open: 1, reconnecting: 0, closing: 2, closed: 3 } as const;

/** An event and its arguments, as announced after a transition. */
type Announced = {
  [E in keyof ReliableSocketEvents]: [E, ...ReliableSocketEvents[E]];
}[keyof ReliableSocketEvents];

/**
 * A WebSocket that stays connected, for raw frames. It notices a dead link with an application-level
 * heartbeat, reconnects with exponential backoff and jitter, queues frames sent while not open and flushes them
 * in order before `open` is emitted, and never drops a frame without a `drop` event. {@link ReliableSocket}
 * adds typed channels on top; import this class instead when you do not need them, and bundlers leave the
 * channel code out.
 *
 * Listeners may call back into the socket (`close()`, `reconnect()`, `send()`) from inside any event: every
 * transition finishes its own bookkeeping (state, timers, connection, queue) before any listener runs, and
 * stops announcing as soon as a listener has moved the socket on.
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
  readonly #queue: BoundedQueue<Queued>;
  readonly #urlProvider: UrlProvider;
  /** The socket's one wait: the retry delay while `reconnecting`, the URL function's deadline while `connecting`. */
  readonly #timer = new Timer();
  /** Stops watching the page (online, visible, pageshow); set while a life is under way. */
  #unwatch: () => void = () => {};
  readonly #retries: Retries;
  #state: SocketState = 'connecting';
  /**
   * Counts transitions and attempts. An announcement, a URL function's answer or a deferred failure belongs to
   * the step it was made in, and is dropped once the socket has moved on (a listener called `close()`…).
   */
  #step = 0;
  #connection: Connection | undefined;
  #url = '';
  /** Connections established so far. */
  #connections = 0;
  /**
   * Dropped frames not yet reported, with whether the layer dropped them itself (else it hears of them too);
   * reported in order, also when a `drop` listener re-enters.
   */
  readonly #drops: Array<[OutgoingData, DropReason, fromLayer?: boolean]> = [];
  /**
   * Set while the end of a life is announced (state, drops, the final close): an `open()` from a listener then
   * waits until the old life has said everything, and starts the new one right after.
   */
  #ending: { reopen: boolean } | undefined;
  /** The protocol layered on the frames, if any (see {@link attach}). */
  #layer: FrameLayer | undefined;

  /**
   * Starts connecting at once.
   * @param url `ws:`/`wss:` URL (`http(s):` and relative URLs are resolved like the native socket does), or a
   *   function called before every attempt that returns one, or a promise of one (to put a fresh token in it).
   * @throws TypeError or RangeError naming the bad argument or option.
   */
  constructor(url: UrlProvider, options?: CoreOptions) {
    this.#options = resolveOptions(options, typeof url !== 'function');
    this.#retries = new Retries(this.#options.reconnect);
    if (typeof url !== 'function') this.#url = resolveUrl(url, 'url');
    this.#urlProvider = url;
    this.#queue = new BoundedQueue(this.#options.queue);
    if (this.#options.logger) log(this, this.#options.logger);
    if (this.#options.startClosed) this.#state = 'closed';
    else this.#begin();
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
   * Sends a frame when open; otherwise queues it (binary data is copied, as the native `send()` does), to be
   * sent in order right after the next connection opens. A frame handed to a connection that then dies may be
   * lost, as with any WebSocket: use request/response or your own acknowledgements where that matters.
   * @returns `'sent'`, `'queued'`, or `'dropped'` (queue full with `overflow: 'drop-newest'`, or queueing
   *   disabled); every dropped frame is also reported by a `drop` event.
   * @throws {SocketClosedError} after `close()`. {@link QueueFullError} when full with `overflow: 'throw'`.
   *   TypeError for data the native socket cannot send (or a detached buffer).
   */
  send(data: OutgoingData): SendResult {
    if (
      typeof data !== 'string' &&
      !(data instanceof Blob || data instanceof ArrayBuffer || ArrayBuffer.isView(data))
    ) {
      fail(
        TypeError,
        'send() data',
        DEV && 'a string, Blob, ArrayBuffer or typed array (JSON.stringify objects first)',
        data,
      );
    }
    if (this.#state === 'closing' || this.#state === 'closed') throw new SocketClosedError();
    // Open, but the native socket may already be CLOSING (the server's close frame is in): then queue.
    if (this.#state === 'open' && this.#connection?.send(data)) return 'sent';
    const result = this.#queue.push(queued(data));
    if (!result) throw new QueueFullError();
    this.#drop(result.dropped, 'overflow');
    return result.kept ? 'queued' : 'dropped';
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
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999))
      fail(RangeError, 'close() code', DEV && '1000 or an integer from 3000 to 4999', code);
    if (byteLength(String(reason)) > 123)
      fail(RangeError, 'close() reason', DEV && 'at most 123 bytes of UTF-8', reason);
    const connection = this.#connection;
    if (!connection) {
      this.#finish({ code, reason, wasClean: true }, 'close()');
      return;
    }
    const announce = this.#stop('closing', 'close()');
    const { heartbeat, connectTimeoutMs } = this.#options;
    connection.close(code, reason, heartbeat ? heartbeat.timeoutMs : connectTimeoutMs);
    announce();
    this.#reportDrops();
  }

  /**
   * Starts a new life after `close()`, after retries ran out, or with `startClosed`: connects with a fresh retry
   * count (the queue is empty: what it held was reported dropped at the close). During `closing` it stops
   * waiting for the server's answer, ends that life (its final `close` event), then starts the new one. Does
   * nothing while connecting, open or reconnecting.
   */
  open(): void {
    if (this.#ending) {
      this.#ending.reopen = true;
      return;
    }
    if (this.#state === 'closing') this.#connection?.closeNow();
    if (this.#state !== 'closed') return;
    this.#retries.reset();
    if (this.#moveTo('connecting', 'open()')()) this.#begin();
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
    if (this.#state === 'connecting') {
      this.#step++; // the attempt under way is superseded
      this.#connect();
      return;
    }
    const close: Announced = [
      'close',
      { code: 1006, reason: 'reconnect()', wasClean: false, willReconnect: true },
    ];
    if (this.#moveTo('connecting', 'reconnect()')(...(wasOpen ? [close] : []))) this.#connect();
  }

  /**
   * Calls `listener` on every `event` until the returned function is called — the only way to remove it. A
   * listener is isolated as on a native EventTarget: one that throws is reported (`reportError`) and the others
   * still run. More than 100 listeners of one event are reported on the console: usually a leak.
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

  /**
   * Calls `listener` on the next `event` only, then forgets it; the returned function removes it before that.
   * @example
   * ```ts
   * socket.once('open', () => console.log('back online'));
   * ```
   */
  once<E extends keyof ReliableSocketEvents>(
    event: E,
    listener: (...args: ReliableSocketEvents[E]) => void,
  ): () => void {
    return this.#events.once(event, listener);
  }

  /**
   * Layers a protocol on the frames (channels, in {@link ReliableSocket}); called once. Beyond {@link LayerHost},
   * the layer may drop a connection that is out of step with it (`resync`: lost, then reconnected with backoff),
   * emit a frame it held as a raw `message`, and read `connectTimeoutMs`.
   * @internal
   */
  protected attach(
    layer: (
      host: LayerHost & {
        resync(reason: string): void;
        message(data: IncomingData): void;
        readonly connectTimeoutMs: number;
      },
    ) => FrameLayer,
  ): void {
    const socket = this;
    const attached = layer({
      send: (frame) => this.send(frame),
      withdraw: (frame) => !!this.#queue.take((entry) => entry.data === frame),
      queued: (frame) => this.#queue.entries.some((entry) => entry.data === frame),
      drop: (frame, reason) => {
        this.#drops.push([frame, reason, true]);
        this.#reportDrops();
      },
      report: (error) => this.#emit('error', error),
      resync: (reason) => {
        const connection = this.#connection;
        if (!connection || (this.#state !== 'connecting' && this.#state !== 'open')) return;
        connection.abandon(reason);
        this.#ended(connection, { code: 1006, reason, wasClean: false });
      },
      message: (data) => {
        if (this.#state !== 'closing' && this.#state !== 'closed') this.#emit('message', data);
      },
      queue: this.#options.queue,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      get state() {
        return socket.#state;
      },
    });
    this.#layer = attached;
    const connection = this.#connection;
    if (!connection?.isOpen || (this.#state !== 'connecting' && this.#state !== 'open')) return;
    const send = (frame: string): boolean => connection.send(frame);
    // Attached inside onOpen (the first channel() call is there): the layer joins the connection's onOpen phase.
    attached.opening(send);
    // Attached once open (a channel opened after `open`): the queue was flushed already, so the layer is told
    // so at once; its own frames wait for its handshake on this connection (ReliableSocket: `welcome`).
    if (this.#state === 'open') attached.connected(send);
  }

  #emit<E extends keyof ReliableSocketEvents>(event: E, ...args: ReliableSocketEvents[E]): void {
    this.#events.emit(event, ...args);
  }

  /**
   * Moves to `to` and returns the function that announces it: `state`, then `events` in order — each only while
   * no listener has moved the socket on meanwhile — and says whether the socket is still where it moved to.
   * Callers finish their bookkeeping before announcing, and carry on only if it says yes.
   */
  #moveTo(to: SocketState, reason: string): (...events: Announced[]) => boolean {
    const from = this.#state;
    if (DEV) checkTransition(from, to);
    this.#state = to;
    const step = ++this.#step;
    return (...events) => {
      for (const [event, ...args] of [['state', { from, to, reason }], ...events] as Announced[]) {
        if (step !== this.#step) break;
        this.#events.emit(event, ...(args as [never]));
      }
      return step === this.#step;
    };
  }

  #receive(data: IncomingData): void {
    // As on the native socket, nothing is delivered once close() has been called.
    if (this.#state === 'closing' || this.#state === 'closed') return;
    if (!this.#layer?.receive(data)) this.#emit('message', data);
  }

  #drop(entries: Queued[], reason: DropReason): void {
    for (const { data } of entries) this.#drops.push([data, reason]);
    this.#reportDrops();
  }

  /** Reports every unreported drop, oldest first; a listener that re-enters finds the rest still in line. */
  #reportDrops(): void {
    for (let next = this.#drops.shift(); next; next = this.#drops.shift()) {
      const [frame, reason, fromLayer] = next;
      if (!fromLayer) this.#layer?.dropped(frame, reason);
      this.#emit('drop', frame, reason);
    }
  }

  /** Starts a life (the state is `connecting`): watches the page, and makes the first attempt. */
  #begin(): void {
    this.#unwatch = watchBrowserLife((event) => this.#onLifeEvent(event));
    this.#connect();
  }

  /** Starts an attempt (the state is `connecting`): resolves the URL, then opens a connection to it. */
  #connect(): void {
    const step = this.#step;
    const provider = this.#urlProvider;
    if (typeof provider !== 'function') {
      this.#open(this.#url, step);
      return;
    }
    const fail = (cause: unknown): void => {
      if (step === this.#step) this.#failAttempt(new UrlError(cause), 'URL function failed');
    };
    this.#timer.set(() => fail(new Error('no URL within connectTimeoutMs')), this.#options.connectTimeoutMs);
    new Promise<string | URL>((resolve) => resolve(provider()))
      .then((url) => resolveUrl(url, "the URL function's result"))
      .then((url) => {
        if (step !== this.#step) return;
        this.#timer.clear();
        this.#url = url;
        this.#open(url, step);
      }, fail);
  }

  #open(url: string, step: number): void {
    try {
      const connection: Connection = new Connection(url, this.#options, {
        opened: () => this.#opened(connection),
        message: (data) => this.#receive(data),
        pong: (rttMs) => this.#emit('heartbeat', { rttMs }),
        ended: (details) => this.#ended(connection, details),
      });
      this.#connection = connection;
    } catch (cause) {
      // The native constructor refused the URL (scheme, port…): as good as a failed attempt. Reported from a
      // microtask, so that listeners attached right after `new` hear about a first attempt failing.
      queueMicrotask(() => {
        if (step === this.#step) this.#failAttempt(new UrlError(cause), 'WebSocket constructor threw');
      });
    }
  }

  /**
   * Handshake done: the layer greets the server and `onOpen` runs (either may send, and hold the flush with a
   * promise); when both are done, flush and announce `open`.
   */
  #opened(connection: Connection): void {
    const ready = this.#layer?.opening((frame) => connection.send(frame));
    const { onOpen } = this.#options;
    if (!onOpen && !ready) {
      this.#established(connection);
      return;
    }
    const context = {
      send: (data: OutgoingData) => void connection.send(data),
      connection: this.#connections + 1,
    };
    Promise.all([ready, onOpen && new Promise<void>((resolve) => resolve(onOpen(context)))]).then(
      () => this.#established(connection),
      (cause) => {
        if (connection === this.#connection && this.#state === 'connecting')
          this.#failAttempt(new OnOpenError(cause), 'onOpen failed');
      },
    );
  }

  #established(connection: Connection): void {
    const current = (): boolean => connection === this.#connection && this.#state === 'connecting';
    // A native socket that is already CLOSING (the server closed right after the handshake) would swallow the
    // queue without a word: keep the frames, and let its close event (or the connect timeout) end the attempt.
    if (!current() || !connection.isOpen) return;
    connection.established();
    this.#connections++;
    this.#retries.opened();
    this.#layer?.connected((frame) => connection.send(frame));
    this.#flush(connection);
    // A `drop` listener (a frame the implementation refused) may have moved the socket on.
    if (current()) this.#moveTo('open', 'connected')(['open']);
  }

  /** Sends the queue, oldest first. A frame the implementation throws on is reported and dropped, not lost. */
  #flush(connection: Connection): void {
    for (let entry = this.#queue.take(); entry; entry = this.#queue.take()) {
      try {
        if (connection.send(entry.data)) continue;
        this.#queue.unshift(entry); // not accepted: it waits for the next connection
        return;
      } catch (error) {
        report(error);
        this.#drop([entry], 'error');
      }
    }
  }

  /** The attempt under way failed (state `connecting`): let go of it, and retry or close for good. */
  #failAttempt(error: ReliableSocketError, reason: string): void {
    this.#release(reason);
    this.#lost({ code: 1006, reason, wasClean: false }, error);
  }

  /** The connection ended by itself: finish a close() in progress, or decide about retrying. */
  #ended(connection: Connection, details: CloseDetails): void {
    if (connection !== this.#connection) return;
    this.#release();
    if (this.#state === 'closing') this.#finish(details, 'closed');
    else this.#lost(details);
  }

  /** Lets go of the current connection (abandoning it if it is still live); the layer hears it is lost. */
  #release(abandonReason?: string): void {
    if (!this.#connection) return;
    if (abandonReason) this.#connection.abandon(abandonReason);
    this.#connection = undefined;
    this.#layer?.lost();
  }

  /**
   * An attempt failed or a connection was lost: close for good if the policy says so; otherwise move to
   * `reconnecting` first — the app's hooks (`shouldReconnect`, `delay`) then run in that state — and wait.
   * `error` says why, if known: by default, the close refused the credentials (4401, 4403), or nothing.
   */
  #lost(details: CloseDetails, error = refusal(details)): void {
    const verdict = this.#retries.verdict(details);
    if (verdict) {
      const exhausted = verdict === 'exhausted' ? new RetriesExhaustedError(this.#retries.count) : undefined;
      this.#finish(details, 'connection lost', error, exhausted);
      return;
    }
    const announce = this.#moveTo('reconnecting', details.reason || `closed with code ${details.code}`);
    const step = this.#step;
    // After the first attempts all failed, one error that lists the likely causes (src/retries.ts).
    const unreachable = this.#retries.unreachable(details)
      ? new UnreachableError(this.#url, UNREACHABLE_AFTER)
      : undefined;
    const errors: Announced[] = [];
    for (const e of [error, unreachable]) if (e) errors.push(['error', e]);
    if (!announce(...errors)) return;
    const next = this.#retries.schedule(details);
    if (step !== this.#step) return; // a hook called close() or reconnect()
    if (next === 'final') {
      this.#finish(details, 'shouldReconnect() said no');
      return;
    }
    this.#timer.set(() => this.#retry(next.delayMs), next.delayMs);
    this.#emit('close', { ...details, willReconnect: true });
    if (step === this.#step) this.#emit('reconnecting', next);
  }

  /**
   * Retry time: connect — unless the browser says it is offline: then wait for `online`, and look again after
   * `delayMs` anyway (some environments never fire `online`: an emulated network, a worker in some browsers).
   */
  #retry(delayMs = 1000): void {
    if (isOffline()) {
      this.#timer.set(() => this.#retry(delayMs), delayMs);
      return;
    }
    if (this.#moveTo('connecting', 'retry')()) this.#connect();
  }

  #onLifeEvent(event: LifeEvent): void {
    if (this.#state === 'open') this.#connection?.probe();
    else if (this.#state === 'reconnecting' && event !== 'offline') {
      this.#timer.clear();
      this.#retry();
    }
  }

  /**
   * Stops everything the socket owns and settles the queue (its frames become drops to report), moving to
   * `closing` or `closed`; returns the announcement of that move.
   */
  #stop(to: 'closing' | 'closed', reason: string): () => void {
    this.#timer.clear();
    this.#unwatch();
    for (const { data } of this.#queue.takeWhile()) this.#drops.push([data, 'closed']);
    const announce = this.#moveTo(to, reason);
    this.#layer?.closed();
    return announce;
  }

  #finish(details: CloseDetails, reason: string, ...errors: Array<ReliableSocketError | undefined>): void {
    const ending = { reopen: false };
    this.#ending = ending;
    this.#stop('closed', reason)();
    this.#reportDrops();
    for (const error of errors) if (error) this.#emit('error', error);
    this.#emit('close', { ...details, willReconnect: false });
    this.#ending = undefined;
    if (ending.reopen) this.open();
  }
}
