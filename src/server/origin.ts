import type { IncomingMessage } from 'node:http';

/**
 * Pages on other origins that may connect: exact origins as browsers send them (`'https://app.example.com'`),
 * or a function asked about each origin that is not the request's own.
 */
export type AllowedOrigins = readonly string[] | ((origin: string, request: IncomingMessage) => boolean);

/** Whether `value` is an origin as a browser serialises it in the `Origin` header (or `'null'`). */
export function isOrigin(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    (value === 'null' || (URL.canParse(value) && new URL(value).origin === value))
  );
}

/**
 * Host names that may appear in the `Host` header of a handshake (the port is not compared), or a function
 * asked about each host name.
 */
export type AllowedHosts = readonly string[] | ((host: string, request: IncomingMessage) => boolean);

/** What a loopback connection's `Host` may name by default: nothing that a DNS name could rebind. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Whether the connection arrived on a loopback address of this machine. */
const onLoopback = (request: IncomingMessage): boolean => {
  const local = request.socket?.localAddress ?? '';
  return local.startsWith('127.') || local === '::1' || local.startsWith('::ffff:127.');
};

/**
 * Whether a handshake's `Host` header may be served. With `allowed` unset, a connection that arrived on a
 * loopback address must name a loopback host: a page on `rebind.evil.example` whose name an attacker points at
 * 127.0.0.1 (DNS rebinding) is same-origin with itself, so the origin check alone would let it in.
 */
export function hostAllowed(request: IncomingMessage, allowed: AllowedHosts | undefined): boolean {
  const header = request.headers.host;
  if (allowed === undefined && !onLoopback(request)) return true;
  if (header === undefined || !URL.canParse(`http://${header}`)) return false;
  const name = new URL(`http://${header}`).hostname;
  if (allowed === undefined) return LOOPBACK_NAMES.includes(name);
  return typeof allowed === 'function' ? allowed(name, request) === true : allowed.includes(name);
}

/**
 * The scheme the page must have used to reach this server, when the request says: `https:` over TLS or when a
 * proxy in front says so (`X-Forwarded-Proto`), `http:` when a proxy says that; undefined when nothing says
 * (plain HTTP may be a TLS-terminating proxy that adds no header).
 */
function schemeOf(request: IncomingMessage): string | undefined {
  if ((request.socket as { encrypted?: boolean } | undefined)?.encrypted) return 'https:';
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  if (first === 'https' || first === 'wss') return 'https:';
  if (first === 'http' || first === 'ws') return 'http:';
  return undefined;
}

/**
 * Whether the page at `origin` is on the request's own host: the origin's host and port are the `Host` header's
 * (the port the scheme implies counts as given), and its scheme the request's where that is known (an
 * `http://` page is not the same origin as an `https` server).
 */
export function isSameOrigin(origin: string, host: string | undefined, scheme?: string): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  const page = new URL(origin);
  if (scheme !== undefined && page.protocol !== scheme) return false;
  const target = `${page.protocol}//${host}`;
  return URL.canParse(target) && new URL(target).host === page.host;
}

/**
 * Whether a handshake may go on as far as its origin is concerned: no `Origin` header (not a browser), the
 * request's own origin, or one that `allowed` admits. A throw from an `allowed` function propagates.
 */
export function originAllowed(request: IncomingMessage, allowed: AllowedOrigins): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined || isSameOrigin(origin, host, schemeOf(request))) return true;
  return typeof allowed === 'function' ? allowed(origin, request) === true : allowed.includes(origin);
}
