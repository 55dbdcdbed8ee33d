import { EventEmitter } from 'eventemitter3';
import { SocketClosedError } from './errors.js';
import { type ReliableSocketOptions, type ResolvedOptions, resolveOptions } from './options.js';

/** What `send()` accepts: the same as the native `WebSocket.send()`. */
export type OutgoingData = string | Blob | BufferSource;

/** Where the socket is in its life. */
export type SocketState = 'connecting' | 'open' | 'closing' | 'closed';

/** Events of {@link ReliableSocket}, by name, with the arguments each listener receives. */
export interface ReliableSocketEvents {
  /** The connection is open. */
  open: [];
  /** A frame arrived from the server. */
  message: [data: string | ArrayBuffer | Blob];
  /** The connection closed. */
  close: [event: { code: number; reason: string; wasClean: boolean }];
  /** Something went wrong that the socket could not handle itself. */
  error: [error: Error];
}

/** A WebSocket client that queues what is sent before the connection opens. */
export class ReliableSocket {
  /** The URL this socket connects to. */
  readonly url: string;
  readonly #options: ResolvedOptions;
  readonly #events = new EventEmitter<ReliableSocketEvents>();
  readonly #queue: OutgoingData[] = [];
  #ws: WebSocket;
  #state: SocketState = 'connecting';

  constructor(url: string | URL, options?: ReliableSocketOptions) {
    this.#options = resolveOptions(options);
    this.url = String(url);
    this.#ws = new this.#options.WebSocket(this.url, this.#options.protocols);
    this.#ws.onopen = () => {
      this.#state = 'open';
      for (const data of this.#queue.splice(0)) this.#ws.send(data);
      this.#events.emit('open');
    };
    this.#ws.onmessage = (event: MessageEvent) => this.#events.emit('message', event.data);
    this.#ws.onclose = ({ code, reason, wasClean }) => {
      this.#state = 'closed';
      this.#events.emit('close', { code, reason, wasClean });
    };
  }

  /** Where the socket is in its life. */
  get state(): SocketState {
    return this.#state;
  }

  /** Sends a frame now if open, otherwise queues it. Throws {@link SocketClosedError} after `close()`. */
  send(data: OutgoingData): 'sent' | 'queued' {
    if (this.#state === 'closing' || this.#state === 'closed') throw new SocketClosedError();
    if (this.#state !== 'open') {
      this.#queue.push(data);
      return 'queued';
    }
    this.#ws.send(data);
    return 'sent';
  }

  /** Closes the connection for good. */
  close(code = 1000, reason = ''): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#ws.close(code, reason);
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof ReliableSocketEvents>(
    event: E,
    listener: (...args: ReliableSocketEvents[E]) => void,
  ): () => void {
    this.#events.on(event, listener as never);
    return () => this.#events.off(event, listener as never);
  }
}
