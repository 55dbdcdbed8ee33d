import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { Admission } from './admission.js';
import { AuthorizeError } from './errors.js';
import type { ResolvedServerOptions } from './options.js';
import { hostAllowed, originAllowed } from './origin.js';
import type { RefusalReason, RefusedInfo } from './types.js';

/**
 * How an upgrade request is refused: 401/403 by `authorize`, 403 for a foreign origin or host, 404 for a path
 * nobody serves, 429 for an address over its connections, 500 when a hook failed, 503 when `authorize` took
 * too long or the node is full.
 */
export type RefusalStatus = 401 | 403 | 404 | 429 | 500 | 503;

/** What the checks decided about an upgrade request: accepted with the client's data, or refused and why. */
export type Verdict =
  | { accepted: true; data: unknown; identity?: string | undefined; expiresAt?: number | undefined }
  | { accepted: false; status: RefusalStatus; reason: RefusalReason };

const REFUSED = {
  host: { accepted: false, status: 403, reason: 'host' },
  origin: { accepted: false, status: 403, reason: 'origin' },
  failed: { accepted: false, status: 500, reason: 'authorize-failed' },
  late: { accepted: false, status: 503, reason: 'authorize-timeout' },
  unauthorized: { accepted: false, status: 401, reason: 'unauthorized' },
  forbidden: { accepted: false, status: 403, reason: 'forbidden' },
  expired: { accepted: false, status: 401, reason: 'expired' },
} as const satisfies Record<string, Verdict>;

/** The client's address: what `clientAddress` says, or the TCP peer's. */
export const addressOf = (
  options: Pick<ResolvedServerOptions, 'clientAddress'>,
  request: IncomingMessage,
): string => options.clientAddress?.(request) ?? request.socket.remoteAddress ?? '';

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
 * What `authorize` answered, as a verdict: `true` or `{ data }` accepts (unless its `expiresAt` has passed);
 * 403 is 403; anything else is 401.
 */
function verdictOf(answer: unknown): Verdict {
  if (answer === true) return { accepted: true, data: undefined };
  if (answer !== null && typeof answer === 'object' && 'data' in answer) {
    const { identity, expiresAt } = answer as { identity?: unknown; expiresAt?: unknown };
    const expires =
      expiresAt instanceof Date ? expiresAt.getTime() : typeof expiresAt === 'number' ? expiresAt : undefined;
    // An unreadable time (NaN, an invalid Date) is no time at all: such credentials never work.
    if (expires !== undefined && !(expires > Date.now())) return REFUSED.expired;
    return {
      accepted: true,
      data: answer.data,
      identity: typeof identity === 'string' ? identity : undefined,
      expiresAt: expires,
    };
  }
  return answer === 403 ? REFUSED.forbidden : REFUSED.unauthorized;
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
    if (!hostAllowed(request, options.allowedHosts)) return REFUSED.host;
    if (!originAllowed(request, options.allowedOrigins)) return REFUSED.origin;
  } catch (error) {
    failed(new AuthorizeError(error, 'allowedOrigins'));
    return REFUSED.failed;
  }
  const { authorize, authorizeTimeoutMs } = options;
  if (!authorize) return { accepted: true, data: undefined };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Verdict>((resolve) => {
    const give = () => resolve(REFUSED.late);
    onCancel(give);
    if (authorizeTimeoutMs !== Infinity) timer = setTimeout(give, authorizeTimeoutMs);
  });
  const decided = (async () => verdictOf(await authorize(request)))().catch((error: unknown): Verdict => {
    failed(new AuthorizeError(error));
    return REFUSED.failed;
  });
  try {
    return await Promise.race([decided, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A client that passed the checks and completed the handshake. */
export interface Accepted {
  ws: WebSocket;
  request: IncomingMessage;
  /** What `authorize` attached, who it said the client is, and when its credentials expire. */
  verdict: Extract<Verdict, { accepted: true }>;
}

/** What {@link Handshakes} reports to the server. None may throw. */
export interface HandshakeHost {
  /** A client passed the checks and completed the handshake. */
  accept(accepted: Accepted): void;
  /** `authorize` or `allowedOrigins` threw or rejected (the handshake was refused with 500). */
  failed(error: AuthorizeError): void;
  /** An upgrade request was refused. */
  refused(info: RefusedInfo): void;
}

/**
 * Close codes of the refusals said in band (`refusal: 'close'`): `authorize`'s. Origin and host refusals stay
 * HTTP 403: a page of another site learns nothing from them.
 */
const CLOSE_CODES: Partial<Record<RefusalReason, number>> = {
  unauthorized: 4401,
  expired: 4401,
  forbidden: 4403,
};

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
  readonly #admission: Admission;
  /** Whether connections are counted when they arrive (else when their upgrade request does). */
  readonly #atConnection: boolean;

  constructor(http: Server, options: ResolvedServerOptions, host: HandshakeHost) {
    this.#http = http;
    this.#options = options;
    this.#host = host;
    this.#admission = new Admission(options.maxConnections, options.maxConnectionsPerAddress);
    // On our own server the peer's address is the client's: connections count as soon as they arrive, so that
    // sockets that never send a request cannot pile up either.
    this.#atConnection = !options.server && !options.clientAddress;
    if (this.#atConnection) http.on('connection', this.#onConnection);
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxPayload,
    });
    http.on('upgrade', this.#onUpgrade);
  }

  stop(): void {
    this.#http.off('upgrade', this.#onUpgrade);
    this.#http.off('connection', this.#onConnection);
    for (const [socket, cancel] of this.#pending) {
      socket.destroy();
      cancel();
    }
    this.#pending.clear();
    this.#wss.close();
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const address = addressOf(this.#options, request);
    if (!matchesPath(request, this.#options.path)) {
      // Another listener may serve that path; when there is none, nobody else would ever answer.
      if (this.#http.listenerCount('upgrade') === 1) this.#refuse(request, socket, address, 404, 'path');
      return;
    }
    const leave = this.#atConnection ? () => {} : this.#admission.enter(address);
    if (typeof leave !== 'function') {
      const status = leave === 'too-many-connections' ? 503 : 429;
      this.#refuse(request, socket, address, status, leave);
      return;
    }
    void this.#upgrade(request, socket, head, address, leave);
  };

  readonly #onConnection = (socket: Duplex & { remoteAddress?: string | undefined }): void => {
    const address = socket.remoteAddress ?? '';
    const leave = this.#admission.enter(address);
    if (typeof leave === 'function') {
      socket.once('close', leave);
      return;
    }
    const status = leave === 'too-many-connections' ? 503 : 429;
    this.#refuse(undefined, socket, address, status, leave);
  };

  async #upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    address: string,
    leave: () => void,
  ): Promise<void> {
    // Node's HTTP server removed its own error handler when it handed the socket over for the upgrade.
    const destroy = () => socket.destroy();
    socket.on('error', destroy);
    // Its place is given back when the TCP connection closes, however it ends: refused, given up, or accepted.
    socket.once('close', leave);
    this.#pending.set(socket, () => {});
    const verdict = await check(this.#options, request, this.#host.failed, (cancel) =>
      this.#pending.set(socket, cancel),
    );
    this.#pending.delete(socket);
    // Destroyed meanwhile: the client gave up, or stop() cut it.
    if (socket.destroyed) return;
    socket.off('error', destroy);
    if (!verdict.accepted) {
      const code = this.#options.refusal === 'close' ? CLOSE_CODES[verdict.reason] : undefined;
      if (code === undefined) return this.#refuse(request, socket, address, verdict.status, verdict.reason);
      this.#host.refused({ request, address, reason: verdict.reason, status: code });
      // Completed only to say why in a close code the page can read; the close frame goes out at once.
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        ws.close(code, verdict.reason);
        const cut = setTimeout(() => ws.terminate(), this.#options.closeTimeoutMs);
        ws.once('close', () => clearTimeout(cut));
      });
      return;
    }
    // Synchronous (there is no verifyClient): stop() cannot come in between.
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#host.accept({ ws, request, verdict }));
  }

  #refuse(
    request: IncomingMessage | undefined,
    socket: Duplex,
    address: string,
    status: RefusalStatus,
    reason: RefusalReason,
  ): void {
    this.#host.refused({ request, address, reason, status });
    refuse(socket, status);
  }
}
