import { EventEmitter } from 'eventemitter3';
import { DEV } from './dev.js';

/** Listener count of one event at which a likely leak is reported (once, on the console). */
const LISTENER_WARNING_AT = 101;

/** An event map: event name → the arguments its listeners receive. (Mapped, so interfaces qualify.) */
export type EventMap<Events> = { [E in keyof Events]: unknown[] };

/** Reports an exception from app code the way the browser reports one thrown by an event listener. */
export function report(error: unknown): void {
  // reportError is missing in Node before 22; rethrowing from a timer is what it amounts to there.
  const { reportError } = globalThis as { reportError?: (error: unknown) => void };
  if (reportError) reportError(error);
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
export class Emitter<Events extends EventMap<Events>> {
  readonly #events = new EventEmitter();

  /** Calls `listener` on every `event` until the returned function is called. */
  on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): () => void {
    return this.#add(event, listener, false);
  }

  /** Calls `listener` on the next `event` only; the returned function removes it before that. */
  once<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): () => void {
    return this.#add(event, listener, true);
  }

  #add<E extends keyof Events & string>(
    event: E,
    listener: (...args: Events[E]) => void,
    once: boolean,
  ): () => void {
    // Each listener is wrapped once, here, so that emit() can use eventemitter3's allocation-free path:
    // `message` is emitted once per inbound frame.
    const isolated = (...args: Events[E]): void => {
      try {
        listener(...args);
      } catch (error) {
        this.failed(error, event);
      }
    };
    this.#events[once ? 'once' : 'on'](event, isolated);
    // The usual leak: `on()` in a function that runs per reconnect or per render, its unsubscribe dropped.
    // A warning for developers: the production build leaves it out.
    if (DEV && this.#events.listenerCount(event) === LISTENER_WARNING_AT) {
      globalThis.console?.warn(
        `reliable-socket: ${LISTENER_WARNING_AT} listeners of "${event}" on one emitter — a leak? on() and once() return the only function that removes a listener`,
      );
    }
    return () => void this.#events.off(event, isolated);
  }

  /** Calls every listener of `event`; returns whether there was any. */
  emit<E extends keyof Events & string>(event: E, ...args: Events[E]): boolean {
    return this.#events.emit(event, ...args);
  }

  /** What becomes of a listener's exception: reported like the browser does. */
  protected failed(error: unknown, _event: string): void {
    report(error);
  }
}
