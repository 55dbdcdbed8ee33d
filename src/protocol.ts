// The wire protocol shared by the client and the companion server: one JSON object per text frame, told apart
// by `type`. PROTOCOL.md is the prose version of this file.

/** A request's failure as the server reports it. */
export interface WireError {
  message: string;
  code?: string | undefined;
}

/** A position in a channel's history: `offset` grows by 1 per publication; `epoch` changes when history is lost. */
export interface Position {
  offset: number;
  epoch: string;
}

/**
 * Client frames that carry a sequence number on a v2 connection (shown without it): the server processes each
 * once per session, and acknowledges it.
 */
export type SequencedFrame =
  | { type: 'subscribe'; channel: string; since?: Position }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'message'; channel: string; data: unknown }
  | { type: 'request'; id: number; channel: string; data: unknown };

/** Frames a client sends. (Pings are built by the heartbeat; their shape is configurable.) */
export type ClientFrame =
  | { type: 'ping'; id: number }
  // `attempt`: the client's count of its hellos, so that a late one (a dead connection's) cannot take the session.
  | { type: 'hello'; v: 2; session?: string; received: number; attempt?: number }
  | { type: 'ack'; seq: number }
  // `redelivered`: re-sent to a new session after the old one was lost (it cannot know whether it was processed).
  | (SequencedFrame & { seq?: number; redelivered?: true });

/**
 * Why publications on a channel may have been missed (PROTOCOL.md, "Version 2"): the history no longer holds
 * them (`trimmed`), it was lost or reset (`epoch`), the channel keeps none (`no-history`), the session was lost
 * with what the server had for this client alone (`session`), or offsets jumped on a live connection (`missed`).
 */
export type GapReason = 'trimmed' | 'epoch' | 'no-history' | 'session' | 'missed';

/** Frames a server sends. Any may carry `ack`: the client frames processed so far (v2). */
export type ServerFrame = (
  | { type: 'pong'; id?: number }
  // `limits.requests`: how many requests the server handles at once for this client (its `maxPendingRequests`);
  // the client keeps at most that many written and unanswered (absent: no limit announced, no pacing).
  | {
      type: 'welcome';
      v: 2;
      session: string;
      resumed: boolean;
      received: number;
      limits?: { requests?: number };
    }
  | { type: 'ack'; seq?: number }
  | { type: 'message'; channel: string; data: unknown; seq?: number; offset?: number; epoch?: string }
  // A publication this client is the `except` of: its position moves past it, without the data (v2).
  | { type: 'skip'; channel: string; offset: number; epoch: string }
  | { type: 'response'; id: number; data: unknown; seq?: number }
  | { type: 'response'; id: number; error: WireError; seq?: number }
  // The reply to each `subscribe`, in the order of the subscribes: accepted (v2: with the channel's position,
  // and whether what was missed was replayed), or refused with an error.
  | {
      type: 'subscribed';
      channel: string;
      offset?: number;
      epoch?: string;
      recovered?: boolean;
      reason?: GapReason;
      error?: WireError;
    }
  // The server ended a subscription on its own.
  | { type: 'unsubscribed'; channel: string; reason: string }
  | { type: 'error'; message: string; code?: string | undefined }
) & { ack?: number };

/** Encodes a frame. */
export const encode = (frame: ClientFrame | ServerFrame): string => JSON.stringify(frame);

/**
 * Keys that must never reach objects the app holds: with them, a later merge can poison a prototype. A frame
 * that names one — or escapes `_` or a lowercase letter (`\u005f`, `\u0070`…), which could spell one — is
 * walked after its parse to delete them. Other escapes (`\u00e9`, `\u2028`, emoji) cannot spell these keys
 * and skip the walk.
 */
export const MAYBE_UNSAFE = /"(?:__proto__|constructor|prototype)"|\\u00(?:5[fF]|[67][0-9a-fA-F])/;

/**
 * Deletes the own `__proto__`, `constructor` and `prototype` keys of every object in a parsed JSON value. A
 * plain `JSON.parse` makes `"__proto__"` an own data property (it never sets the prototype), so deleting it
 * is enough. A loop with its own stack, not recursion: a frame may nest deeper than the call stack. (Not a
 * `JSON.parse` reviver: it costs several plain parses, and it recurses.)
 */
function dropUnsafeKeys(root: object): void {
  const pending = [root];
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (Array.isArray(node)) {
      for (const item of node) if (item && typeof item === 'object') pending.push(item);
    } else {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const value = record[key];
        if (key === '__proto__' || key === 'constructor' || key === 'prototype') delete record[key];
        else if (value && typeof value === 'object') pending.push(value);
      }
    }
  }
}

/**
 * Parses the JSON object in a text frame, dropping `__proto__`, `constructor` and `prototype` keys at any
 * depth. Returns undefined for anything that is not a JSON object. Never throws.
 */
export function parseObject(text: string): Record<string, unknown> | undefined {
  // A cheap look before paying for a parse: every envelope is an object.
  if (text.charCodeAt(0) !== 123 /* { */) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    // Only frames that may name an unsafe key pay for the walk.
    if (MAYBE_UNSAFE.test(text)) dropUnsafeKeys(value);
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
/** A sequence number, offset or count: a safe integer ≥ 0. */
const isCount = (value: unknown): value is number => isId(value) && value >= 0;

function wireError(value: unknown): WireError | undefined {
  const { message, code } = (value ?? {}) as Partial<WireError>;
  return typeof message === 'string'
    ? { message, code: typeof code === 'string' ? code : undefined }
    : undefined;
}

const GAP_REASONS: readonly unknown[] = ['trimmed', 'epoch', 'no-history'] satisfies GapReason[];

/** Decodes a frame from the server; undefined when it is not a valid envelope (it then goes to `message`). */
export function decodeServerFrame(data: unknown): ServerFrame | undefined {
  const frame = typeof data === 'string' ? parseObject(data) : undefined;
  if (!frame) return undefined;
  const decoded = decodeServerBody(frame);
  if (decoded && isCount(frame.ack)) decoded.ack = frame.ack;
  return decoded;
}

function decodeServerBody(frame: Record<string, unknown>): ServerFrame | undefined {
  const { type, channel, id, error, seq, offset, epoch } = frame;
  const sequenced = isCount(seq) ? { seq } : {};
  switch (type) {
    case 'message': {
      if (!isString(channel)) return undefined;
      const position = isCount(offset) && isString(epoch) ? { offset, epoch } : {};
      return { type, channel, data: frame.data, ...sequenced, ...position };
    }
    case 'response': {
      if (!isId(id)) return undefined;
      if (error === undefined) return { type, id, data: frame.data, ...sequenced };
      const failure = wireError(error);
      return failure && { type, id, error: failure, ...sequenced };
    }
    case 'skip':
      return isString(channel) && isCount(offset) && isString(epoch)
        ? { type, channel, offset, epoch }
        : undefined;
    case 'welcome': {
      const { v, session, resumed, received } = frame;
      if (v !== 2 || !isString(session) || typeof resumed !== 'boolean' || !isCount(received))
        return undefined;
      // A limit the client cannot pace by (0, Infinity encoded as null, nonsense) is no limit.
      const requests = (frame.limits as { requests?: unknown } | undefined)?.requests;
      const limits = isId(requests) && requests >= 1 ? { limits: { requests } } : {};
      return { type, v, session, resumed, received, ...limits };
    }
    case 'ack':
      return isCount(seq) ? { type, ack: seq } : undefined;
    case 'subscribed': {
      if (!isString(channel)) return undefined;
      const { recovered, reason } = frame;
      const failure = error === undefined ? undefined : wireError(error);
      if (error !== undefined && !failure) return undefined;
      return {
        type,
        channel,
        ...(isCount(offset) && isString(epoch) ? { offset, epoch } : {}),
        ...(typeof recovered === 'boolean' ? { recovered } : {}),
        ...(GAP_REASONS.includes(reason) ? { reason: reason as GapReason } : {}),
        ...(failure ? { error: failure } : {}),
      };
    }
    case 'unsubscribed':
      return isString(channel)
        ? { type, channel, reason: typeof frame.reason === 'string' ? frame.reason : '' }
        : undefined;
    case 'error': {
      const failure = wireError(frame);
      return failure && { type, ...failure };
    }
  }
  return undefined;
}

/** A client seq: a safe integer ≥ 1. */
const isSeq = (value: unknown): value is number => isId(value) && value >= 1;

/** Decodes a frame from a client; undefined when it is not a valid envelope. */
export function decodeClientFrame(data: string): ClientFrame | undefined {
  const frame = parseObject(data);
  if (!frame) return undefined;
  const { type, channel, id, seq } = frame;
  if (type === 'ping' && (id === undefined || isId(id))) return { type, id: id ?? 0 };
  if (type === 'hello') {
    const { v, session, received, attempt } = frame;
    if (v !== 2 || !isCount(received) || (session !== undefined && !isString(session))) return undefined;
    if (attempt !== undefined && !isCount(attempt)) return undefined;
    return {
      type,
      v,
      received,
      ...(session === undefined ? {} : { session }),
      ...(attempt === undefined ? {} : { attempt }),
    };
  }
  if (type === 'ack') return isCount(seq) ? { type, seq } : undefined;
  if (!isString(channel) || (seq !== undefined && !isSeq(seq))) return undefined;
  // v2: the sequence number, and whether the frame was re-sent to a new session.
  const sequenced = {
    ...(seq === undefined ? {} : { seq }),
    ...(frame.redelivered === true ? { redelivered: true as const } : {}),
  };
  if (type === 'subscribe') {
    const since = frame.since as Partial<Position> | undefined;
    if (since !== undefined && !(isCount(since?.offset) && isString(since?.epoch))) return undefined;
    return {
      type,
      channel,
      ...sequenced,
      ...(since ? { since: { offset: since.offset!, epoch: since.epoch! } } : {}),
    };
  }
  if (type === 'unsubscribe') return { type, channel, ...sequenced };
  if (type === 'message') return { type, channel, data: frame.data, ...sequenced };
  if (type === 'request' && isId(id)) return { type, id, channel, data: frame.data, ...sequenced };
  return undefined;
}
