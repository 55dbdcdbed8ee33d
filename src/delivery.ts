import { BoundedQueue, type QueueLimits } from './bounded-queue.js';
import { DEV } from './dev.js';
import { ProtocolFallbackError } from './errors.js';
import type { DirectSend } from './frame-layer.js';
import type { SequencedFrame, ServerFrame } from './protocol.js';
import { forgetSeqs, pushFirst, stamp, type Unacked, unacked } from './resend-buffer.js';
import type { SendResult } from './send-queue.js';
import { Timer } from './timer.js';

/** How long a server has to answer `hello` with `welcome` before the connection is taken for v1. */
export const HELLO_TIMEOUT_MS = 5000;
/** Acknowledgements of the server's session frames wait this long to be batched… */
const ACK_DELAY_MS = 50;
/** …or until this many are due. */
const ACK_BATCH = 64;

/** Where the current connection stands with protocol v2. */
type Mode = 'offline' | 'greeting' | 'v2' | 'v1';

/** What a {@link Delivery} tells its channel layer. */
export interface DeliveryHost {
  /** Frames the resend buffer dropped (overflow), or that `close()` left unacknowledged. */
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
  /** The connection runs v1 (the server did not answer `hello` with `welcome`); `frames` were waiting for it. */
  fellBack(frames: SequencedFrame[], error: ProtocolFallbackError): void;
}

/**
 * The client's half of protocol v2 (PROTOCOL.md, "Version 2"): the session handshake on every connection
 * (`hello` → `welcome`), client sequence numbers with a bounded resend buffer that only an `ack` empties, the
 * server's session frames deduplicated and acknowledged in batches, and the fall back to v1 when the server
 * does not speak v2. It owns two timers (the `welcome` deadline and the ack batch), cleared when the
 * connection is lost.
 */
export class Delivery {
  readonly #buffer: BoundedQueue<Unacked>;
  readonly #host: DeliveryHost;
  readonly #helloTimer = new Timer();
  readonly #ackTimer = new Timer();
  #mode: Mode = 'offline';
  #send: DirectSend | undefined;
  #session: string | undefined;
  #nextSeq = 1;
  /** The highest server seq processed (all below it too). */
  #received = 0;
  /** Server frames processed and not yet acknowledged. */
  #ackDue = 0;
  #settleGreeting: (() => void) | undefined;

  constructor(limits: QueueLimits, host: DeliveryHost) {
    this.#buffer = new BoundedQueue(limits);
    this.#host = host;
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
   * A connection's handshake completed: says `hello` on it, first. Resolves when the server has answered (the
   * session is resumed or new, and what it lacked has been re-sent) or the connection was taken for v1.
   */
  greet(send: DirectSend): Promise<void> {
    this.#send = send;
    this.#mode = 'greeting';
    const hello = {
      type: 'hello',
      v: 2,
      received: this.#received,
      ...(this.#session ? { session: this.#session } : {}),
    };
    send(JSON.stringify(hello));
    this.#helloTimer.set(() => this.#fallBack(DEV && 'no welcome within 5 s'), HELLO_TIMEOUT_MS);
    return new Promise((resolve) => (this.#settleGreeting = resolve));
  }

  /**
   * Sends a sequenced frame now if the session is ready, else keeps it for after the next `welcome`; either
   * way it stays in the resend buffer until acknowledged.
   * @returns what became of it (`undefined`: the buffer is full and its policy is `throw`), and its entry.
   */
  send(frame: SequencedFrame): { result: SendResult; entry?: Unacked } | undefined {
    const entry = unacked(frame);
    const pushed = this.#buffer.push(entry);
    if (!pushed) return undefined;
    if (pushed.dropped.length) this.#host.dropped(pushed.dropped, 'overflow');
    if (!pushed.kept) return { result: 'dropped' };
    const result = this.#mode === 'v2' && this.#write(entry) ? 'sent' : 'queued';
    return { result, entry };
  }

  /** Forgets an unacknowledged frame that must not be (re-)sent any more, e.g. a request that settled. */
  withdraw(predicate: (frame: SequencedFrame) => boolean): void {
    this.#buffer.take((entry) => predicate(entry.frame));
  }

  /**
   * Looks at an inbound frame first: takes the session's own (`welcome`, `ack`, a v1 server's answer to
   * `hello`), notes piggybacked acks, and tells duplicates of session frames from new ones.
   * @returns `'taken'` (nothing more to do), `'duplicate'` (drop it), or `'new'` (the layer handles it).
   */
  receive(frame: ServerFrame | undefined): 'taken' | 'duplicate' | 'new' {
    if (this.#mode === 'greeting') {
      if (frame?.type === 'welcome') {
        this.#welcome(frame);
        return 'taken';
      }
      // A v2 server answers hello before anything else: anything else means it does not speak v2.
      this.#fallBack(DEV && 'the server answered hello with something else');
      return frame?.type === 'error' ? 'taken' : 'new';
    }
    if (this.#mode !== 'v2' || !frame) return 'new';
    if (frame.ack !== undefined) this.#acknowledged(frame.ack);
    if (frame.type === 'ack') return 'taken';
    const seq = 'seq' in frame ? frame.seq : undefined;
    if (seq === undefined) return 'new';
    if (seq <= this.#received) return 'duplicate';
    this.#received = seq;
    // The timer is set by the first frame owed an ack, not re-set by each: a steady stream is acknowledged every
    // 50 ms, not once it pauses (and a frame costs no timer).
    if (++this.#ackDue >= ACK_BATCH) this.#ack();
    else if (this.#ackDue === 1) this.#ackTimer.set(() => this.#ack(), ACK_DELAY_MS);
    return 'new';
  }

  /** The connection was lost: everything unacknowledged waits for the next one. */
  lost(): void {
    this.#helloTimer.clear();
    this.#ackTimer.clear();
    this.#ackDue = 0;
    this.#mode = 'offline';
    this.#send = undefined;
    this.#settleGreeting = undefined;
  }

  /** The socket closed for good: what the server never acknowledged is reported. */
  closed(): void {
    this.lost();
    const left = this.#buffer.takeWhile();
    if (left.length) this.#host.dropped(left, 'closed');
  }

  /**
   * The server answered `hello`. In order, on the wire: what a resumed session lacks of what was written before
   * (same seqs), then this connection's subscriptions, then what was waiting — after a lost session, everything
   * again, as redelivered — with new seqs: a subscription comes before what the app sent after opening the
   * channel.
   */
  #welcome(frame: Extract<ServerFrame, { type: 'welcome' }>): void {
    this.#helloTimer.clear();
    const previous = this.#session;
    this.#session = frame.session;
    this.#mode = 'v2';
    // Subscriptions belong to a connection: they are asked for afresh on each, never re-sent.
    while (this.#buffer.take(({ frame }) => frame.type === 'subscribe' || frame.type === 'unsubscribe'));
    const lostSession = !frame.resumed && previous !== undefined;
    if (frame.resumed) {
      this.#acknowledged(frame.received);
    } else if (lostSession) {
      this.#received = 0;
      this.#nextSeq = 1;
      const buffered = new Set(this.#buffer.entries.map((entry) => entry.frame));
      forgetSeqs(
        this.#buffer,
        this.#host.sessionLost().filter((frame) => !buffered.has(frame)),
      );
    }
    // The buffer is now in wire order: what was written, this connection's subscriptions, what was waiting.
    pushFirst(this.#buffer, this.#host.welcomed(lostSession));
    for (const entry of this.#buffer.entries) if (!this.#write(entry)) break;
    this.#settle();
  }

  #fallBack(why: string | false): void {
    this.#helloTimer.clear();
    this.#mode = 'v1';
    const waiting = this.#buffer.takeWhile().map((entry) => entry.frame);
    this.#host.fellBack(waiting, new ProtocolFallbackError(why));
    this.#settle();
  }

  #settle(): void {
    const settle = this.#settleGreeting;
    this.#settleGreeting = undefined;
    settle?.();
  }

  #acknowledged(seq: number): void {
    const acked = this.#buffer.takeWhile((entry) => entry.seq !== undefined && entry.seq <= seq);
    if (acked.length) this.#host.acknowledged(acked);
  }

  /** Writes an entry on the connection, giving it its seq first if it has none yet. */
  #write(entry: Unacked): boolean {
    if (!this.#send) return false;
    if (entry.seq === undefined) stamp(entry, this.#nextSeq++);
    return this.#send(entry.text);
  }

  #ack(): void {
    this.#ackTimer.clear();
    this.#ackDue = 0;
    this.#send?.(JSON.stringify({ type: 'ack', seq: this.#received }));
  }
}
