/**
 * Delay before retry `attempt` (1, 2, …): the cap `min(maxDelayMs, initialDelayMs · factor^(attempt-1))`, drawn
 * below per `jitter` with `random` in [0, 1). Full jitter (random in [0, cap]) spreads out clients that lost the
 * same server at once: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoff(attempt, curve, random) {
    const cap = Math.min(curve.maxDelayMs, curve.initialDelayMs * curve.factor ** (attempt - 1));
    const floor = curve.jitter === 'none' ? cap : curve.jitter === 'equal' ? cap / 2 : 0;
    return Math.round(floor + (cap - floor) * random);
}
//# sourceMappingURL=backoff.js.map