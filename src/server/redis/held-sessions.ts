import type { SessionLink } from '../broker.js';
import { decodeSessionFrame, seqOf } from './codec.js';
import type { Connection } from './connection.js';
import type { Keys } from './keys.js';
import { HOLD, OUTBOX } from './scripts.js';
import { type Ordering, Sequencer } from './sequencer.js';

type Frame = { seq: number; text: string };

/** A session attached on this node: the connection's link, this attachment's token, its frames in order. */
export interface Held {
  readonly link: SessionLink;
  /** Names this attachment in the session's record: a later one (here or on another node) replaces it. */
  readonly holder: string;
  readonly sequencer: Sequencer<Frame, number>;
}

const place: Ordering<Frame, number>['place'] = (last = 0, { seq }) =>
  seq <= last ? 'old' : seq === last + 1 ? 'next' : 'hole';

/**
 * The sessions attached on this node. Frames any node sends to them arrive on this node's pub/sub topic and go
 * to their link in seq order, each once — those missed while the pub/sub connection was down fetched from the
 * session's outbox first. Every `refreshIntervalMs` the node renews its hold on them, so that the sessions of a
 * node that died expire after their TTL; a session whose record is gone (Redis restarted) is reported lost.
 * Owns one timer, cleared by `close()`.
 */
export class HeldSessions {
  readonly #held = new Map<string, Held>();
  #attachments = 0;
  readonly #timer: NodeJS.Timeout;
  /** Whether a renewal is under way (a slow Redis must not pile them up). */
  #renewing = false;

  constructor(
    readonly connection: Connection,
    readonly keys: Keys,
    readonly node: string,
    readonly refreshIntervalMs: number,
    readonly failed: (error: unknown) => void,
  ) {
    this.#timer = setInterval(() => void this.#renew(), refreshIntervalMs);
    this.#timer.unref?.();
  }

  /** How long a held session's record lives without renewal. */
  ttlOf(link: SessionLink): number {
    return link.ttlMs + 2 * this.refreshIntervalMs;
  }

  /** A message on this node's topic: a frame for one of its sessions. */
  readonly receive = (message: string): void => {
    const frame = decodeSessionFrame(message);
    if (frame) this.#held.get(frame.id)?.sequencer.arrive({ seq: frame.seq, text: frame.text });
    else this.failed(new Error(`Not a session frame on this node's topic: ${message.slice(0, 80)}`));
  };

  /** Starts holding session `id` for `link` (frames wait until {@link start}); replaces an earlier attachment. */
  hold(id: string, link: SessionLink): Held {
    this.#held.get(id)?.sequencer.close();
    const holder = `${this.node}.${++this.#attachments}`;
    const sequencer = new Sequencer<Frame, number>(
      { place, advance: (_, { seq }) => seq, fetch: (last) => this.#outbox(id, holder, last) },
      (frame) => link.deliver(frame),
      this.failed,
      { waiting: true },
    );
    const held: Held = { link, holder, sequencer };
    this.#held.set(id, held);
    return held;
  }

  /** The session's record says frames up to `sent` exist: later ones go to the link as they come. */
  start(held: Held, sent: number): void {
    held.sequencer.start(sent);
  }

  /** This node no longer holds `id` for `held` (detached, ended, or held elsewhere now). */
  release(id: string, held: Held | undefined = this.#held.get(id)): void {
    if (!held || this.#held.get(id) !== held) return;
    held.sequencer.close();
    this.#held.delete(id);
  }

  /** The attachment of `id` on this node, if any. */
  get(id: string): Held | undefined {
    return this.#held.get(id);
  }

  /** Redis no longer has the session: if `held` (by default, whoever holds it here) still does, it hears it once. */
  lost(id: string, held: Held | undefined = this.#held.get(id)): void {
    if (!held || this.#held.get(id) !== held) return;
    this.release(id, held);
    held.link.lost();
  }

  /** The pub/sub connection came back: each session fetches the frames it missed (or finds itself lost). */
  resync(): void {
    for (const held of this.#held.values()) held.sequencer.resync();
  }

  close(): void {
    clearInterval(this.#timer);
    for (const held of this.#held.values()) held.sequencer.close();
    this.#held.clear();
  }

  /** The session's frames after `last` from its outbox; none if the session is gone (then it is lost). */
  async #outbox(id: string, holder: string, last: number | undefined): Promise<Frame[]> {
    const outbox = (await this.connection.run(OUTBOX, [this.keys.session(id), this.keys.outbox(id)])) as
      | string[]
      | null;
    if (outbox === null) {
      const held = this.#held.get(id);
      if (held?.holder === holder) this.lost(id, held);
      return [];
    }
    const frames = outbox.map((text) => ({ seq: seqOf(text) ?? 0, text }));
    return frames.filter(({ seq }) => seq > (last ?? 0));
  }

  /** Renews the hold on every session held here; reports the lost ones, lets go of those held elsewhere now. */
  async #renew(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    let failure: unknown;
    await Promise.all(
      [...this.#held].map(async ([id, held]) => {
        const keys = [this.keys.session(id), this.keys.outbox(id)];
        try {
          const reply = await this.connection.run(HOLD, keys, [held.holder, this.ttlOf(held.link), 'hold']);
          if (reply === 0) this.lost(id, held);
          else if (reply === 2) this.release(id, held);
        } catch (error) {
          failure ??= error; // one report per round, not one per session
        }
      }),
    );
    this.#renewing = false;
    if (failure !== undefined) this.failed(failure);
  }
}
