import { Timer } from './timer.js';
/**
 * Pings one connection every `intervalMs` (the next ping waits while one is unanswered) and declares it dead
 * when nothing at all arrives within `timeoutMs` of a ping. It owns one timer, and every decision compares wall-clock timestamps when that timer fires, so a
 * throttled tab's late timer still judges correctly: a pong that arrived meanwhile keeps the link alive, and a
 * deadline that passed meanwhile is acted on at once. Inbound frames only record a timestamp; they never touch
 * the timer (that would be a clearTimeout/setTimeout pair per message).
 */
export class Heartbeat {
    options;
    host;
    #timer = new Timer();
    #id = 0;
    #lastPingAt = 0;
    /** When the unanswered ping was sent; undefined once anything has arrived since. */
    #awaitingSince;
    /** Whether the latest ping's pong is still to come (for the RTT, which only a pong measures). */
    #pongDue = false;
    constructor(options, host) {
        this.options = options;
        this.host = host;
    }
    /** Starts the schedule: the first ping goes out after one interval. */
    start() {
        this.#lastPingAt = Date.now();
        this.#schedule(this.#lastPingAt);
    }
    /** Notes an inbound frame (any frame proves liveness); returns true if it is a pong, which is not for the app. */
    received(data) {
        this.#awaitingSince = undefined;
        if (!this.options.isPong(data))
            return false;
        if (this.#pongDue) {
            this.#pongDue = false;
            this.host.pong(Date.now() - this.#lastPingAt);
        }
        return true;
    }
    /** Checks liveness now: pings at once unless a ping is already waiting for an answer. */
    probe() {
        if (this.#awaitingSince !== undefined)
            return;
        const now = Date.now();
        this.#ping(now);
        this.#schedule(now);
    }
    stop() {
        this.#timer.clear();
    }
    #tick() {
        const now = Date.now();
        const { intervalMs, timeoutMs } = this.options;
        if (this.#awaitingSince !== undefined) {
            if (now - this.#awaitingSince >= timeoutMs) {
                this.host.dead();
                return;
            }
        }
        else if (now - this.#lastPingAt >= intervalMs) {
            this.#ping(now);
        }
        this.#schedule(now);
    }
    #ping(now) {
        this.#lastPingAt = this.#awaitingSince = now;
        this.#pongDue = true;
        this.host.send(this.options.ping(++this.#id));
    }
    /**
     * Wakes at the deadline of the unanswered ping or at the next ping, whichever comes first. While a ping is
     * unanswered no other goes out (so one RTT is measured at a time): then only a future ping time counts.
     */
    #schedule(now) {
        const { intervalMs, timeoutMs } = this.options;
        const nextPing = this.#lastPingAt + intervalMs;
        const deadline = this.#awaitingSince === undefined ? Infinity : this.#awaitingSince + timeoutMs;
        this.#timer.set(() => this.#tick(), Math.min(deadline, nextPing > now ? nextPing : Infinity) - now);
    }
}
//# sourceMappingURL=heartbeat.js.map