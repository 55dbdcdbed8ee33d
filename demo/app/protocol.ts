// What the demo page and the demo server (demo/server.mjs, which imports these types in JSDoc) say on each
// channel, and the runtime checks the page applies to what arrives.
import type { ReliableSocket } from 'reliable-socket';

/** A chat line as the server stores and publishes it. */
export interface ChatLine {
  /** Server-assigned, increasing: the order of the room. */
  id: number;
  user: string;
  text: string;
  /** Server time, ms since the epoch. */
  at: number;
}

/** A chat line as a page sends it. (No id of its own: the socket knows whether it arrived.) */
export interface ChatPost {
  user: string;
  text: string;
}

/** How many pages are connected. */
export interface Presence {
  online: number;
}

/** What pages send, per channel. */
export interface FromClient {
  chat: ChatPost;
  history: { last: number };
}

/** What the server sends, per channel. */
export interface ToClient {
  chat: ChatLine;
  history: ChatLine[];
  presence: Presence;
}

/** Limits the server enforces (demo/server.mjs repeats them: it runs without a build). */
export const LIMITS = { user: 40, text: 500, history: 100 } as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function fail(what: string, value: unknown): never {
  throw new TypeError(`expected ${what}, got ${JSON.stringify(value)?.slice(0, 80) ?? String(value)}`);
}

/** The 'chat' channel's validator: returns the line or throws (the channel then emits `invalid`). */
export function parseChatLine(data: unknown): ChatLine {
  if (!isRecord(data)) fail('a chat line object', data);
  const { id, user, text, at } = data;
  if (!Number.isSafeInteger(id)) fail('an integer id', id);
  if (typeof user !== 'string' || typeof text !== 'string') fail('string user and text', data);
  if (typeof at !== 'number' || !Number.isFinite(at)) fail('a timestamp', at);
  return { id: id as number, user, text, at };
}

/** The 'history' channel's validator: an array of chat lines. */
export function parseHistory(data: unknown): ChatLine[] {
  if (!Array.isArray(data)) fail('an array of chat lines', data);
  return data.map(parseChatLine);
}

/** The 'presence' channel's validator. */
export function parsePresence(data: unknown): Presence {
  if (!isRecord(data) || !Number.isSafeInteger(data.online)) fail('{ online: number }', data);
  return { online: data.online as number };
}

/** The demo's socket: typed by what the server sends and what the page sends. */
export type DemoSocket = ReliableSocket<ToClient, FromClient>;
