import { EventEmitter } from 'eventemitter3';
/** Reports an exception from app code the way the browser reports one thrown by an event listener. */
export function report(error) {
    // reportError is missing in Node before 22; rethrowing from a timer is what it amounts to there.
    const { reportError } = globalThis;
    if (reportError)
        reportError(error);
    else
        setTimeout(() => {
            throw error;
        });
}
/**
 * A typed emitter whose listeners are isolated from each other and from the emitter's owner, as on a native
 * EventTarget: a listener that throws is handed to {@link failed} and the others still run, so app code can
 * never leave the owner half-way through a state change. Held privately by its owner, so `emit` is not
 * public API.
 */
export class Emitter {
    #events = new EventEmitter();
    /** Calls `listener` on every `event` until the returned function is called. */
    on(event, listener) {
        this.#events.on(event, listener);
        return () => void this.#events.off(event, listener);
    }
    /** Calls every listener of `event`; returns whether there was any. */
    emit(event, ...args) {
        const listeners = this.#events.listeners(event);
        for (const listener of listeners) {
            try {
                listener(...args);
            }
            catch (error) {
                this.failed(error, event);
            }
        }
        return listeners.length > 0;
    }
    /** What becomes of a listener's exception: reported like the browser does. */
    failed(error, _event) {
        report(error);
    }
}
//# sourceMappingURL=emitter.js.map