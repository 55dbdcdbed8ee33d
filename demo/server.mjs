// @ts-check
// The demo server (`npm start`): the demo pages and the built library as static files, the companion server on
// /live, and the endpoints behind the page's fault buttons on /api/fault/* — all on one port of 127.0.0.1.
// Plain JavaScript so that Node runs it as is; the types come from JSDoc and demo/app/protocol.ts.
import http from 'node:http';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import { MemoryBroker } from '../dist/server.js';
import { attachRoom, Room } from './chat-room.mjs';
import { serveStatic } from './static-files.mjs';

/** @typedef {{ url: string, close(): Promise<void> }} Demo */

const HALF_OPEN_MS = 10_000;
const DOWN_MS = 5_000;

/** @param {http.ServerResponse} res @param {number} status @param {object} body */
function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** `1 connection`, `2 connections`. */
const connections = (/** @type {number} */ n) => `${n} connection${n === 1 ? '' : 's'}`;

/**
 * Starts the demo: static files, the companion server on `/live` and the fault endpoints, on one port.
 * @param {{ port?: number, host?: string, log?: (line: string) => void }} [options] `port` 0 picks a free one;
 *   `log` gets a line per fault and per server error (silent by default).
 * @returns {Promise<Demo>} its URL (`http://host:port/`) and `close()`, which ends every connection and timer.
 */
export async function startDemo({ port = 8080, host = '127.0.0.1', log = () => {} } = {}) {
  const room = new Room();
  // Outlives the companion instances, as a broker shared by nodes does: a restart keeps sessions and history.
  const broker = new MemoryBroker();
  /** Every TCP connection, so that close() can end them all (keep-alive and held ones included). @type {Set<net.Socket>} */
  const sockets = new Set();
  /**
   * Fault windows: each timer ends its fault; close() clears them.
   * @type {{ halfOpen: NodeJS.Timeout | undefined, down: NodeJS.Timeout | undefined }}
   */
  const timers = { halfOpen: undefined, down: undefined };
  /** Live WebSocket connections frozen by the half-open fault (paused and corked). @type {Set<net.Socket>} */
  const frozen = new Set();
  /** New connections held unread during the half-open window. @type {Set<net.Socket>} */
  const held = new Set();

  const web = http.createServer((req, res) => {
    route(req, res).catch((error) => {
      log(`demo server: ${req.method} ${req.url}: ${error instanceof Error ? error.stack : error}`);
      if (!res.headersSent) json(res, 500, { error: 'The demo server failed; its console says why.' });
      else res.destroy();
    });
  });
  // Browsers keep idle connections for a minute or more; so should we, so that a fault button pressed during
  // a half-open window usually reuses a connection instead of opening one that would be held too.
  web.keepAliveTimeout = 120_000;

  let companion = attachRoom(web, room, broker, log);

  /** Hands a connection to the HTTP server (which then reads it) now that no fault holds it. */
  const admit = (/** @type {net.Socket} */ socket) => {
    web.emit('connection', socket);
    socket.resume();
  };
  const cutAll = () => {
    const count = companion.server.clients.size;
    for (const client of companion.server.clients) client.terminate();
    return count;
  };
  const endHalfOpen = () => {
    timers.halfOpen = undefined;
    for (const socket of frozen) {
      socket.uncork();
      socket.resume();
    }
    frozen.clear();
    for (const socket of held) if (!socket.destroyed) admit(socket);
    held.clear();
    log('fault over: half-open');
  };

  /** The faults, by URL name: each does its harm and answers what it did. */
  const faults = {
    kill: () => {
      const killed = cutAll();
      return {
        killed,
        message: `Cut ${connections(killed)} without a close frame: the pages see code 1006.`,
      };
    },
    'half-open': () => {
      clearTimeout(timers.halfOpen);
      for (const client of companion.server.clients) {
        const socket = client.request.socket;
        if (frozen.has(socket) || socket.destroyed) continue;
        socket.pause(); // nothing is read…
        socket.cork(); // …and nothing is written, but the connection stays up
        frozen.add(socket);
      }
      timers.halfOpen = setTimeout(endHalfOpen, HALF_OPEN_MS);
      return {
        untilMs: Date.now() + HALF_OPEN_MS,
        frozen: frozen.size,
        message: `Froze ${connections(frozen.size)} for ${HALF_OPEN_MS / 1000} s: nothing is read or written and nothing is closed; new connections hang.`,
      };
    },
    down: () => {
      clearTimeout(timers.down);
      const killed = cutAll();
      for (const socket of held) socket.destroy();
      held.clear();
      timers.down = setTimeout(() => {
        timers.down = undefined;
        log('fault over: down');
      }, DOWN_MS);
      return {
        untilMs: Date.now() + DOWN_MS,
        killed,
        message: `Down for ${DOWN_MS / 1000} s: cut ${connections(killed)}, and every new one is cut at once.`,
      };
    },
    restart: async () => {
      const old = companion;
      const closed = old.server.clients.size;
      // close() lets go of the HTTP server's upgrades at once, so the next instance takes the reconnections.
      const closing = old.close();
      companion = attachRoom(web, room, broker, log);
      await closing;
      return {
        closed,
        message: `Closed ${connections(closed)} with 1012 (service restart); a new instance takes the reconnections.`,
      };
    },
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res @param {string} pathname */
  async function api(req, res, pathname) {
    const name = pathname.slice('/api/fault/'.length);
    if (!pathname.startsWith('/api/fault/') || !Object.hasOwn(faults, name)) {
      json(res, 404, { error: `No such endpoint. Faults: ${Object.keys(faults).join(', ')}.` });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      json(res, 405, { error: 'Faults are triggered with POST.' });
      return;
    }
    // Only this page may trigger faults: not another site's form or script (Origin), nor a rebound DNS name (Host).
    const { origin, host: hostHeader = '' } = req.headers;
    const hostname = URL.canParse(`http://${hostHeader}`) ? new URL(`http://${hostHeader}`).hostname : '';
    if (
      !['127.0.0.1', 'localhost', '[::1]', host].includes(hostname) ||
      (origin && origin !== `http://${hostHeader}`)
    ) {
      json(res, 403, { error: 'Faults can only be triggered from the demo page itself.' });
      return;
    }
    const answer = await faults[/** @type {keyof typeof faults} */ (name)]();
    log(`fault: ${name}: ${answer.message}`);
    json(res, 200, { fault: name, at: Date.now(), ...answer });
  }

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  async function route(req, res) {
    const { pathname } = new URL(req.url ?? '/', 'http://demo');
    if (pathname.startsWith('/api/')) return api(req, res, pathname);
    if (pathname === '/live') {
      res.writeHead(426, { upgrade: 'websocket', 'content-type': 'text/plain' }).end('WebSocket endpoint\n');
      return;
    }
    return serveStatic(req, res, pathname);
  }

  // The HTTP parser reads a socket natively, so pausing it in the HTTP server's 'connection' event does not
  // stop the request. A plain TCP server in front, which does not read (pauseOnConnect), decides instead.
  const front = net.createServer({ pauseOnConnect: true }, (socket) => {
    if (timers.down) return void socket.destroy();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (timers.halfOpen) held.add(socket);
    else admit(socket);
  });
  try {
    await new Promise((resolve, reject) => {
      front.once('error', reject);
      front.listen(port, host, () => {
        front.off('error', reject);
        resolve(undefined);
      });
    });
  } catch (error) {
    await companion.close(); // its ping timer would keep the process alive
    await broker.close();
    throw error;
  }
  front.on('error', (error) => log(`demo server: ${error.message}`));

  const address = /** @type {net.AddressInfo} */ (front.address());
  /** @type {Promise<void> | undefined} */
  let closed;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/`,
    close() {
      closed ??= (async () => {
        clearTimeout(timers.halfOpen);
        clearTimeout(timers.down);
        const stopped = new Promise((resolve) => front.close(resolve));
        await companion.close();
        await broker.close();
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closed;
    },
  };
}

/** `node demo/server.mjs`: PORT from the environment, the URL printed, Ctrl-C (or SIGTERM) stops it. */
async function main() {
  const port = process.env.PORT?.trim() ? Number(process.env.PORT) : 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(
      `demo: PORT must be a port number from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`,
    );
    process.exit(1);
  }
  /** @type {Demo} */
  let demo;
  try {
    demo = await startDemo({ port, log: (line) => console.log(line) });
  } catch (error) {
    const inUse = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
    console.error(
      inUse
        ? `demo: port ${port} on 127.0.0.1 is already in use. Stop what is using it, or pick another port: PORT=${port + 1} npm start`
        : `demo: cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
  console.log(`reliable-socket demo: ${demo.url}  (ESM build: ${demo.url}esm.html)  Ctrl-C stops`);
  const stop = (/** @type {NodeJS.Signals} */ signal) => {
    console.log(`\n${signal}: stopping the demo server`);
    // Should anything still hold the process open, do not hang the terminal.
    setTimeout(() => {
      console.error('demo: did not close in 3 s; exiting anyway');
      process.exit(1);
    }, 3000).unref();
    demo.close().then(
      () => console.log('stopped'),
      (error) => {
        console.error('demo: close failed:', error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
