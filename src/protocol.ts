// The wire protocol shared by the client and the companion server: one JSON object per text frame, told apart
// by `type`. PROTOCOL.md is the prose version of this file.

/** A request's failure as the server reports it. */
export interface WireError {
  message: string;
  code?: string | undefined;
}

/** Frames a client sends. (Pings are built by the heartbeat; their shape is configurable.) */
export type ClientFrame =
  | { type: 'ping'; id: number }
  | { type: 'subscribe'; channel: string }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'message'; channel: string; data: unknown }
  | { type: 'request'; id: number; channel: string; data: unknown };

/** Frames a server sends. */
export type ServerFrame =
  | { type: 'pong'; id?: number }
  | { type: 'message'; channel: string; data: unknown }
  | { type: 'response'; id: number; data: unknown }
  | { type: 'response'; id: number; error: WireError }
  // The reply to each `subscribe`, in the order of the subscribes: accepted, or refused with an error.
  | { type: 'subscribed'; channel: string; error?: WireError | undefined }
  // The server ended a subscription on its own.
  | { type: 'unsubscribed'; channel: string; reason: string }
  | { type: 'error'; message: string; code?: string };

/** Encodes a frame. */
export const encode = (frame: ClientFrame | ServerFrame): string => JSON.stringify(frame);

/**
 * Keys that must never reach objects the app holds: with them, a later merge can poison a prototype. A frame
 * that names one — or escapes `_` or a lowercase letter (`\u005f`, `\u0070`…), which could spell one — is
 * parsed the slow, safe way. Other escapes (`\u00e9`, `\u2028`, emoji) cannot spell these keys and keep the
 * fast path: the reviver costs ~35× a plain parse.
 */
export const MAYBE_UNSAFE = /"(?:__proto__|constructor|prototype)"|\\u00(?:5[fF]|[67][0-9a-fA-F])/;
const dropUnsafe = (key: string, value: unknown): unknown =>
  key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value;

/**
 * Parses the JSON object in a text frame, dropping `__proto__`, `constructor` and `prototype` keys at any
 * depth. Returns undefined for anything that is not a JSON object. Never throws.
 */
export function parseObject(text: string): Record<string, unknown> | undefined {
  // A cheap look before paying for a parse: every envelope is an object.
  if (text.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    // The reviver is slow; only frames that mention an unsafe key pay for it.
    const value: unknown = MAYBE_UNSAFE.test(text) ? JSON.parse(text, dropUnsafe) : JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

/** A wire error: `{ message, code? }`; undefined when it is not one. */
function wireError(error: unknown): WireError | undefined {
  const { message, code } = (error ?? {}) as Partial<WireError>;
  return typeof message === 'string'
    ? { message, code: typeof code === 'string' ? code : undefined }
    : undefined;
}

/** Decodes a frame from the server; undefined when it is not a valid envelope (it then goes to `message`). */
export function decodeServerFrame(data: unknown): ServerFrame | undefined {
  const frame = typeof data === 'string' ? parseObject(data) : undefined;
  if (!frame) return undefined;
  const { type, channel, id, error } = frame;
  if (type === 'message' && isString(channel)) return { type, channel, data: frame.data };
  if (type === 'response' && isId(id)) {
    if (error === undefined) return { type, id, data: frame.data };
    const failure = wireError(error);
    if (failure) return { type, id, error: failure };
  }
  if (type === 'subscribed' && isString(channel)) {
    if (error === undefined) return { type, channel };
    const failure = wireError(error);
    if (failure) return { type, channel, error: failure };
  }
  if (type === 'unsubscribed' && isString(channel))
    return { type, channel, reason: typeof frame.reason === 'string' ? frame.reason : '' };
  return undefined;
}

/** Decodes a frame from a client; undefined when it is not a valid envelope. */
export function decodeClientFrame(data: string): ClientFrame | undefined {
  const frame = parseObject(data);
  if (!frame) return undefined;
  const { type, channel, id } = frame;
  if (type === 'ping' && (id === undefined || isId(id))) return { type, id: id ?? 0 };
  if (!isString(channel)) return undefined;
  if (type === 'subscribe' || type === 'unsubscribe') return { type, channel };
  if (type === 'message') return { type, channel, data: frame.data };
  if (type === 'request' && isId(id)) return { type, id, channel, data: frame.data };
  return undefined;
}
