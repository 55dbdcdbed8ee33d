import { backoff } from './backoff.js';
import { fail, fn, group, num, oneOf } from './check.js';
import { MAX_TIMER_MS } from './timer.js';
const isDefaultPong = (data) => {
    // Cheap tests first: this runs on every inbound frame.
    if (typeof data !== 'string' || data.length > 128 || !data.includes('"pong"'))
        return false;
    try {
        return JSON.parse(data)?.type === 'pong';
    }
    catch {
        return false;
    }
};
const MAX = MAX_TIMER_MS;
function resolveHeartbeat(value, path) {
    if (value === false)
        return false;
    const { intervalMs, timeoutMs, ping, pong } = group(value, path, {
        intervalMs: num(25_000, 1, MAX),
        timeoutMs: num(10_000, 1, MAX),
        ping: fn(true),
        pong: fn(true),
    }, 'false or an object');
    return {
        intervalMs,
        timeoutMs,
        ping: typeof ping === 'string' ? () => ping : (ping ?? ((id) => `{"type":"ping","id":${id}}`)),
        isPong: typeof pong === 'string' ? (data) => data === pong : (pong ?? isDefaultPong),
    };
}
const closeCodes = (value, path) => {
    if (value === undefined)
        return [1002, 1003, 1007, 1008, 1009, 1010];
    if (!Array.isArray(value) || !value.every(Number.isInteger))
        fail(TypeError, path, 'an array of integer close codes', value);
    return value;
};
function resolveReconnect(value, path) {
    if (value === false)
        return false;
    const o = group(value, path, {
        initialDelayMs: num(1000, 0, MAX),
        factor: num(2, 1, 1000),
        maxDelayMs: num(-1, 0, MAX), // -1: not given; it then defaults to at least initialDelayMs
        jitter: oneOf('full', 'equal', 'none'),
        delay: fn(),
        maxRetries: num(Infinity, 0, Infinity, true),
        stableAfterMs: num(5000, 0, Infinity),
        finalCloseCodes: closeCodes,
        shouldReconnect: fn(),
        random: fn(),
    }, 'false or an object');
    const maxDelayMs = o.maxDelayMs < 0 ? Math.max(30_000, o.initialDelayMs) : o.maxDelayMs;
    if (maxDelayMs < o.initialDelayMs) {
        fail(RangeError, `${path}.maxDelayMs`, `at least initialDelayMs (${o.initialDelayMs})`, maxDelayMs);
    }
    const curve = { ...o, maxDelayMs };
    const random = o.random ?? Math.random;
    return {
        delay: o.delay ?? ((attempt) => backoff(attempt, curve, random())),
        maxRetries: o.maxRetries,
        stableAfterMs: o.stableAfterMs,
        finalCloseCodes: o.finalCloseCodes,
        shouldReconnect: o.shouldReconnect ?? (() => true),
    };
}
const protocolsCheck = (value, path) => {
    if (value !== undefined &&
        typeof value !== 'string' &&
        !(Array.isArray(value) && value.every((p) => typeof p === 'string'))) {
        fail(TypeError, path, 'a string or an array of strings', value);
    }
    return value;
};
/** Fills in defaults and validates; throws a TypeError or RangeError that names the bad option and value. */
export function resolveOptions(options) {
    const o = group(options, 'options', {
        protocols: protocolsCheck,
        WebSocket: (value, path) => {
            const WebSocketImpl = fn()(value, path) ?? globalThis.WebSocket;
            if (typeof WebSocketImpl !== 'function') {
                throw new TypeError("reliable-socket: no global WebSocket here: pass options.WebSocket (in Node < 22: import { WebSocket } from 'ws')");
            }
            return WebSocketImpl;
        },
        binaryType: oneOf('blob', 'arraybuffer'),
        connectTimeoutMs: num(10_000, 1, Infinity),
        heartbeat: resolveHeartbeat,
        reconnect: resolveReconnect,
        queue: (value, path) => group(value, path, {
            maxMessages: num(1000, 0, Infinity, true),
            maxBytes: num(1024 * 1024, 0, Infinity),
            overflow: oneOf('drop-oldest', 'drop-newest', 'throw'),
        }),
        onOpen: fn(),
    });
    return o;
}
/**
 * Checks a URL and makes it absolute: relative URLs resolve against the page, `http(s):` becomes `ws(s):`
 * (as browsers now do natively). Throws a TypeError naming `what` for anything else.
 */
export function resolveUrl(value, what) {
    let url;
    try {
        url = new URL(String(value), globalThis.location?.href);
    }
    catch { }
    const scheme = url?.protocol.replace(/^http/, 'ws');
    if (!url || (scheme !== 'ws:' && scheme !== 'wss:'))
        fail(TypeError, what, 'a ws:, wss:, http: or https: URL', value);
    url.protocol = scheme;
    url.hash = ''; // the WebSocket constructor rejects fragments
    return url.href;
}
//# sourceMappingURL=resolve-options.js.map