import { type ClientFrame, encode, type ServerFrame } from '../protocol.js';
import type { Broker, ProcessedOutcome, SessionLink } from './broker.js';
import { exceeds } from './channels.js';
import { BrokerError } from './errors.js';

/** Acknowledgements of a client's frames wait this long to be batched (or to ride on a frame to it). */
const ACK_DELAY_MS = 50;

/** What a {@link Session} needs from the connection it serves. Never throws. */
export interface SessionHost {
  /** Hands an encoded frame of `bytes` UTF-8 bytes to the socket (false when it cannot take it). */
  sendText(text: string, bytes?: number): boolean;
  /** A client frame to handle, with whether it was re-sent to a new session. */
  handle(frame: ClientFrame, redelivered: boolean): void;
  /** A frame that makes no sense in v2 (a sequenced frame without `seq`, a second `hello`). */
  malformed(frame: ClientFrame, why: string): void;
  /** The client left more unacknowledged than its budget: its session is over (closed with 1013). */
  overBudget(): void;
  /** The broker failed. */
  failed(error: BrokerError): void;
  /** The broker lost the session (its store restarted): the client must come back to start a new one. */
  lost(): void;
  /** A newer connection of the same session took it over: this one must close (4409). */
  superseded(): void;
  /**
   * A client seq skipped one, or could not be recorded: nothing past the hole may be handled or acknowledged,
   * so the connection closes (1011) and the client re-sends from what the session acknowledged.
   */
  resync(): void;
  /**
   * The broker could not attach the session (it failed, or took longer than the attach deadline): the client
   * must try again later.
   */
  unavailable(): void;
  /** Stops (`true`) or resumes reading the client while the session is being attached. */
  holdReading(hold: boolean): void;
  /**
   * The attachment settled: `started`, a new session was made (it counts against the session limits); else
   * it resumed one, was late or failed.
   */
  attached(started: boolean): void;
}

/** What bounds a session, and what `welcome` announces. */
export interface SessionLimits {
  /** Most bytes the client may leave unacknowledged (`maxBufferedBytes`); enforced by the broker. */
  maxBytes: number;
  /** How long the session outlives its connection (`sessionTtlMs`). */
  ttlMs: number;
  /** Requests a client may have in flight (`maxPendingRequests`), announced in `welcome` so it paces them. */
  maxRequests: number;
  /** How long attaching may take (`attachTimeoutMs`) before the client is told to come back (1011). */
  attachTimeoutMs: number;
}

type Hello = Extract<ClientFrame, { type: 'hello' }>;
type Sequenced = Extract<ClientFrame, { seq?: number }> & { redelivered?: true };

/**
 * The server's half of protocol v2 for one connection (PROTOCOL.md, "Version 2"): the `hello` → `welcome`
 * handshake against the broker's session record; client frames handled once per sequence number — only after
 * this connection won the broker's compare-and-set of `processed` (one writer per session: a connection whose
 * attachment was superseded is refused, and closed) — and acknowledged in batches; frames for the client
 * (responses, direct messages) numbered by the broker and kept there until the client acknowledges them,
 * within its byte budget, re-sent when it resumes — on this node or another. Until the session is attached,
 * what the client sends waits, in order. Owns one timer (the ack batch), cleared when the connection ends.
 */
export class Session {
  #state: 'attaching' | 'ready' | 'ended' = 'attaching';
  /** Settles with the session id once attached (undefined if that failed). */
  readonly #attached: Promise<string | undefined>;
  #id: string | undefined;
  /** This connection's fencing token: the broker refuses its acts once a later attachment holds the session. */
  #generation = 0;
  /** Whether the attachment has settled: frames for the client no longer need to wait behind it. */
  #ready = false;
  /** The highest client seq accepted on this connection (handled, or being recorded). */
  #processed = 0;
  /**
   * The highest client seq the broker has recorded as handled: what acknowledgements say. A frame is handled
   * only once claimed, and acknowledged only once recorded as handled: an acknowledged frame was handled, and
   * one claimed but never recorded is handled again (flagged) by the session's next attachment.
   */
  #recorded = 0;
  /** Whether the client is owed an acknowledgement (of a new frame, or of a duplicate it sent again). */
  #ackDue = false;
  #ackTimer: NodeJS.Timeout | undefined;
  /** The highest server seq handed to this connection. */
  #sent = 0;
  /** What waits until the session is attached: client frames to handle, server frames to send. */
  readonly #inbound: ClientFrame[] = [];
  readonly #outbound: Array<{ seq: number; text: string }> = [];
  /** This connection's hold on the session, for the broker. */
  readonly #link: SessionLink;

  /** Attaches to the session `hello` asks for (or a new one), says `welcome`, and re-sends what the client lacks. */
  constructor(
    readonly broker: Broker,
    readonly host: SessionHost,
    readonly limits: SessionLimits,
    hello: Hello,
    /** Whose session it is (`sessionOwner`): another owner's `hello` naming it gets a new session. */
    readonly owner: string,
  ) {
    this.#link = {
      deliver: (frame) => this.#deliver(frame),
      lost: (why) => this.#stop(why === 'budget' ? host.overBudget : host.lost),
      superseded: () => this.#stop(host.superseded),
      ttlMs: limits.ttlMs,
    };
    // Nothing is read from the client until its session is attached: a store that is slow or down must not
    // make the server keep what the client sends meanwhile.
    host.holdReading(true);
    const deadline = setTimeout(() => this.#abandon(), limits.attachTimeoutMs);
    this.#attached = this.#attach(hello);
    // Registered first: it runs before the sends queued behind the attachment, which keep their order.
    void this.#attached.then(() => {
      clearTimeout(deadline);
      this.#ready = true;
      host.holdReading(false);
    });
  }

  /** The session id, once attached. */
  get id(): string | undefined {
    return this.#id;
  }

  /** A frame from the client, after `hello`. */
  receive(frame: ClientFrame): void {
    if (this.#state === 'attaching') {
      this.#inbound.push(frame);
      return;
    }
    if (this.#state === 'ended') return;
    if (frame.type === 'hello') this.host.malformed(frame, 'A second hello on one connection.');
    else if (frame.type === 'ack') this.#acknowledged(frame.seq);
    else if (frame.type === 'ping') this.host.handle(frame, false);
    else this.#sequenced(frame as Sequenced);
  }

  /**
   * A frame with a seq: the next one is recorded by the broker (compare-and-set), and handled only if this
   * connection won; one seen already is acknowledged again; one past a hole ends the connection (resync).
   */
  #sequenced(frame: Sequenced): void {
    const { seq } = frame;
    if (seq === undefined) {
      this.host.malformed(frame, 'On a v2 connection this frame needs a "seq".');
      return;
    }
    if (seq <= this.#processed) {
      this.#owe(); // seen already: acknowledged again, handled once
      return;
    }
    if (seq !== this.#processed + 1) {
      this.#stop(this.host.resync);
      return;
    }
    this.#processed = seq;
    // Outcomes settle in call order (the broker's contract), so handlers run in seq order.
    this.broker.processed(this.#id!, this.#generation, seq).then(
      (outcome) => this.#decided(frame, outcome),
      (error: unknown) => {
        this.#failed(error);
        this.#stop(this.host.resync);
      },
    );
  }

  /**
   * The broker's answer for a client frame: handle it only if this connection claimed it (or took over the
   * claim of an attachment that may not have handled it: flagged redelivered), then record it as handled — the
   * acknowledgement waits for that record.
   */
  #decided(frame: Sequenced, outcome: ProcessedOutcome): void {
    if (outcome === 'ok' || outcome === 'redelivered') {
      // Claimed: it runs now even if the connection ended meanwhile (its answer waits in the session), else it
      // would never run at all. The record is asked for in the same tick as the handler's own first effects.
      const seq = frame.seq!;
      this.host.handle(frame, outcome === 'redelivered' || frame.redelivered === true);
      this.broker.handled(this.#id!, this.#generation, seq).then(() => this.#record(seq), this.#failed);
    } else if (outcome === 'duplicate') this.#owe();
    else this.#stop(outcome === 'stale' ? this.host.superseded : this.host.resync);
  }

  /**
   * Sends a frame to the client through the session: numbered, kept until acknowledged, re-sent on resume —
   * also once this connection has ended (the client may come back). False once there is no session to keep it.
   */
  send(frame: ServerFrame): boolean {
    return this.sendText(encode(frame));
  }

  /**
   * {@link send} for a frame already encoded (a JSON object), so that it is encoded once. A frame larger than
   * the whole budget is refused (false): it could never be delivered, and would only end the session.
   */
  sendText(text: string): boolean {
    if (this.#state === 'ended' && this.#id === undefined) return false;
    if (exceeds(text, this.limits.maxBytes)) return false;
    // Without its seq, which the broker gives it (sequenced); with the ack the client is owed, if any, spliced
    // in when it goes to the broker. Over the budget, the broker ends the session and tells the link.
    const toBroker = (id: string): Promise<number> => {
      const ack = this.#ackDue ? `{"ack":${this.#recorded},${text.slice(1)}` : text;
      this.#ackDue = false;
      return this.broker.send(id, ack, this.limits.maxBytes);
    };
    // Once attached, straight to the broker (no promise hop per frame); before, in order behind the attachment.
    if (this.#ready && this.#id !== undefined) toBroker(this.#id).catch(this.#failed);
    else this.#attached.then((id) => (id === undefined ? undefined : toBroker(id))).catch(this.#failed);
    return true;
  }

  /** Sends the acknowledgement the client is owed now, not after the batch delay (before a 1012, say). */
  flushAck(): void {
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    if (this.#state !== 'ready' || !this.#ackDue) return;
    this.#ackDue = false;
    this.host.sendText(encode({ type: 'ack', seq: this.#recorded }));
  }

  /** The connection ended: the session waits `ttlMs` for the client to come back. */
  ended(): void {
    this.#state = 'ended';
    clearTimeout(this.#ackTimer);
    // Also after a stop (resync, say): the broker refuses the detach of an attachment that is no longer the
    // latest, and a session that must outlive this connection starts its TTL here. While attaching, the
    // attachment lets go of itself once it lands.
    if (this.#id !== undefined)
      this.broker.detach(this.#id, this.#generation, this.#link).catch(this.#failed);
  }

  async #attach(hello: Hello): Promise<string | undefined> {
    try {
      const attached = await this.broker.attach(hello.session, this.#link, this.owner, hello.attempt);
      this.host.attached(attached !== 'late' && !attached.resumed);
      if (attached === 'late') return this.#late(hello.session!);
      const { record, resumed, generation } = attached;
      this.#id = record.id;
      this.#generation = generation;
      if (this.#state === 'ended') {
        // The connection ended (or was superseded) while attaching: let go of it at once.
        await this.broker.detach(record.id, generation, this.#link);
        return record.id;
      }
      this.#processed = record.processed;
      this.#recorded = record.processed;
      const limits = { requests: this.limits.maxRequests };
      this.host.sendText(
        encode({ type: 'welcome', v: 2, session: record.id, resumed, received: record.processed, limits }),
      );
      // A new session is a new seq space: nothing the client counted in an old one carries over. A resumed one
      // takes what the client says it has, but never more than the session ever sent.
      this.#sent = resumed ? Math.min(hello.received, record.sent) : 0;
      if (resumed) this.broker.acknowledged(record.id, generation, this.#sent).catch(this.#failed);
      const due = [...record.outbox, ...this.#outbound.splice(0)];
      this.#state = 'ready';
      for (const frame of due) this.#deliver(frame);
      for (const frame of this.#inbound.splice(0)) this.receive(frame);
      return record.id;
    } catch (error) {
      this.host.attached(false);
      this.#failed(error);
      this.#abandon();
      return undefined;
    }
  }

  /**
   * The broker found this connection's hello older than the one that holds the session: the client gave up on
   * this connection (its bytes came late) and is on a newer one. It takes nothing and is closed (4409); what
   * the server sends to it still goes to the session, for the client's newer connection.
   */
  #late(id: string): string {
    this.#id = id;
    this.#inbound.length = 0;
    this.#outbound.length = 0;
    this.#stop(this.host.superseded);
    return id;
  }

  /** Without a session nothing can be handled or kept: what waited is let go, and the client comes back later. */
  #abandon(): void {
    if (this.#state !== 'attaching') return;
    this.#state = 'ended';
    this.#inbound.length = 0;
    this.#outbound.length = 0;
    this.host.unavailable();
  }

  /** A frame the broker numbered for this session (from this node or another). */
  #deliver(frame: { seq: number; text: string }): void {
    if (this.#state === 'attaching') {
      this.#outbound.push(frame);
      return;
    }
    if (this.#state === 'ended' || frame.seq <= this.#sent) return;
    this.#sent = frame.seq;
    this.host.sendText(frame.text);
  }

  #acknowledged(seq: number): void {
    // What the session never sent cannot be acknowledged (a client claiming more poisons nothing).
    this.broker.acknowledged(this.#id!, this.#generation, Math.min(seq, this.#sent)).catch(this.#failed);
  }

  /** The broker recorded client frames up to `seq` as processed: they may be acknowledged. */
  #record(seq: number): void {
    if (seq > this.#recorded) this.#recorded = seq;
    this.#owe();
  }

  /**
   * This connection stops serving the session (lost, over budget, superseded, out of step): nothing more is
   * handled or written on it, and `then` closes it. At most once. Frames for the client still go to the broker
   * (an answer to a frame recorded before the stop must reach the session's next connection).
   */
  #stop(then: () => void): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    clearTimeout(this.#ackTimer);
    then();
  }

  /** The client is owed an ack: it goes within ACK_DELAY_MS, alone or on a frame sent to the client meanwhile. */
  #owe(): void {
    if (this.#state !== 'ready') return;
    this.#ackDue = true;
    this.#ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  readonly #failed = (error: unknown): void => this.host.failed(new BrokerError(error));
}
