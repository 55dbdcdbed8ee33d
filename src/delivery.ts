import type { QueueLimits } from './bounded-queue.js';
import { DEV } from './dev.js';
import { ProtocolFallbackError } from './errors.js';
import type { IncomingData } from './events.js';
import type { DirectSend } from './frame-layer.js';
import type { SequencedFrame, ServerFrame } from './protocol.js';
import { ResendBuffer, type Unacked, unacked } from './resend-buffer.js';
import type { SendResult } from './send-queue.js';
import { Timer } from './timer.js';

/** Acknowledgements of the server's session frames wait this long to be batched… */
const ACK_DELAY_MS = 50;
/** …or until this many are due. */
const ACK_BATCH = 64;

/** Where the current connection stands with protocol v2. */
type Mode = 'offline' | 'greeting' | 'v2' | 'v1';
type Welcome = Extract<ServerFrame, { type: 'welcome' }>;

/** What a {@link Delivery} tells its channel layer. */
export interface DeliveryHost {
  /** Frames dropped before they were ever written (overflow), or that `close()` left unacknowledged. */
  dropped(entries: Unacked[], reason: 'overflow' | 'closed'): void;
  /** Frames the server acknowledged. */
  acknowledged(entries: Unacked[]): void;
  /**
   * A new session is replacing a lost one (`welcome` with `resumed: false` after an earlier session): returns the
   * requests still waiting for an answer — those the old session acknowledged are re-sent first, as redelivered.
   */
  sessionLost(): SequencedFrame[];
  /**
   * The server welcomed the connection (`lostSession` as above): returns the frames this connection needs
   * first — its subscriptions — which go out right after what is re-sent, before what was waiting.
   */
  welcomed(lostSession: boolean): SequencedFrame[];
  /** The connection runs v1 (a v1 server answered `hello`); `frames` were waiting for it. */
  fellBack(frames: SequencedFrame[], error: ProtocolFallbackError): void;
  /** A server frame held while greeting, to be handled now, in order, as if it had just arrived. */
  replay(data: IncomingData): void;
  /** The connection is out of step (a hole in the server's seqs, no `welcome` in time): it must be dropped. */
  resync(reason: string): void;
}

/**
 * The client's half of protocol v2 (PROTOCOL.md, "Version 2"): the session handshake on every connection
 * (`hello` → `welcome`, server frames that come first held until then), client sequence numbers with a
 * {@link ResendBuffer} that only an `ack` empties, requests paced under the server's announced limit, the
 * server's session frames accepted strictly in seq order and acknowledged in batches, and v1 only when a v1
 * server answers. It owns two timers (the `welcome` deadline and the ack batch), cleared when the connection
 * is lost.
 */
export class Delivery {
  readonly #buffer: ResendBuffer;
  readonly #host: DeliveryHost;
  readonly #welcomeTimer = new Timer();
  readonly #ackTimer = new Timer();
  #mode: Mode = 'offline';
  #send: DirectSend | undefined;
  #hello = '';
  /** Server frames that came before `welcome` on this connection, in order. */
  #held: IncomingData[] = [];
  #session: string | undefined;
  /**
   * Hellos said so far: each carries the next number, so that the server can tell a late hello (a connection
   * given up, whose bytes arrive after a newer one's) from the newest, and refuse it the session.
   */
  #attempts = 0;
  /** The highest server seq processed (all below it too). */
  #received = 0;
  /** Server frames processed (or duplicates seen) and not yet acknowledged. */
  #ackDue = 0;
  #settleGreeting: (() => void) | undefined;
  /** How long the server has to answer `hello` (`connectTimeoutMs`). */
  readonly #welcomeTimeoutMs: number;

  constructor(limits: QueueLimits, host: DeliveryHost, welcomeTimeoutMs: number) {
    this.#buffer = new ResendBuffer(limits);
    this.#host = host;
    this.#welcomeTimeoutMs = welcomeTimeoutMs;
  }

  /** Whether sequenced frames go through this session (v2, or waiting to know), rather than v1's queue. */
  get active(): boolean {
    return this.#mode !== 'v1';
  }

  /** Whether the server has welcomed the current connection: a frame sent now goes out at once. */
  get welcomed(): boolean {
    return this.#mode === 'v2';
  }

  /** Frames not yet acknowledged by the server. */
  get unacknowledged(): number {
    return this.#buffer.length;
  }

  /** The session id, once a server has welcomed this socket. */
  get session(): string | undefined {
    return this.#session;
  }

  /**
   * A connection is open: says `hello` on it, first. Resolves when the server has answered (the session is
   * resumed or new, and what it lacked has been re-sent) or a v1 server answered. No `welcome` within
   * `connectTimeoutMs`: the connection is dropped (silence proves nothing, so it is never taken for v1).
   */
  greet(send: DirectSend): Promise<void> {
    this.#send = send;
    this.#mode = 'greeting';
    const hello = {
      type: 'hello',
      v: 2,
      received: this.#received,
      attempt: ++this.#attempts,
      ...(this.#session ? { session: this.#session } : {}),
    };
    this.#hello = JSON.stringify(hello);
    send(this.#hello);
    const timeoutMs = this.#welcomeTimeoutMs;
    this.#welcomeTimer.set(
      () => this.#host.resync(DEV ? `no welcome within ${timeoutMs} ms` : 'no welcome'),
      timeoutMs,
    );
    return new Promise((resolve) => (this.#settleGreeting = resolve));
  }

  /**
   * Sends a sequenced frame now if the session is ready and nothing waits before it; else keeps it for later
   * (bounded: see {@link ResendBuffer}). Either way it is kept until acknowledged.
   * @returns what became of it (`undefined`: it had to wait, the wait is full and its policy is `throw`).
   */
  send(frame: SequencedFrame): { result: SendResult; entry?: Unacked } | undefined {
    const entry = unacked(frame);
    const pushed = this.#buffer.send(entry);
    if (pushed === 'sent') return { result: 'sent', entry };
    if (!pushed) return undefined;
    if (pushed.dropped.length) this.#host.dropped(pushed.dropped, 'overflow');
    return pushed.kept ? { result: 'queued', entry } : { result: 'dropped' };
  }

  /** A frame must not go out any more (a request that settled): forgotten unless it was written (its seq stays). */
  withdraw(predicate: (frame: SequencedFrame) => boolean): void {
    this.#buffer.withdraw(predicate);
  }

  /** A response to request `id` came: it no longer counts against the server's limit, and the next may go. */
  answered(id: number): void {
    this.#buffer.answered(id);
  }

  /**
   * Looks at an inbound frame first: takes the session's own (`welcome`, `ack`, a v1 server's answer to
   * `hello`), holds what comes before `welcome`, notes piggybacked acks, and lets only the next server seq in.
   * @returns `'taken'` (nothing more to do: taken, held, or a hole that dropped the connection), `'duplicate'`
   *   (drop it), or `'new'` (the layer handles it).
   */
  receive(frame: ServerFrame | undefined, data: IncomingData): 'taken' | 'duplicate' | 'new' {
    if (this.#mode === 'greeting') return this.#greeting(frame, data);
    if (this.#mode !== 'v2' || !frame) return 'new';
    if (frame.ack !== undefined) this.#acknowledged(frame.ack);
    if (frame.type === 'ack') return 'taken';
    const seq = 'seq' in frame ? frame.seq : undefined;
    if (seq === undefined) return 'new';
    if (seq <= this.#received) {
      this.#owe(); // the server did not hear the ack: it is owed again
      return 'duplicate';
    }
    if (seq > this.#received + 1) {
      // Never acknowledge past a hole: a new connection's hello says what arrived, and the server re-sends the rest.
      this.#host.resync(DEV ? `server seq ${seq} after ${this.#received}` : 'server seq skipped');
      return 'taken';
    }
    this.#received = seq;
    this.#owe();
    return 'new';
  }

  /** The connection was lost: everything unacknowledged waits for the next one. */
  lost(): void {
    this.#welcomeTimer.clear();
    this.#ackTimer.clear();
    this.#ackDue = 0;
    this.#mode = 'offline';
    this.#send = undefined;
    this.#held = [];
    this.#buffer.lost();
    this.#settleGreeting = undefined;
  }

  /** The socket closed for good: what the server never acknowledged (and the app still waits for) is reported. */
  closed(): void {
    this.lost();
    const left = this.#buffer.takeAll().filter((entry) => !entry.withdrawn);
    if (left.length) this.#host.dropped(left, 'closed');
  }

  /**
   * While greeting: `welcome` starts v2; an `error` frame (a v1 server's answer to `hello`) or `hello` itself
   * (an echo server) proves a v1 server; anything else is held, to be handled after either.
   */
  #greeting(frame: ServerFrame | undefined, data: IncomingData): 'taken' {
    if (frame?.type === 'welcome') this.#welcome(frame);
    else if (frame?.type === 'error' || data === this.#hello) this.#fallBack();
    else this.#held.push(data);
    return 'taken';
  }

  /**
   * The server answered `hello`. In order, on the wire: what a resumed session lacks of what was written before
   * (same seqs), then this connection's subscriptions, then what was waiting — after a lost session, what was
   * written again, as redelivered — with new seqs; then the server frames held meanwhile are handled.
   */
  #welcome(frame: Welcome): void {
    this.#welcomeTimer.clear();
    const previous = this.#session;
    this.#session = frame.session;
    this.#mode = 'v2';
    const lostSession = !frame.resumed && previous !== undefined;
    if (frame.resumed) {
      this.#acknowledged(frame.received);
      this.#buffer.resumed();
    } else {
      // A new session is a new seq space, both ways: nothing counted in an old one carries over.
      this.#received = 0;
      const buffered = new Set(this.#buffer.entries().map((entry) => entry.frame));
      this.#buffer.restart(lostSession ? this.#host.sessionLost().filter((f) => !buffered.has(f)) : []);
    }
    const send = this.#send!;
    this.#buffer.connected(send, frame.limits?.requests ?? Infinity, this.#host.welcomed(lostSession));
    this.#release(send);
    this.#settle();
  }

  /** A v1 server answered `hello`: what waited goes to v1, then the held frames are handled. */
  #fallBack(): void {
    this.#welcomeTimer.clear();
    this.#mode = 'v1';
    const send = this.#send;
    const left = this.#buffer.takeAll().filter((entry) => !entry.withdrawn);
    const why = DEV && 'the server answered hello as a version-1 server does';
    this.#host.fellBack(
      left.map((entry) => entry.frame),
      new ProtocolFallbackError(why),
    );
    this.#release(send);
    this.#settle();
  }

  /** Handles the frames held while greeting, in order — unless one of them (or a listener) ended the connection. */
  #release(send: DirectSend | undefined): void {
    const held = this.#held;
    this.#held = [];
    for (const data of held) {
      if (this.#send !== send) return;
      this.#host.replay(data);
    }
  }

  #settle(): void {
    const settle = this.#settleGreeting;
    this.#settleGreeting = undefined;
    settle?.();
  }

  #acknowledged(seq: number): void {
    const acked = this.#buffer.acknowledge(seq);
    if (acked.length) this.#host.acknowledged(acked);
  }

  /**
   * A server frame is owed an acknowledgement. The timer is set by the first, not re-set by each: a steady
   * stream is acknowledged every 50 ms, not once it pauses (and a frame costs no timer).
   */
  #owe(): void {
    if (++this.#ackDue >= ACK_BATCH) this.#ack();
    else if (this.#ackDue === 1) this.#ackTimer.set(() => this.#ack(), ACK_DELAY_MS);
  }

  #ack(): void {
    this.#ackTimer.clear();
    this.#ackDue = 0;
    this.#send?.(JSON.stringify({ type: 'ack', seq: this.#received }));
  }
}
