/** Every legal transition. Anything else is a bug in this library, and {@link checkTransition} says so. */
export const TRANSITIONS = {
    // → closed: the attempt failed and no retry is allowed.
    connecting: ['open', 'reconnecting', 'closing', 'closed'],
    // → connecting: reconnect(). → closed: lost, and no retry is allowed.
    open: ['connecting', 'reconnecting', 'closing', 'closed'],
    reconnecting: ['connecting', 'closed'],
    closing: ['closed'],
    closed: [],
};
/** Throws if `from → to` is not in {@link TRANSITIONS}. */
export function checkTransition(from, to) {
    if (!TRANSITIONS[from].includes(to))
        throw new Error(`reliable-socket bug: illegal state transition ${from} → ${to}`);
}
//# sourceMappingURL=state.js.map