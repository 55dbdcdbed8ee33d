// The texts the Redis broker stores and publishes, as the Lua scripts (scripts.ts) write them. Each is a short
// header line, then the payload exactly as it was given, so that a payload is never parsed or re-encoded on
// its way through Redis (it is JSON text already; a newline in it is escaped, so the first one ends the header).
import type { Publication } from '../broker.js';

/** A channel's history entry: `[offset,publishedAtMs,except]\n` + data (`except`: a JSON string or null). */
export interface Entry {
  offset: number;
  at: number;
  except: string | null;
  data: string;
}

const split = (text: string): [header: unknown, rest: string] | undefined => {
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    return [JSON.parse(text.slice(0, newline)), text.slice(newline + 1)];
  } catch {
    return undefined;
  }
};

const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isExcept = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** A publication as the publish script sends it on the channel's topic: `[offset,"epoch",except]\n` + data. */
export function decodePublication(channel: string, message: string): Publication | undefined {
  const [header, data] = split(message) ?? [];
  if (!Array.isArray(header) || data === undefined) return undefined;
  const [offset, epoch, except] = header as unknown[];
  if (!isOffset(offset) || typeof epoch !== 'string' || !isExcept(except)) return undefined;
  return { channel, offset, epoch, data, ...(except === null ? {} : { except }) };
}

/** A history entry as the scripts keep it. */
export function decodeEntry(text: string): Entry | undefined {
  const [header, data] = split(text) ?? [];
  if (!Array.isArray(header) || data === undefined) return undefined;
  const [offset, at, except] = header as unknown[];
  if (!isOffset(offset) || !isOffset(at) || !isExcept(except)) return undefined;
  return { offset, at, except, data };
}

/** A history entry as the publication it was. */
export const entryPublication = (channel: string, epoch: string, entry: Entry): Publication => ({
  channel,
  offset: entry.offset,
  epoch,
  data: entry.data,
  ...(entry.except === null ? {} : { except: entry.except }),
});

/** The seq at the head of a sequenced session frame (`{"seq":n,…`), or undefined. */
export function seqOf(frame: string): number | undefined {
  const match = /^\{"seq":(\d{1,16}),/.exec(frame);
  const seq = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

/**
 * A notice about a session on the topic of the node holding it (session-scripts.ts): `sessionId\n!generation`
 * (a later attachment, of that generation, took it) or `sessionId\n!budget` (its outbox went over budget: ended).
 */
export type SessionNotice =
  | { id: string; kind: 'superseded'; generation: number }
  | { id: string; kind: 'budget' };

/** A session notice, or undefined if `message` is none (a frame, say). */
export function decodeSessionNotice(message: string): SessionNotice | undefined {
  const match = /^([^\n]+)\n!(budget|\d{1,16})$/.exec(message);
  if (!match) return undefined;
  const [, id = '', what] = match;
  return what === 'budget' ? { id, kind: 'budget' } : { id, kind: 'superseded', generation: Number(what) };
}

/** A session frame as the send script sends it on the attached node's topic: `sessionId\n` + frame. */
export function decodeSessionFrame(message: string): { id: string; seq: number; text: string } | undefined {
  const newline = message.indexOf('\n');
  const text = message.slice(newline + 1);
  const seq = newline > 0 ? seqOf(text) : undefined;
  return seq === undefined ? undefined : { id: message.slice(0, newline), seq, text };
}
