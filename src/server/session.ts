import { type ClientFrame, encode, type ServerFrame } from '../protocol.js';
import type { Broker, SessionLink } from './broker.js';
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
  /** The client holds more unacknowledged frames than its budget: its session is over (closed with 1013). */
  overBudget(): void;
  /** The broker failed. */
  failed(error: BrokerError): void;
  /** The broker lost the session (its store restarted): the client must come back to start a new one. */
  lost(): void;
  /** The broker could not attach the session (it failed): the client must try again later. */
  unavailable(): void;
}

type Hello = Extract<ClientFrame, { type: 'hello' }>;
type Sequenced = Extract<ClientFrame, { seq?: number }> & { redelivered?: true };

/**
 * The server's half of protocol v2 for one connection (PROTOCOL.md, "Version 2"): the `hello` → `welcome`
 * handshake against the broker's session record; client frames handled once per sequence number (the record
 * is updated before the handler runs) and acknowledged in batches; frames for the client (responses, direct
 * messages) numbered by the broker and kept until the client acknowledges them, re-sent when it resumes — on
 * this node or another — and bounded by the client's byte budget. Until the session is attached, what the
 * client sends waits, in order. Owns one timer (the ack batch), cleared when the connection ends.
 */
export class Session {
  #state: 'attaching' | 'ready' | 'ended' = 'attaching';
  /** Settles with the session id once attached (undefined if that failed). */
  readonly #attached: Promise<string | undefined>;
  #id: string | undefined;
  /** Whether the attachment has settled: frames for the client no longer need to wait behind it. */
  #ready = false;
  /** The highest client seq processed. */
  #processed = 0;
  /**
   * The highest client seq the broker has recorded as processed: what acknowledgements say. A frame handled
   * but not yet recorded is not acknowledged, so a node that dies meanwhile makes the client send it again —
   * to a node that can tell it was handled, or cannot and handles it (it never ran on one the record reached).
   */
  #recorded = 0;
  /** Whether the client is owed an acknowledgement (of a new frame, or of a duplicate it sent again). */
  #ackDue = false;
  #ackTimer: NodeJS.Timeout | undefined;
  /** The highest server seq handed to this connection. */
  #sent = 0;
  /** Frames for the client not yet acknowledged: their seq and size, for the budget. */
  readonly #unacked: Array<{ seq: number; bytes: number }> = [];
  #unackedBytes = 0;
  /** What waits until the session is attached: client frames to handle, server frames to send. */
  readonly #inbound: ClientFrame[] = [];
  readonly #outbound: Array<{ seq: number; text: string }> = [];
  /** This connection's hold on the session, for the broker. */
  readonly #link: SessionLink;

  /** Attaches to the session `hello` asks for (or a new one), says `welcome`, and re-sends what the client lacks. */
  constructor(
    readonly broker: Broker,
    readonly host: SessionHost,
    readonly limits: { maxBytes: number; ttlMs: number },
    hello: Hello,
  ) {
    this.#link = {
      deliver: (frame) => this.#deliver(frame),
      lost: () => this.#lost(),
      ttlMs: limits.ttlMs,
    };
    this.#attached = this.#attach(hello);
    // Registered first: it runs before the sends queued behind the attachment, which keep their order.
    void this.#attached.then(() => {
      this.#ready = true;
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

  /** A frame with a seq: handled once. */
  #sequenced(frame: Sequenced): void {
    const { seq, redelivered } = frame;
    if (seq === undefined) {
      this.host.malformed(frame, 'On a v2 connection this frame needs a "seq".');
      return;
    }
    if (seq <= this.#processed) {
      this.#owe(); // seen already: acknowledged again, handled once
      return;
    }
    this.#processed = seq;
    // Recorded before the handler runs (a handler that fails or is slow never makes it run twice), and
    // acknowledged once recorded.
    this.broker.processed(this.#id!, seq).then(() => this.#record(seq), this.#failed);
    this.host.handle(frame, redelivered === true);
  }

  /**
   * Sends a frame to the client through the session: numbered, kept until acknowledged, re-sent on resume —
   * also once this connection has ended (the client may come back). False once there is no session to keep it.
   */
  send(frame: ServerFrame): boolean {
    return this.sendText(encode(frame));
  }

  /** {@link send} for a frame already encoded (a JSON object), so that it is encoded once. */
  sendText(text: string): boolean {
    if (this.#state === 'ended' && this.#id === undefined) return false;
    // Without its seq, which the broker gives it (sequenced); with the ack the client is owed, if any, spliced
    // in when it goes to the broker.
    const toBroker = (id: string): Promise<number> => {
      const ack = this.#ackDue ? `{"ack":${this.#recorded},${text.slice(1)}` : text;
      this.#ackDue = false;
      return this.broker.send(id, ack);
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
    const attaching = this.#state === 'attaching';
    this.#state = 'ended';
    clearTimeout(this.#ackTimer);
    if (!attaching && this.#id) this.broker.detach(this.#id, this.#link).catch(this.#failed);
  }

  async #attach(hello: Hello): Promise<string | undefined> {
    try {
      const { record, resumed } = await this.broker.attach(hello.session, this.#link);
      this.#id = record.id;
      if (this.#state === 'ended') {
        await this.broker.detach(record.id, this.#link);
        return record.id;
      }
      this.#processed = record.processed;
      this.#recorded = record.processed;
      this.host.sendText(
        encode({ type: 'welcome', v: 2, session: record.id, resumed, received: record.processed }),
      );
      // What the client has is acknowledged; the rest of the outbox goes again, then what came meanwhile.
      this.broker.acknowledged(record.id, hello.received).catch(this.#failed);
      const due = [...record.outbox, ...this.#outbound.splice(0)];
      this.#sent = hello.received;
      this.#state = 'ready';
      for (const frame of due) this.#deliver(frame);
      for (const frame of this.#inbound.splice(0)) this.receive(frame);
      return record.id;
    } catch (error) {
      // Without a session nothing can be handled or kept: what waited is let go, and the client comes back.
      this.#failed(error);
      if (this.#state === 'attaching') {
        this.#state = 'ended';
        this.#inbound.length = 0;
        this.#outbound.length = 0;
        this.host.unavailable();
      }
      return undefined;
    }
  }

  /** A frame the broker numbered for this session (from this node or another). */
  #deliver(frame: { seq: number; text: string }): void {
    if (this.#state === 'attaching') {
      this.#outbound.push(frame);
      return;
    }
    if (this.#state === 'ended' || frame.seq <= this.#sent) return;
    this.#sent = frame.seq;
    const bytes = Buffer.byteLength(frame.text);
    this.#unacked.push({ seq: frame.seq, bytes });
    this.#unackedBytes += bytes;
    if (this.#unackedBytes > this.limits.maxBytes) {
      this.#state = 'ended';
      this.broker.end(this.#id!).catch(this.#failed);
      this.host.overBudget();
      return;
    }
    this.host.sendText(frame.text, bytes);
  }

  #acknowledged(seq: number): void {
    // Counted, then cut with one splice: a shift() per frame moves the whole array each time, which made a large
    // backlog quadratic (bench/README.md, "where the time goes").
    let count = 0;
    for (; count < this.#unacked.length && this.#unacked[count]!.seq <= seq; count++)
      this.#unackedBytes -= this.#unacked[count]!.bytes;
    this.#unacked.splice(0, count);
    this.broker.acknowledged(this.#id!, seq).catch(this.#failed);
  }

  /** The broker recorded client frames up to `seq` as processed: they may be acknowledged. */
  #record(seq: number): void {
    if (seq > this.#recorded) this.#recorded = seq;
    this.#owe();
  }

  /** The broker lost the session: nothing sent to it can be kept any more, and the client must start anew. */
  #lost(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.#id = undefined;
    clearTimeout(this.#ackTimer);
    this.host.lost();
  }

  /** The client is owed an ack: it goes within ACK_DELAY_MS, alone or on a frame sent to the client meanwhile. */
  #owe(): void {
    if (this.#state !== 'ready') return;
    this.#ackDue = true;
    this.#ackTimer ??= setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  readonly #failed = (error: unknown): void => this.host.failed(new BrokerError(error));
}
