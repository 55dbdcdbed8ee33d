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
 * Whether the page at `origin` is on the request's own host: the origin's host and port are the `Host` header's
 * (the port the scheme implies counts as given). The scheme is not compared: behind a TLS-terminating proxy the
 * request arrives as plain HTTP.
 */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  const page = new URL(origin);
  const target = `${page.protocol}//${host}`;
  return URL.canParse(target) && new URL(target).host === page.host;
}

/**
 * Whether a handshake may go on as far as its origin is concerned: no `Origin` header (not a browser), the
 * request's own origin, or one that `allowed` admits. A throw from an `allowed` function propagates.
 */
export function originAllowed(request: IncomingMessage, allowed: AllowedOrigins): boolean {
  const { origin, host } = request.headers;
  if (origin === undefined || isSameOrigin(origin, host)) return true;
  return typeof allowed === 'function' ? allowed(origin, request) === true : allowed.includes(origin);
}
