import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { AuthorizeError } from './errors.js';
import type { ResolvedServerOptions } from './options.js';
import { hostAllowed, originAllowed } from './origin.js';

/**
 * How an upgrade request is refused: 401/403 by `authorize`, 403 for a foreign origin, 500 when a hook failed,
 * 503 when `authorize` took too long, 404 for a path nobody serves.
 */
export type RefusalStatus = 401 | 403 | 404 | 500 | 503;

/** What the checks decided about an upgrade request: accepted with the client's data, or a status to refuse with. */
export type Verdict =
  | { accepted: true; data: unknown; identity?: string | undefined }
  | { accepted: false; status: RefusalStatus };

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

/** What `authorize` answered, as a verdict: `true` or `{ data }` accepts; 403 is 403; anything else is 401. */
function verdictOf(answer: unknown): Verdict {
  if (answer === true) return { accepted: true, data: undefined };
  if (answer !== null && typeof answer === 'object' && 'data' in answer) {
    const { identity } = answer as { identity?: unknown };
    return {
      accepted: true,
      data: answer.data,
      identity: typeof identity === 'string' ? identity : undefined,
    };
  }
  return { accepted: false, status: answer === 403 ? 403 : 401 };
}

/**
 * Decides an upgrade request: its origin (`allowedOrigins`), then `authorize`, within `authorizeTimeoutMs`
 * (503 after). A throw or rejection is 500, reported through `failed`. While `authorize` runs, `onCancel` is
 * handed a function that ends the wait at once (the verdict is then moot). Never rejects.
 */
export async function check(
  options: Pick<
    ResolvedServerOptions,
    'allowedHosts' | 'allowedOrigins' | 'authorize' | 'authorizeTimeoutMs'
  >,
  request: IncomingMessage,
  failed: (error: AuthorizeError) => void,
  onCancel: (cancel: () => void) => void,
): Promise<Verdict> {
  try {
    if (!hostAllowed(request, options.allowedHosts) || !originAllowed(request, options.allowedOrigins))
      return { accepted: false, status: 403 };
  } catch (error) {
    failed(new AuthorizeError(error, 'allowedOrigins'));
    return { accepted: false, status: 500 };
  }
  const { authorize, authorizeTimeoutMs } = options;
  if (!authorize) return { accepted: true, data: undefined };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Verdict>((resolve) => {
    const give = () => resolve({ accepted: false, status: 503 });
    onCancel(give);
    if (authorizeTimeoutMs !== Infinity) timer = setTimeout(give, authorizeTimeoutMs);
  });
  const decided = (async () => verdictOf(await authorize(request)))().catch((error: unknown): Verdict => {
    failed(new AuthorizeError(error));
    return { accepted: false, status: 500 };
  });
  try {
    return await Promise.race([decided, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** What {@link Handshakes} reports to the server. Neither may throw. */
export interface HandshakeHost {
  /** A client passed the checks and completed the handshake; `data` is what `authorize` attached. */
  accept(ws: WebSocket, request: IncomingMessage, data: unknown, identity: string | undefined): void;
  /** `authorize` or `allowedOrigins` threw or rejected (the handshake was refused with 500). */
  failed(error: AuthorizeError): void;
}

/**
 * The HTTP side of accepting clients: takes the HTTP server's `upgrade` requests for our path, checks their
 * origin, runs `authorize`, refuses with a status or completes the WebSocket handshake with `ws`. From
 * {@link stop} on, it takes no request, and the ones still waiting for `authorize` are cut.
 */
export class Handshakes {
  readonly #http: Server;
  readonly #options: ResolvedServerOptions;
  readonly #host: HandshakeHost;
  // noServer: upgrades are routed here by hand, so that `authorize` can answer with a status and other paths
  // can be left to other listeners.
  readonly #wss: WebSocketServer;
  /** Upgrade sockets waiting for `authorize`, with the function that ends the wait. */
  readonly #pending = new Map<Duplex, () => void>();

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
    for (const [socket, cancel] of this.#pending) {
      socket.destroy();
      cancel();
    }
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
    this.#pending.set(socket, () => {});
    const verdict = await check(this.#options, request, this.#host.failed, (cancel) =>
      this.#pending.set(socket, cancel),
    );
    this.#pending.delete(socket);
    // Destroyed meanwhile: the client gave up, or stop() cut it.
    if (socket.destroyed) return;
    if (!verdict.accepted) return refuse(socket, verdict.status);
    socket.off('error', destroy);
    // Synchronous (there is no verifyClient): stop() cannot come in between.
    this.#wss.handleUpgrade(request, socket, head, (ws) =>
      this.#host.accept(ws, request, verdict.data, verdict.identity),
    );
  }
}
