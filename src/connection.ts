import type { CloseDetails, IncomingData, OutgoingData } from './events.js';
import { Heartbeat } from './heartbeat.js';
import type { WebSocketLike } from './options.js';
import type { ResolvedOptions } from './resolve-options.js';
import { Timer } from './timer.js';

/** What a {@link Connection} reports to its owner. */
export interface ConnectionHost {
  /** The handshake completed. */
  opened(): void;
  message(data: IncomingData): void;
  pong(rttMs: number): void;
  /** The connection ended by itself (closed, timed out, heartbeat dead). Called at most once. */
  ended(details: CloseDetails): void;
}

const lost = (reason: string): CloseDetails => ({ code: 1006, reason, wasClean: false });
const ignore = (): void => {};

/**
 * One native WebSocket, from creation to its end, with the timers that belong to it: the connect timeout
 * (until {@link established}), the heartbeat (while open) and the close timeout (after {@link close}). When it
 * ends it detaches every handler, clears every timer and closes the native socket in the background, so an
 * old socket can never speak to its owner again — a half-open TCP connection may take minutes to finish closing.
 */
export class Connection {
  readonly #ws: WebSocketLike;
  readonly #timer = new Timer();
  readonly #heartbeat: Heartbeat | undefined;
  #ended = false;
  /** How it will end if the server never answers the close() in progress. */
  #closing: CloseDetails | undefined;

  /** Creates the native socket; throws what its constructor throws (e.g. a SyntaxError for a bad URL). */
  readonly #host: ConnectionHost;

  constructor(url: string, options: ResolvedOptions, host: ConnectionHost) {
    this.#host = host;
    const ws = new options.WebSocket(url, options.protocols);
    this.#ws = ws;
    ws.binaryType = options.binaryType;
    if (options.heartbeat) {
      this.#heartbeat = new Heartbeat(options.heartbeat, {
        send: (frame) => ws.send(frame),
        dead: () => this.#end(lost('heartbeat timeout')),
        pong: (rttMs) => host.pong(rttMs),
      });
    }
    ws.onopen = () => {
      this.#heartbeat?.start();
      host.opened();
    };
    ws.onmessage = ({ data }: MessageEvent<IncomingData>) => {
      if (!this.#heartbeat?.received(data)) host.message(data);
    };
    ws.onclose = ({ code, reason, wasClean }: CloseEvent) => this.#end({ code, reason, wasClean });
    // An error event is always followed by a close event, which is what we act on. The handler must exist:
    // `ws` in Node throws an 'error' event nobody listens to.
    ws.onerror = ignore;
    this.#timer.set(() => this.#end(lost('connect timeout')), options.connectTimeoutMs);
  }

  get protocol(): string {
    return this.#ws.protocol;
  }

  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  /** The attempt has succeeded (handshake and onOpen done): the connect timeout no longer applies. */
  established(): void {
    if (!this.#ended) this.#timer.clear();
  }

  /** Whether the native socket is OPEN: after a close frame it is CLOSING, and its `send()` discards data. */
  get isOpen(): boolean {
    return this.#ws.readyState === 1;
  }

  /**
   * Hands a frame to the native socket if it is OPEN; false (nothing sent) otherwise. A CLOSING socket's
   * `send()` throws nothing and sends nothing, so the state is checked first.
   */
  send(data: OutgoingData): boolean {
    if (this.#ended || !this.isOpen) return false;
    this.#ws.send(data);
    return true;
  }

  /** Pings now to check the link (no-op without a heartbeat, or if a ping is already out). */
  probe(): void {
    this.#heartbeat?.probe();
  }

  /** Starts the closing handshake; ends when the server answers or after `timeoutMs`, whichever is first. */
  close(code: number, reason: string, timeoutMs: number): void {
    if (this.#ended) return;
    this.#heartbeat?.stop();
    const closing = { code, reason, wasClean: false };
    this.#closing = closing;
    this.#timer.set(() => this.#end(closing), timeoutMs);
    this.#ws.close(code, reason);
  }

  /** Stops waiting for the server's answer to close(): ends now, as the close timeout would. */
  closeNow(): void {
    if (this.#closing) this.#end(this.#closing);
  }

  /** Ends the connection at once without telling the owner (which already knows). */
  abandon(reason: string): void {
    this.#detach(reason);
  }

  #end(details: CloseDetails): void {
    if (this.#ended) return;
    this.#detach(details.reason);
    this.#host.ended(details);
  }

  #detach(reason: string): void {
    this.#ended = true;
    this.#timer.clear();
    this.#heartbeat?.stop();
    const ws = this.#ws;
    ws.onopen = ws.onmessage = ws.onclose = null;
    // CONNECTING or OPEN: close it in the background; its events are no longer ours.
    if (ws.readyState < 2) ws.close(1000, reason.slice(0, 123));
  }
}
