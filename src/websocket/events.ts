import type { CloseDetails } from '../index.js';

/** The events a WebSocket dispatches, by the name of their `on*` handler. */
export type HandlerEvent = 'open' | 'message' | 'close' | 'error';

// biome-ignore lint/suspicious/noExplicitAny: a handler's `this` and event types vary by event; callers type them.
type Handler = ((this: any, event: any) => unknown) | null;

/**
 * The `on*` handler attributes of one EventTarget, with the native semantics: a handler is a listener that
 * takes its place among the others when first set, keeps that place when replaced, and leaves when set to
 * null (or to anything but a function); it runs with `this` as the target.
 */
export class HandlerSlots {
  readonly #slots = new Map<
    HandlerEvent,
    { handler: NonNullable<Handler>; listener: (event: Event) => void }
  >();

  constructor(readonly target: EventTarget) {}

  get(type: HandlerEvent): Handler {
    return this.#slots.get(type)?.handler ?? null;
  }

  set(type: HandlerEvent, value: Handler): void {
    const slot = this.#slots.get(type);
    if (typeof value !== 'function') {
      if (slot) this.target.removeEventListener(type, slot.listener);
      this.#slots.delete(type);
    } else if (slot) {
      slot.handler = value;
    } else {
      const next = { handler: value, listener: (event: Event) => void next.handler.call(this.target, event) };
      this.#slots.set(type, next);
      this.target.addEventListener(type, next.listener);
    }
  }
}

/** A `close` event; where there is no `CloseEvent` (Node before 23) an Event carrying the same fields. */
export function closeEvent({ code, reason, wasClean }: CloseDetails): CloseEvent {
  if (typeof CloseEvent === 'function') return new CloseEvent('close', { code, reason, wasClean });
  return Object.assign(new Event('close'), { code, reason, wasClean }) as CloseEvent;
}
