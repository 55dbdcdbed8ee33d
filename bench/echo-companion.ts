// The companion server (the real one, from src/server) for the benchmarks: every `message` on channel `echo` is
// sent back to its client alone with `client.send` — a session frame under protocol v2 (numbered, kept until
// the client acknowledges it), a plain `message` frame under v1. Tests add their own handlers (`sink`), publish
// (`feed`) and send to one client (`note`) themselves.
import { ReliableSocketServer } from '../src/server/server.js';

/** What clients send. */
export type BenchIn = { echo: unknown; sink: unknown };
/** What the server sends. */
export type BenchOut = { echo: unknown; note: unknown; feed: unknown };
export type BenchServer = ReliableSocketServer<BenchIn, BenchOut>;

/**
 * Starts a companion on 127.0.0.1 and an ephemeral port, accepting pages from `origin`. Its frame-rate limit is
 * off (the benchmarks pipeline thousands of frames: the default 100/s would measure the limit); every other
 * option is the default.
 */
export async function startEchoCompanion(origin: string): Promise<BenchServer> {
  const server = new ReliableSocketServer<BenchIn, BenchOut>({
    port: 0,
    allowedOrigins: [origin],
    rateLimit: false,
  });
  server.on('error', (error) => console.error('bench companion:', error, error.cause));
  server.handle('echo', { message: (data, client) => void client.send('echo', data) });
  await server.ready;
  return server;
}

/** The socket URL of a companion that listens itself. */
export const wsUrlOf = (server: BenchServer): string => `ws://127.0.0.1:${server.port}/`;
