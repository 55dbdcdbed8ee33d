import http from 'node:http';
import { ListenError } from './errors.js';

/** Plain HTTP requests to a server the companion server created get 426: the port only speaks WebSocket. */
const upgradeRequired: http.RequestListener = (_request, response) => {
  response.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' });
  response.end('This is a WebSocket endpoint.');
};

/**
 * Creates the HTTP server the companion server owns when it is given a port rather than a server. A request
 * whose headers take longer than `handshakeTimeoutMs` is cut; Node looks every `connectionsCheckingInterval`.
 */
export const createOwnServer = (handshakeTimeoutMs: number): http.Server =>
  http.createServer(
    {
      headersTimeout: handshakeTimeoutMs,
      requestTimeout: handshakeTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, handshakeTimeoutMs),
    },
    upgradeRequired,
  );

/** Starts listening; rejects with a {@link ListenError} if it cannot (port in use, bad host). */
export function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(port, host, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * Stops listening and cuts every connection still open (idle keep-alive ones included). `listening` is what
 * `listen()` returned: closing before it settled would leave the server listening afterwards.
 */
export async function closeOwnServer(server: http.Server, listening: Promise<void>): Promise<void> {
  await listening.catch(() => {});
  await new Promise<void>((resolve) => {
    // The callback gets an error when the server never listened: there is nothing to close then.
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
