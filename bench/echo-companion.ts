// The companion server (the real one, from src/server) as an echo server for the benchmarks: every `message`
// on channel `echo` is sent back to its client alone with `client.send` — a session frame under protocol v2
// (numbered, kept until the client acknowledges it), a plain `message` frame under v1.
import { ReliableSocketServer } from '../src/server/server.js';

type Echo = { echo: unknown };

/**
 * Starts an echo companion on 127.0.0.1 and an ephemeral port, accepting pages from `origin`. Its frame-rate
 * limit is off (the benchmarks pipeline thousands of frames: the default 100/s would measure the limit);
 * every other option is the default.
 */
export async function startEchoCompanion(origin: string): Promise<ReliableSocketServer<Echo, Echo>> {
  const server = new ReliableSocketServer<Echo, Echo>({
    port: 0,
    allowedOrigins: [origin],
    rateLimit: false,
  });
  server.on('error', (error) => console.error('echo companion:', error, error.cause));
  server.handle('echo', { message: (data, client) => void client.send('echo', data) });
  await server.ready;
  return server;
}

/** The socket URL of a companion that listens itself. */
export const wsUrlOf = (server: ReliableSocketServer<Echo, Echo>): string => `ws://127.0.0.1:${server.port}/`;
