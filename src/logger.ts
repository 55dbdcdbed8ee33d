import type { OutgoingData, ReliableSocketEvents } from './events.js';
import type { LogEntry } from './options.js';
import { byteLength } from './send-queue.js';

/** What {@link log} needs: a socket's `on()`. */
interface Observable {
  on<E extends keyof ReliableSocketEvents>(
    event: E,
    listener: (...args: ReliableSocketEvents[E]) => void,
  ): unknown;
}

/**
 * Feeds the `logger` option: one structured entry per state change, open, close, retry, heartbeat, drop and
 * error (never per message). Only sockets given a logger call this, so it costs the others nothing at run time.
 */
export function log(socket: Observable, write: (entry: LogEntry) => void): void {
  socket.on('state', (change) => write({ event: 'state', ...change }));
  socket.on('open', () => write({ event: 'open' }));
  socket.on('close', (info) => write({ event: 'close', ...info }));
  socket.on('reconnecting', (retry) => write({ event: 'reconnecting', ...retry }));
  socket.on('heartbeat', (beat) => write({ event: 'heartbeat', ...beat }));
  socket.on('drop', (data: OutgoingData, reason) =>
    write({ event: 'drop', reason, bytes: byteLength(data) }),
  );
  socket.on('error', ({ code, message }) => write({ event: 'error', code, message }));
}
