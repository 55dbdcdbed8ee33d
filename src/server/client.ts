import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { RawData, WebSocket } from 'ws';
import { type ClientFrame, decodeClientFrame, encode, type ServerFrame } from '../protocol.js';
import { MAX_TIMER_MS } from '../timer.js';
import type { Publication } from './broker.js';
import { EarlyFrames } from './early-frames.js';
import { Flow } from './flow.js';
import { KeyedQueue } from './keyed-queue.js';
import type { ResolvedServerOptions } from './options.js';
import type { ReplayBudgets } from './replay-budgets.js';
import type { Session } from './session.js';
import { TickBatch } from './tick-batch.js';
import type { TokenBucket } from './token-bucket.js';
import type { ChannelMap, ChannelOf, DisconnectInfo, MalformedInfo, ServerClient } from './types.js';

/** Who a {@link Client} is: what the server numbered it, and what `authorize` said about it. */
export interface ClientIdentity {
  id: number;
  key: string;
  request: IncomingMessage;
  /** Its address, as `clientAddress` read it. */
  address: string;
  data: unknown;
  identity?: string | undefined;
  /** When its credentials expire, in ms since the epoch. */
  expiresAt?: number | undefined;
  /** The byte budget its address's history replays draw on (see {@link ReplayBudgets}); none without a limit. */
  replayBudget?: TokenBucket | undefined;
}

/** What a {@link Client} reports to the server that owns it. Never throws. */
export interface ClientHost<Out extends ChannelMap> {
  /** A valid protocol frame arrived. */
  frame(client: Client<Out>, frame: ClientFrame): void;
  /** A malformed frame arrived and has been answered (error frame, or a 1008 close past the limit). */
  malformed(client: Client<Out>, info: MalformedInfo): void;
  /** The server ends the client's subscription to `channel` (`client.unsubscribe()`); whether there was one. */
  unsubscribe(client: Client<Out>, channel: string, reason: string): boolean;
  /** An asynchronous step of the client's started: count it as work in progress. */
  track(work: Promise<void>): void;
  /** The connection ended. Called once. */
  ended(client: Client<Out>, info: DisconnectInfo): void;
}

/**
 * Where a client is: `open`; `draining` while the server shuts down (frames but pings are ignored, responses
 * still go out); `closing` once the server sent a close frame (the client then has `closeTimeoutMs` to answer);
 * `closed` once the connection has ended.
 */
export type ClientState = 'open' | 'draining' | 'closing' | 'closed';

/** The limits a client enforces. */
export type ClientLimits = Pick<
  ResolvedServerOptions,
  'maxMalformedFrames' | 'maxBufferedBytes' | 'maxPendingRequests' | 'rateLimit' | 'closeTimeoutMs'
>;

/** The close code `ws` sends for each of its socket errors (see `ws`'s receiver); anything else is 1002. */
const SOCKET_ERROR_CODES: Record<string, number> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: 1009,
  WS_ERR_INVALID_UTF8: 1007,
  WS_ERR_INVALID_CLOSE_CODE: 1002,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: 1008,
};

/** Whether an endpoint may send `code` in a close frame (RFC 6455 §7.4, as `ws` checks it). */
const isSendableCode = (code: number): boolean =>
  Number.isInteger(code) &&
  ((code >= 1000 && code <= 1014 && (code < 1004 || code > 1006)) || (code >= 3000 && code <= 4999));

const malformedMessage = (what: string, count: number, max: number): string =>
  `${what} Malformed frame ${count}${max === Infinity ? '' : ` of ${max} allowed before the server closes the connection with 1008`}.`;

/** `ws.send` options for a text frame whose UTF-8 bytes are encoded already (shared by many clients). */
const AS_TEXT = { binary: false } as const;

const NOT_A_FRAME =
  'Not a protocol frame: expected one JSON object with a known "type" (ping, subscribe, unsubscribe, message, request); see PROTOCOL.md.';
const BINARY = 'Binary frames are not part of the protocol: send JSON text frames.';

/**
 * One accepted connection, from the handshake to its close: decodes what the client sends, answers malformed
 * frames, enforces the client's limits (outgoing buffer, frame rate, requests in flight), tracks its
 * subscriptions and whether it answered the last protocol ping. The server reacts through {@link ClientHost};
 * user code sees it as a {@link ServerClient}.
 */
export class Client<Out extends ChannelMap> implements ServerClient<Out> {
  /** Ids of the client's requests being handled. */
  readonly requests = new Set<number>();
  /** The client's subscribe and unsubscribe frames, in order per channel. */
  readonly steps: KeyedQueue;
  /**
   * Channels whose missed publications are being replayed to this client (protocol v2): live ones wait here
   * meanwhile, so that none arrives before the replay or twice.
   */
  readonly replaying = new Map<string, Publication[]>();
  /** The client's session, once it said `hello` (protocol v2). */
  v2: Session | undefined;
  readonly #ws: WebSocket;
  readonly #host: ClientHost<Out>;
  readonly #limits: ClientLimits;
  readonly #flow: Flow;
  /** The client's frames of one tick leave in one write. */
  readonly #batch: TickBatch;
  readonly #subscriptions = new Set<string>();
  #state: ClientState = 'open';
  #malformed = 0;
  /** The payload of the protocol ping not answered yet; undefined when the last one was answered. */
  #ping: Buffer | undefined;
  /** The close frame the server sent first, if it did: what `disconnect` reports. */
  #closedWith: { code: number; reason: string } | undefined;
  /** Cuts the connection if the client does not answer the server's close frame in time. */
  #closeTimer: NodeJS.Timeout | undefined;
  /** The first socket error (oversized frame, bad UTF-8, protocol violation), reported at the close. */
  #error: Error | undefined;
  /** Settles when the connection has ended and the host has been told. */
  readonly ended: Promise<void>;
  /** Frames for this client alone sent before its first frame, until its protocol is known. */
  readonly #early: EarlyFrames;

  readonly id: number;
  /** Unique across every node sharing the broker: how a publication says which client it skips. */
  readonly key: string;
  readonly request: IncomingMessage;
  readonly address: string;
  readonly data: unknown;
  readonly identity: string | undefined;
  /** Closes the connection (4401) when the credentials it was accepted with expire. */
  #expiry: NodeJS.Timeout | undefined;
  readonly #replayBudget: TokenBucket | undefined;
  /** Replays waiting for the address's budget: their timers, and how to let each go at the end. */
  readonly #replayWaits = new Map<NodeJS.Timeout, () => void>();

  constructor(who: ClientIdentity, ws: WebSocket, host: ClientHost<Out>, limits: ClientLimits) {
    ({ id: this.id, key: this.key, request: this.request, address: this.address } = who);
    this.data = who.data;
    this.identity = who.identity;
    this.#replayBudget = who.replayBudget;
    if (who.expiresAt !== undefined) this.#expireAt(who.expiresAt);
    this.#ws = ws;
    this.#early = new EarlyFrames(limits.maxBufferedBytes, () => this.greeted(false));
    this.#host = host;
    this.#limits = limits;
    this.steps = new KeyedQueue(limits.maxPendingRequests, host.track);
    const socket = this.request.socket as Socket;
    this.#batch = new TickBatch(socket);
    this.#flow = new Flow(ws, socket, limits.rateLimit, limits.maxBufferedBytes);
    ws.on('message', (data, isBinary) => this.#received(data, isBinary));
    ws.on('ping', (payload) => this.#flow.received(payload.length));
    ws.on('pong', (payload) => this.#pong(payload));
    // `ws` emits `error` before it closes the connection; without a listener the error would end the process.
    ws.on('error', (error) => {
      this.#error ??= error;
      // A WS_ERR_ error is the client's fault: `ws` has sent a close frame with the matching code.
      const name = String((error as { code?: unknown }).code);
      if (name.startsWith('WS_ERR_')) this.#closing({ code: SOCKET_ERROR_CODES[name] ?? 1002, reason: '' });
    });
    this.ended = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        this.#ended(code, reason.toString());
        resolve();
      });
    });
  }

  get subscriptions(): ReadonlySet<string> {
    return this.#subscriptions;
  }

  get session(): string | undefined {
    return this.v2?.id;
  }

  get state(): ClientState {
    return this.#state;
  }

  send<C extends ChannelOf<Out>>(channel: C, data: Out[C]): boolean {
    return this.respond({ type: 'message', channel, data });
  }

  /**
   * Sends a frame meant for this client alone (a response, a direct message): through its session when it has
   * one (kept until acknowledged, re-sent when it resumes — also after this connection ended), else as is.
   */
  respond(frame: ServerFrame): boolean {
    return this.respondText(encode(frame));
  }

  /** {@link respond} for a frame already encoded. */
  respondText(text: string): boolean {
    if (this.v2) return this.v2.sendText(text);
    if (!this.#early.waiting) return this.sendText(text);
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    if (!this.#early.keep(text)) {
      this.close(1013, 'outgoing buffer full');
      return false;
    }
    return true;
  }

  /**
   * The client's first frame said which protocol it speaks (`v2`: it was `hello`, and its session exists now):
   * frames sent to it before that go out — through the session, or as they are. Also called when the client
   * was silent for `EARLY_FRAMES_MS` (a v2 client then holds them until its `welcome`).
   */
  greeted(v2: boolean): void {
    for (const text of this.#early.take())
      if (v2 && this.v2) this.v2.sendText(text);
      else this.sendText(text);
  }

  unsubscribe(channel: string, reason = ''): boolean {
    return this.#host.unsubscribe(this, channel, reason);
  }

  close(code = 1000, reason = ''): void {
    // Checked before `ws` sees them: it would throw only after marking itself closing.
    if (!isSendableCode(code))
      throw new TypeError(
        `reliable-socket/server: close() code must be 1000–1014 but 1004–1006, or 3000–4999, got ${code}`,
      );
    if (Buffer.byteLength(reason) > 123)
      throw new RangeError('reliable-socket/server: close() reason must be at most 123 bytes of UTF-8');
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.close(code, reason);
    this.#closing({ code, reason });
  }

  /** Cuts the connection without a closing handshake. */
  terminate(): void {
    this.#ws.terminate();
  }

  /**
   * Sends an encoded frame if the connection is open; says whether it did. A frame that would take the
   * client's outgoing buffer past `maxBufferedBytes` is not sent: the connection is closed with 1013.
   */
  sendText(text: string | Buffer, bytes?: number): boolean {
    if (this.#ws.readyState !== this.#ws.OPEN) return false;
    const buffered = this.#ws.bufferedAmount;
    // Sized only when something is buffered already: most frames go straight out.
    if (buffered > 0 && buffered + (bytes ?? Buffer.byteLength(text)) > this.#limits.maxBufferedBytes) {
      this.close(1013, 'outgoing buffer full');
      return false;
    }
    this.#batch.hold();
    if (typeof text === 'string') this.#ws.send(text);
    else this.#ws.send(text, AS_TEXT);
    this.#flow.sent();
    return true;
  }

  /**
   * Takes `bytes` of history replay from the client's address's budget ({@link ReplayBudgets}); settles when
   * the address can afford them — at once, or once its budget has refilled — so that asking again and again,
   * on this connection or new ones, gets the client its history more slowly, not more of it. Settles at once
   * too when the connection ends meanwhile.
   */
  affordReplay(bytes: number): Promise<void> {
    const waitMs = this.#replayBudget?.take(bytes) ?? 0;
    if (waitMs === 0 || this.#state === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#replayWaits.delete(timer);
        resolve();
      }, waitMs);
      this.#replayWaits.set(timer, resolve);
    });
  }

  sendFrame(frame: ServerFrame): boolean {
    return this.sendText(encode(frame));
  }

  /**
   * Stops (`true`) or resumes reading the client's frames while its session is being attached: what it sends
   * meanwhile waits in its TCP connection, not in the server's memory.
   */
  holdReading(hold: boolean): void {
    if (hold) this.#flow.attaching();
    else this.#flow.attached();
  }

  /** Records a subscription (the server's index is the host's); false when it was already there. */
  subscribed(channel: string): boolean {
    return this.#subscriptions.size !== this.#subscriptions.add(channel).size;
  }

  /** Forgets a subscription; false when there was none. */
  unsubscribed(channel: string): boolean {
    return this.#subscriptions.delete(channel);
  }

  /** The server shuts down: from now on only pings are answered; what is in flight may finish. */
  drain(): void {
    if (this.#state === 'open') this.#state = 'draining';
  }

  /**
   * Called once per ping interval: cuts the connection if the previous protocol ping went unanswered (the
   * client is dead or unreachable), otherwise pings again, with a payload only that ping's pong carries.
   */
  probe(): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    if (this.#ping) this.#ws.terminate();
    else {
      this.#ping = randomBytes(8);
      this.#ws.ping(this.#ping);
    }
  }

  /** Answers a malformed frame with an error frame, or closes with 1008 past `maxMalformedFrames`. */
  malformed(data: string | Buffer, what: string): void {
    const count = ++this.#malformed;
    const closing = count > this.#limits.maxMalformedFrames;
    if (closing) this.close(1008, 'too many malformed frames');
    else {
      const message = malformedMessage(what, count, this.#limits.maxMalformedFrames);
      this.sendFrame({ type: 'error', code: 'ERR_MALFORMED_FRAME', message });
    }
    this.#host.malformed(this, { data, count, closing });
  }

  #received(data: RawData, isBinary: boolean): void {
    // The socket keeps the default binaryType 'nodebuffer', so every message arrives as one Buffer.
    const buffer = data as Buffer;
    this.#flow.received(buffer.length);
    // Once a close frame is out (1008, 1012, close()), what the client still sends is moot.
    if (this.#state === 'closing' || this.#state === 'closed') return;
    const text = isBinary ? undefined : buffer.toString();
    const frame = text === undefined ? undefined : decodeClientFrame(text);
    if (!frame) this.malformed(text ?? buffer, text === undefined ? BINARY : NOT_A_FRAME);
    else if (frame.type === 'request' && this.requests.has(frame.id))
      this.malformed(
        text!,
        `Request id ${frame.id} is already in flight: ids must be unique among pending requests.`,
      );
    else if (this.#state === 'open' || frame.type === 'ping') this.#host.frame(this, frame);
  }

  #pong(payload: Buffer): void {
    this.#flow.received(payload.length);
    // Only the answer to our own ping proves the client alive: unsolicited pongs prove nothing.
    if (this.#ping?.equals(payload)) this.#ping = undefined;
  }

  /** A close frame went out (or `ws` is sending one): the client has `closeTimeoutMs` to answer it. */
  #closing(sent: { code: number; reason: string }): void {
    if (this.#state === 'closed' || this.#closedWith) return;
    this.#state = 'closing';
    this.#closedWith = sent;
    this.#flow.stop();
    this.#closeTimer = setTimeout(() => this.#ws.terminate(), this.#limits.closeTimeoutMs);
  }

  /** Closes the connection with 4401 at `expiresAt` (ms since the epoch); a timer waits at most ~24.8 days. */
  #expireAt(expiresAt: number): void {
    const waitMs = expiresAt - Date.now();
    if (waitMs > MAX_TIMER_MS) this.#expiry = setTimeout(() => this.#expireAt(expiresAt), MAX_TIMER_MS);
    else this.#expiry = setTimeout(() => this.close(4401, 'credentials expired'), Math.max(0, waitMs));
  }

  #ended(code: number, reason: string): void {
    clearTimeout(this.#closeTimer);
    clearTimeout(this.#expiry);
    for (const [timer, resolve] of this.#replayWaits) {
      clearTimeout(timer);
      resolve();
    }
    this.#replayWaits.clear();
    this.#early.take();
    this.#flow.stop();
    this.#state = 'closed';
    // What the server said when it closed first, else what the client said (or 1006 without a close frame).
    const info = this.#closedWith ?? { code, reason };
    this.#host.ended(this, { ...info, wasClean: code !== 1006, error: this.#error });
    this.#subscriptions.clear();
    this.replaying.clear();
    this.v2?.ended();
  }
}
