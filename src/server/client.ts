import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import { type ClientFrame, decodeClientFrame, encode, type ServerFrame } from '../protocol.js';
import type { ChannelMap, ChannelOf, DisconnectInfo, MalformedInfo, ServerClient } from './types.js';

/** What a {@link Client} reports to the server that owns it. Never throws. */
export interface ClientHost<Out extends ChannelMap> {
  /** A valid protocol frame arrived. */
  frame(client: Client<Out>, frame: ClientFrame): void;
  /** A malformed frame arrived and has been answered (error frame, or a 1008 close past the limit). */
  malformed(client: Client<Out>, info: MalformedInfo): void;
  /** The connection ended. Called once. */
  ended(client: Client<Out>, info: DisconnectInfo): void;
}

const malformedMessage = (binary: boolean, count: number, max: number): string =>
  `${
    binary
      ? 'Binary frames are not part of the protocol: send JSON text frames.'
      : 'Not a protocol frame: expected one JSON object with a known "type" (ping, subscribe, unsubscribe, message, request); see PROTOCOL.md.'
  } Malformed frame ${count}${max === Infinity ? '' : ` of ${max} allowed before the server closes the connection with 1008`}.`;

/**
 * One accepted connection, from the handshake to its close: decodes what the client sends, answers malformed
 * frames, tracks the client's subscriptions and whether it answered the last protocol ping. The server reacts
 * through {@link ClientHost}; user code sees it as a {@link ServerClient}.
 */
export class Client<Out extends ChannelMap> implements ServerClient<Out> {
  readonly #ws: WebSocket;
  readonly #host: ClientHost<Out>;
  readonly #maxMalformedFrames: number;
  readonly #subscriptions = new Set<string>();
  #malformed = 0;
  /** Whether the client answered the last protocol ping (or none was sent yet). */
  #ponged = true;
  /** The first socket error (oversized frame, bad UTF-8, protocol violation), reported at the close. */
  #error: Error | undefined;
  /** Settles when the connection has ended and the host has been told. */
  readonly ended: Promise<void>;

  constructor(
    readonly id: number,
    readonly request: IncomingMessage,
    ws: WebSocket,
    host: ClientHost<Out>,
    maxMalformedFrames: number,
  ) {
    this.#ws = ws;
    this.#host = host;
    this.#maxMalformedFrames = maxMalformedFrames;
    ws.on('message', (data, isBinary) => this.#received(data, isBinary));
    ws.on('pong', () => {
      this.#ponged = true;
    });
    // `ws` emits `error` before it closes the connection; without a listener the error would end the process.
    ws.on('error', (error) => {
      this.#error ??= error;
    });
    this.ended = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        host.ended(this, { code, reason: reason.toString(), error: this.#error });
        this.#subscriptions.clear();
        resolve();
      });
    });
  }

  get subscriptions(): ReadonlySet<string> {
    return this.#subscriptions;
  }

  send<C extends ChannelOf<Out>>(channel: C, data: Out[C]): boolean {
    return this.sendText(encode({ type: 'message', channel, data }));
  }

  close(code = 1000, reason = ''): void {
    this.#ws.close(code, reason);
  }

  /** Sends an encoded frame if the connection is open; says whether it did. */
  sendText(text: string): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    this.#ws.send(text);
    return true;
  }

  sendFrame(frame: ServerFrame): boolean {
    return this.sendText(encode(frame));
  }

  /** Adds a subscription; false when it was already there. */
  subscribe(channel: string): boolean {
    return this.#subscriptions.size !== this.#subscriptions.add(channel).size;
  }

  /** Removes a subscription; false when there was none. */
  unsubscribe(channel: string): boolean {
    return this.#subscriptions.delete(channel);
  }

  /**
   * Called once per ping interval: cuts the connection if the previous protocol ping went unanswered (the
   * client is dead or unreachable), otherwise pings again.
   */
  probe(): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ponged) {
      this.#ponged = false;
      this.#ws.ping();
    } else this.#ws.terminate();
  }

  /** Cuts the connection without a closing handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  #received(data: RawData, isBinary: boolean): void {
    // Once the server has sent its close frame (1008, 1012, close()), what the client still sends is moot.
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    // The socket keeps the default binaryType 'nodebuffer', so every message arrives as one Buffer.
    const buffer = data as Buffer;
    const text = isBinary ? undefined : buffer.toString();
    const frame = text === undefined ? undefined : decodeClientFrame(text);
    if (frame) this.#host.frame(this, frame);
    else this.#malformedFrame(text ?? buffer);
  }

  #malformedFrame(data: string | Buffer): void {
    const count = ++this.#malformed;
    const closing = count > this.#maxMalformedFrames;
    if (closing) this.#ws.close(1008, 'too many malformed frames');
    else {
      const message = malformedMessage(typeof data !== 'string', count, this.#maxMalformedFrames);
      this.sendFrame({ type: 'error', code: 'ERR_MALFORMED_FRAME', message });
    }
    this.#host.malformed(this, { data, count, closing });
  }
}
