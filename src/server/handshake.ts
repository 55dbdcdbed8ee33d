import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthorizeError } from './errors.js';
import type { ResolvedServerOptions } from './options.js';

/** How an upgrade request is refused: 401/403 by `authorize`, 500 when it failed, 404 for a path nobody serves. */
export type RefusalStatus = 401 | 403 | 404 | 500;

/** Whether the request's pathname (the query string ignored) is `path`; every request matches no path. */
export function matchesPath(request: IncomingMessage, path: string | undefined): boolean {
  if (path === undefined) return true;
  const url = request.url ?? '/';
  const end = url.indexOf('?');
  return (end === -1 ? url : url.slice(0, end)) === path;
}

/**
 * Answers an upgrade request with an HTTP error and closes the connection. The socket is no longer the HTTP
 * server's (Node hands it over for the upgrade), so the response is written by hand.
 */
export function refuse(socket: Duplex, status: RefusalStatus): void {
  if (socket.destroyed) return;
  const body = STATUS_CODES[status] ?? '';
  socket.on('error', () => socket.destroy());
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${body}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Runs `authorize` on an upgrade request. Resolves with `true` to accept, or the status to refuse with: `false`
 * (or anything but `true`, 401 and 403) is 401; a throw or rejection is 500, reported through `failed`.
 * Never rejects.
 */
export async function authorizeRequest(
  authorize: ResolvedServerOptions['authorize'],
  request: IncomingMessage,
  failed: (error: AuthorizeError) => void,
): Promise<true | 401 | 403 | 500> {
  if (!authorize) return true;
  try {
    const verdict = await authorize(request);
    return verdict === true ? true : verdict === 403 ? 403 : 401;
  } catch (error) {
    failed(new AuthorizeError(error));
    return 500;
  }
}

/** What {@link Handshakes} reports to the server. Neither may throw. */
export interface HandshakeHost {
  /** A client passed `authorize` and completed the handshake. */
  accept(ws: WebSocket, request: IncomingMessage): void;
  /** `authorize` threw or rejected (the handshake was refused with 500). */
  failed(error: AuthorizeError): void;
}

/**
 * The HTTP side of accepting clients: takes the HTTP server's `upgrade` requests for our path, runs
 * `authorize`, refuses with a status or completes the WebSocket handshake with `ws`. From {@link stop} on,
 * it takes no request, and the ones still waiting for `authorize` are cut.
 */
export class Handshakes {
  readonly #http: Server;
  readonly #options: Pick<ResolvedServerOptions, 'path' | 'authorize'>;
  readonly #host: HandshakeHost;
  // noServer: upgrades are routed here by hand, so that `authorize` can answer with a status and other paths
  // can be left to other listeners.
  readonly #wss: WebSocketServer;
  /** Upgrade sockets waiting for `authorize`. */
  readonly #pending = new Set<Duplex>();

  constructor(http: Server, options: ResolvedServerOptions, host: HandshakeHost) {
    this.#http = http;
    this.#options = options;
    this.#host = host;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
    });
    http.on('upgrade', this.#onUpgrade);
  }

  stop(): void {
    this.#http.off('upgrade', this.#onUpgrade);
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
    this.#wss.close();
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (!matchesPath(request, this.#options.path)) {
      // Another listener may serve that path; when there is none, nobody else would ever answer.
      if (this.#http.listenerCount('upgrade') === 1) refuse(socket, 404);
      return;
    }
    void this.#upgrade(request, socket, head);
  };

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // Node's HTTP server removed its own error handler when it handed the socket over for the upgrade.
    const destroy = () => socket.destroy();
    socket.on('error', destroy);
    this.#pending.add(socket);
    const verdict = await authorizeRequest(this.#options.authorize, request, this.#host.failed);
    this.#pending.delete(socket);
    // Destroyed meanwhile: the client gave up, or stop() cut it.
    if (socket.destroyed) return;
    if (verdict !== true) return refuse(socket, verdict);
    socket.off('error', destroy);
    // Synchronous (there is no verifyClient): stop() cannot come in between.
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#host.accept(ws, request));
  }
}
