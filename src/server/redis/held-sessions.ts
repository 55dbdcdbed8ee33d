import type { SessionLink } from '../broker.js';
import { decodeSessionFrame, decodeSessionNotice, seqOf } from './codec.js';
import type { Connection } from './connection.js';
import type { Keys } from './keys.js';
import { type Ordering, Sequencer } from './sequencer.js';
import { OUTBOX, RENEW } from './session-scripts.js';

type Frame = { seq: number; text: string };

/** A session attached on this node: the connection's link, this attachment's generation, its frames in order. */
export interface Held {
  readonly link: SessionLink;
  /** The attachment's generation (fencing token), once the attach script gave it. */
  generation: number | undefined;
  /** The highest generation a notice named for this session while this attachment was pending. */
  heard: number;
  /** Its session ended over budget (a notice) while this attachment was pending. */
  overBudget: boolean;
  /** Told `lost` or `superseded` (each link hears one of them, once). */
  done: boolean;
  readonly sequencer: Sequencer<Frame, number>;
}

/** How many ticks a renewal round is spread over: each tick renews its share of the sessions. */
const TICKS_PER_ROUND = 10;
/** Sessions renewed by one script (a batch costs Redis ~4 µs per session, and one round trip). */
const BATCH = 100;

const place: Ordering<Frame, number>['place'] = (last = 0, { seq }) =>
  seq <= last ? 'old' : seq === last + 1 ? 'next' : 'hole';

/**
 * The sessions attached on this node. Frames any node sends to them arrive on this node's pub/sub topic and go
 * to their link in seq order, each once — those missed while the pub/sub connection was down fetched from the
 * session's outbox first; notices on the same topic say that a later attachment took one, or that it ended
 * over budget. The node renews its hold on them once per `refreshIntervalMs`, spread over the interval in
 * batches, so that the sessions of a node that died expire after their TTL; a session whose record is gone
 * (Redis restarted) is reported lost. Owns one timer, cleared by `close()`.
 */
export class HeldSessions {
  readonly #held = new Map<string, Held>();
  readonly #timer: NodeJS.Timeout;
  /** The sessions still to renew in this round, and how many go per tick. */
  #round: Array<[string, Held]> = [];
  #perTick = 0;
  #tick = 0;
  /** Whether a renewal is under way (a slow Redis must not pile them up). */
  #renewing = false;

  constructor(
    readonly connection: Connection,
    readonly keys: Keys,
    readonly refreshIntervalMs: number,
    readonly failed: (error: unknown) => void,
  ) {
    this.#timer = setInterval(() => void this.#renew(), refreshIntervalMs / TICKS_PER_ROUND);
    this.#timer.unref?.();
  }

  /** How long a held session's record lives without renewal. */
  ttlOf(link: SessionLink): number {
    return link.ttlMs + 2 * this.refreshIntervalMs;
  }

  /** A message on this node's topic: a frame for one of its sessions, or a notice about one. */
  readonly receive = (message: string): void => {
    const frame = decodeSessionFrame(message);
    if (frame) return void this.#held.get(frame.id)?.sequencer.arrive({ seq: frame.seq, text: frame.text });
    const notice = decodeSessionNotice(message);
    const held = notice && this.#held.get(notice.id);
    if (!notice) this.failed(new Error(`Not a session frame on this node's topic: ${message.slice(0, 80)}`));
    else if (!held) return;
    else if (held.generation === undefined) {
      // Its attach is under way: whether the notice is about an earlier or a later one is known at `start`.
      if (notice.kind === 'budget') held.overBudget = true;
      else held.heard = Math.max(held.heard, notice.generation);
    } else if (notice.kind === 'budget') this.end(notice.id, held, 'budget');
    else if (notice.generation > held.generation) this.end(notice.id, held, 'superseded');
  };

  /** Starts holding session `id` for `link` (frames wait until {@link start}); it replaces an earlier one here. */
  hold(id: string, link: SessionLink): Held {
    const held: Held = {
      link,
      generation: undefined,
      heard: 0,
      overBudget: false,
      done: false,
      sequencer: new Sequencer<Frame, number>(
        { place, advance: (_, { seq }) => seq, fetch: (last) => this.#outbox(id, held, last) },
        (frame) => link.deliver(frame),
        this.failed,
        { waiting: true },
      ),
    };
    this.#held.set(id, held);
    return held;
  }

  /**
   * The attach script gave `held` its generation, and the record says frames up to `sent` exist: later ones go
   * to the link as they come. What notices said meanwhile reaches the link after the attach resolved.
   */
  start(id: string, held: Held, generation: number, sent: number): void {
    held.generation = generation;
    held.sequencer.start(sent);
    const why = held.overBudget ? 'budget' : held.heard > generation ? 'superseded' : undefined;
    if (why) setImmediate(() => this.#held.get(id) === held && this.end(id, held, why));
  }

  /** This node no longer holds `id` for `held` (detached, ended, or failed to attach): nothing is told. */
  release(id: string, held: Held | undefined = this.#held.get(id)): void {
    held?.sequencer.close();
    if (held && this.#held.get(id) === held) this.#held.delete(id);
  }

  /** Puts back an attachment that a failed attach replaced. */
  restore(id: string, held: Held): void {
    if (!held.done && !this.#held.has(id)) this.#held.set(id, held);
  }

  /** The attachment of `id` on this node, if any. */
  get(id: string): Held | undefined {
    return this.#held.get(id);
  }

  /**
   * The session of `held` is lost (`store` or `budget`), or taken by a later attachment (`superseded`): the
   * link hears it, once, and this node lets go of it.
   */
  end(id: string, held: Held | undefined, why: 'store' | 'budget' | 'superseded'): void {
    if (!held || held.done) return;
    held.done = true;
    this.release(id, held);
    if (why === 'superseded') held.link.superseded();
    else held.link.lost(why);
  }

  /** The pub/sub connection came back: each session fetches the frames it missed (or finds itself lost). */
  resync(): void {
    for (const held of this.#held.values()) held.sequencer.resync();
  }

  close(): void {
    clearInterval(this.#timer);
    for (const held of this.#held.values()) held.sequencer.close();
    this.#held.clear();
    this.#round = [];
  }

  /** The session's frames after `last` from its outbox; none if the session is gone (then it is lost). */
  async #outbox(id: string, held: Held, last: number | undefined): Promise<Frame[]> {
    const outbox = (await this.connection.run(OUTBOX, [this.keys.session(id), this.keys.outbox(id)])) as
      | string[]
      | null;
    if (outbox === null) {
      if (this.#held.get(id) === held) this.end(id, held, 'store');
      return [];
    }
    const frames = outbox.map((text) => ({ seq: seqOf(text) ?? 0, text }));
    return frames.filter(({ seq }) => seq > (last ?? 0));
  }

  /**
   * One tick of renewals: a round renews every session held at its start, a tenth of them per tick, in batches
   * of {@link BATCH} per script — so that many sessions cost Redis small steps spread over the interval, not one
   * burst. Reports the lost ones, and tells those a later attachment took.
   */
  async #renew(): Promise<void> {
    if (this.#tick++ % TICKS_PER_ROUND === 0) {
      this.#round = [...this.#held].filter(([, held]) => held.generation !== undefined);
      this.#perTick = Math.ceil(this.#round.length / TICKS_PER_ROUND);
    }
    if (this.#renewing || this.#round.length === 0) return;
    this.#renewing = true;
    const share = this.#round.splice(0, this.#perTick);
    let failure: unknown;
    for (let start = 0; start < share.length; start += BATCH) {
      const batch = share.slice(start, start + BATCH).filter(([id, held]) => this.#held.get(id) === held);
      if (batch.length === 0) continue;
      const keys = batch.flatMap(([id]) => [this.keys.session(id), this.keys.outbox(id)]);
      const args = batch.flatMap(([, held]) => [held.generation ?? 0, this.ttlOf(held.link)]);
      try {
        const replies = (await this.connection.run(RENEW, keys, args)) as number[];
        for (const [index, [id, held]] of batch.entries()) {
          if (replies[index] === 0) this.end(id, held, 'store');
          else if (replies[index] === 2) this.end(id, held, 'superseded');
        }
      } catch (error) {
        failure ??= error; // one report per tick, not one per batch
      }
    }
    this.#renewing = false;
    if (failure !== undefined) this.failed(failure);
  }
}
