// @ts-check
// The demo's chat room on the companion server: channels 'chat' (checked, stamped, kept, published to every
// other page: the sender knows its line arrived from the socket's acknowledgement), 'history' (requests for the
// last n lines) and 'presence' (how many pages are connected). Protocol v2 handles each line once, however many
// times a page had to send it, so the room needs no ids of the pages' own.
import { ReliableSocketServer } from '../dist/server.js';

/** @typedef {import('./app/protocol.js').ChatLine} ChatLine */
/** @typedef {ReliableSocketServer<import('./app/protocol.js').FromClient, import('./app/protocol.js').ToClient>} Companion */

/** The same limits as demo/app/protocol.ts (this file runs without a build, so it cannot import them). */
const LIMITS = { user: 40, text: 500, history: 100 };

/**
 * Presence changes (joins, leaves) within this window are published as one count: a burst of N joins costs
 * about N frames per window instead of N²/2, and a page that subscribes gets the count at once.
 */
export const PRESENCE_INTERVAL_MS = 1000;

/** A chat post from a client as a line to publish, or undefined when it breaks the rules (it is then ignored). */
function chatLine(/** @type {unknown} */ post, /** @type {number} */ id) {
  if (typeof post !== 'object' || post === null) return undefined;
  const { user, text } = /** @type {Record<string, unknown>} */ (post);
  if (typeof user !== 'string' || typeof text !== 'string') return undefined;
  const line = { id, user: user.trim(), text: text.trim(), at: Date.now() };
  const fits = (/** @type {string} */ s, /** @type {number} */ max) => s.length >= 1 && s.length <= max;
  if (!fits(line.user, LIMITS.user) || !fits(line.text, LIMITS.text)) return undefined;
  return line;
}

/** The room's lines, which outlive any one companion instance (a restart keeps them). */
export class Room {
  /** The latest lines, oldest first. @type {ChatLine[]} */
  lines = [];
  lastId = 0;

  /** Checks a client's post and keeps it as a line; undefined when it breaks the rules (it is then ignored). */
  add(/** @type {unknown} */ post) {
    const line = chatLine(post, this.lastId + 1);
    if (!line) return undefined;
    this.lastId = line.id;
    this.lines.push(line);
    this.lines.splice(0, this.lines.length - LIMITS.history);
    return line;
  }

  /** The last `n` lines, `n` clamped to 1–100. */
  last(/** @type {number} */ n) {
    return this.lines.slice(-Math.min(LIMITS.history, Math.max(1, Math.trunc(n))));
  }
}

/** The companion instance serving the room, and how to stop it (its presence timer with it). */
/** @typedef {{ server: Companion, close(): Promise<void> }} Live */

/**
 * Attaches a companion instance to an HTTP server, on `/live`, serving the chat room. It keeps the companion
 * server's default origin check: only pages served by `web` itself (same host and port) may connect. `broker`
 * outlives the instance (a restart keeps sessions and channel history, as nodes sharing one would).
 * @param {import('node:http').Server} web
 * @param {Room} room
 * @param {import('../dist/server.js').Broker} broker
 * @param {(line: string) => void} log
 * @returns {Live}
 */
export function attachRoom(web, room, broker, log) {
  /** @type {Companion} */
  const server = new ReliableSocketServer({
    server: web,
    path: '/live',
    broker,
    // The demo listens on 127.0.0.1: every page comes from this machine's one address, and its load test opens
    // 400. A public deployment keeps the defaults (128 connections, 256 new sessions per address).
    maxConnectionsPerAddress: 1000,
    maxSessionsPerAddress: 2000,
  });
  server.handle('chat', {
    message: (post, client) => {
      const line = room.add(post);
      if (line) void server.publish('chat', line, { except: client });
    },
  });
  server.handle('history', {
    request: (query) => {
      const last = typeof query === 'object' && query !== null ? query.last : undefined;
      if (typeof last !== 'number' || Number.isNaN(last))
        throw new TypeError('history: send { last: n } with a number n from 1 to 100');
      return room.last(last);
    },
  });
  /** The pending presence publish, if a change is waiting for it. @type {NodeJS.Timeout | undefined} */
  let presence;
  const changed = () => {
    presence ??= setTimeout(() => {
      presence = undefined;
      void server.publish('presence', { online: server.clients.size });
    }, PRESENCE_INTERVAL_MS);
  };
  server.on('connection', changed);
  server.on('disconnect', changed);
  server.on('subscribe', (client, channel) => {
    if (channel === 'presence') client.send('presence', { online: server.clients.size });
  });
  server.on('error', (error) => log(`companion server: ${error.message}`));
  return {
    server,
    // The disconnects of close() itself still schedule a publish: clear the timer once they are all out.
    async close() {
      await server.close();
      clearTimeout(presence);
      presence = undefined;
    },
  };
}
