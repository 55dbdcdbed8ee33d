/** Longest delay `setTimeout` honours; beyond it, browsers and Node fire almost at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/**
 * One pending timeout with one owner. `set()` replaces whatever was pending, `clear()` cancels it; an owner
 * clears its timers when it ends, so nothing fires after. A delay of Infinity never fires.
 */
export class Timer {
    #id;
    set(callback, delayMs) {
        this.clear();
        if (delayMs === Infinity)
            return;
        this.#id = setTimeout(() => {
            this.#id = undefined;
            callback();
        }, Math.min(delayMs, MAX_TIMER_MS));
    }
    clear() {
        clearTimeout(this.#id);
        this.#id = undefined;
    }
}
//# sourceMappingURL=timer.js.map