import { fail } from './check.js';
import { DEV } from './dev.js';
import { report } from './emitter.js';
import type { IncomingData } from './events.js';
import type { HeartbeatFrame } from './options.js';
import { isBinary, type ResolvedHeartbeat } from './resolve-options.js';
import { Timer } from './timer.js';

/** What a {@link Heartbeat} needs from its connection. */
export interface HeartbeatHost {
  send(frame: HeartbeatFrame): void;
  /** Nothing arrived within the timeout after a ping. */
  dead(): void;
  /** The pong of the ping that was out arrived, `rttMs` after that ping. */
  pong(rttMs: number): void;
}

/** The ping waiting for its pong: its id, when it went out, and whether any frame has arrived since. */
interface Out {
  id: number;
  at: number;
  heard?: true;
}

/**
 * Monotonic milliseconds. A wall clock (Date.now) can be set back or forward by the user or NTP; a deadline
 * judged by it would then wait an hour or fire at once. Timers run on the monotonic clock too, so after a
 * sleep the overdue deadline is judged when its timer fires, exactly as without the sleep.
 */
const now = (): number => performance.now();

/**
 * Pings one connection every `intervalMs` and declares it dead when nothing at all arrives within `timeoutMs`
 * of a ping. One ping is out at a time: the next waits until the pong of the previous one has come, or until
 * its timeout has passed with other frames arriving (the link lives; that pong is given up). Only the pong of
 * the ping that is out measures the round trip — matched by id when the pong carries one.
 *
 * It owns one timer, and every decision compares monotonic timestamps when that timer fires, so a throttled
 * tab's late timer still judges correctly. Inbound frames only mark the ping as heard; they never touch the
 * timer (that would be a clearTimeout/setTimeout pair per message) — only a matched pong reschedules it.
 */
export class Heartbeat {
  readonly #timer = new Timer();
  #id = 0;
  /** When the latest ping was due (sent, or skipped because the ping hook threw). */
  #lastPingAt = 0;
  #out: Out | undefined;

  readonly #options: ResolvedHeartbeat;
  readonly #host: HeartbeatHost;

  constructor(options: ResolvedHeartbeat, host: HeartbeatHost) {
    this.#options = options;
    this.#host = host;
  }

  /** Starts the schedule: the first ping goes out after one interval. */
  start(): void {
    this.#lastPingAt = now();
    this.#schedule();
  }

  /**
   * Notes an inbound frame (any frame proves liveness); returns true if it is a pong, which is not for the app.
   * A pong hook that throws is reported and the frame treated as a message.
   */
  received(data: IncomingData): boolean {
    const out = this.#out;
    if (out) out.heard = true;
    let answer: number | boolean;
    try {
      answer = this.#options.pong(data);
    } catch (error) {
      report(error);
      return false;
    }
    // A number is the id of the ping it answers; true (any truthy value), a pong without one: it answers the
    // ping that is out.
    if (out && (typeof answer === 'number' ? answer === out.id : answer)) {
      this.#out = undefined;
      this.#schedule();
      this.#host.pong(now() - out.at); // last: a listener may close the socket
    }
    return typeof answer === 'number' || !!answer;
  }

  /** Checks liveness now: pings at once unless a ping is already out. */
  probe(): void {
    if (this.#out) return;
    this.#ping();
    this.#schedule();
  }

  /** Stops for good: a pong that still arrives (while the socket closes) finds no ping out and restarts nothing. */
  stop(): void {
    this.#timer.clear();
    this.#out = undefined;
  }

  #tick(): void {
    const { intervalMs, timeoutMs } = this.#options;
    const out = this.#out;
    if (out && now() - out.at >= timeoutMs) {
      if (!out.heard) {
        this.#host.dead();
        return;
      }
      this.#out = undefined; // frames came, so the link lives; this ping's pong is not coming in time
    }
    if (!this.#out && now() - this.#lastPingAt >= intervalMs) this.#ping();
    this.#schedule();
  }

  /** Sends the next ping. A ping hook that throws is reported and that ping skipped: no ping, no deadline. */
  #ping(): void {
    const id = ++this.#id;
    const at = now();
    this.#lastPingAt = at;
    try {
      const frame = this.#options.ping(id);
      if (typeof frame !== 'string' && !isBinary(frame))
        fail(TypeError, 'options.heartbeat.ping()', DEV && 'a string or binary data', frame);
      this.#out = { id, at };
      this.#host.send(frame);
    } catch (error) {
      report(error);
    }
  }

  /** Wakes at the deadline of the ping that is out, or else at the next ping. */
  #schedule(): void {
    const out = this.#out;
    const at = out ? out.at + this.#options.timeoutMs : this.#lastPingAt + this.#options.intervalMs;
    this.#timer.set(() => this.#tick(), Math.max(0, at - now()));
  }
}
