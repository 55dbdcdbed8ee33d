/**
 * Where a {@link ReliableSocket} is in its life:
 * - `connecting`: an attempt is under way (URL, handshake, `onOpen`); `send()` queues.
 * - `open`: connected; `send()` sends.
 * - `reconnecting`: waiting before the next attempt (backoff, or the browser being offline); `send()` queues.
 * - `closing`: `close()` was called; waiting for the server to finish the closing handshake.
 * - `closed`: this life is over. Nothing runs any more; `send()` throws; only `open()` starts a new life.
 */
export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'closing' | 'closed';

/** Every legal transition. Anything else is a bug in this library, and {@link checkTransition} says so. */
export const TRANSITIONS: Readonly<Record<SocketState, readonly SocketState[]>> = {
  // → closed: the attempt failed and no retry is allowed.
  connecting: ['open', 'reconnecting', 'closing', 'closed'],
  // → connecting: reconnect(). → closed: lost, and no retry is allowed.
  open: ['connecting', 'reconnecting', 'closing', 'closed'],
  reconnecting: ['connecting', 'closed'],
  closing: ['closed'],
  // → connecting: open() starts a new life. Nothing else leaves closed.
  closed: ['connecting'],
};

/**
 * Throws if `from → to` is not in {@link TRANSITIONS}: an internal assertion, which only the development build
 * makes (callers write `if (DEV) checkTransition(…)`).
 */
export function checkTransition(from: SocketState, to: SocketState): void {
  if (!TRANSITIONS[from].includes(to))
    throw new Error(`reliable-socket bug: illegal state transition ${from} → ${to}`);
}
