// The wire protocol shared by the client and the companion server: one JSON object per text frame, told apart
// by `type`. PROTOCOL.md is the prose version of this file.
/** Encodes a frame. */
export const encode = (frame) => JSON.stringify(frame);
/**
 * Keys that must never reach objects the app holds: with them, a later merge can poison a prototype. A frame
 * that names one — or has any \u escape, which could spell one — is parsed the slow, safe way.
 */
const MAYBE_UNSAFE = /"(?:__proto__|constructor|prototype)"|\\u/;
const dropUnsafe = (key, value) => key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;
/**
 * Parses the JSON object in a text frame, dropping `__proto__`, `constructor` and `prototype` keys at any
 * depth. Returns undefined for anything that is not a JSON object. Never throws.
 */
export function parseObject(text) {
    // A cheap look before paying for a parse: every envelope is an object.
    if (text.charCodeAt(0) !== 123 /* { */)
        return undefined;
    try {
        // The reviver is slow; only frames that mention an unsafe key pay for it.
        const value = MAYBE_UNSAFE.test(text) ? JSON.parse(text, dropUnsafe) : JSON.parse(text);
        return value !== null && typeof value === 'object' && !Array.isArray(value)
            ? value
            : undefined;
    }
    catch {
        return undefined;
    }
}
const isString = (value) => typeof value === 'string' && value !== '';
const isId = (value) => typeof value === 'number' && Number.isSafeInteger(value);
/** Decodes a frame from the server; undefined when it is not a valid envelope (it then goes to `message`). */
export function decodeServerFrame(data) {
    const frame = typeof data === 'string' ? parseObject(data) : undefined;
    if (!frame)
        return undefined;
    const { type, channel, id, error } = frame;
    if (type === 'message' && isString(channel))
        return { type, channel, data: frame.data };
    if (type === 'response' && isId(id)) {
        if (error === undefined)
            return { type, id, data: frame.data };
        const { message, code } = (error ?? {});
        if (typeof message === 'string')
            return { type, id, error: { message, code: typeof code === 'string' ? code : undefined } };
    }
    return undefined;
}
/** Decodes a frame from a client; undefined when it is not a valid envelope. */
export function decodeClientFrame(data) {
    const frame = parseObject(data);
    if (!frame)
        return undefined;
    const { type, channel, id } = frame;
    if (type === 'ping' && (id === undefined || isId(id)))
        return { type, id: id ?? 0 };
    if (!isString(channel))
        return undefined;
    if (type === 'subscribe' || type === 'unsubscribe')
        return { type, channel };
    if (type === 'message')
        return { type, channel, data: frame.data };
    if (type === 'request' && isId(id))
        return { type, id, channel, data: frame.data };
    return undefined;
}
//# sourceMappingURL=protocol.js.map