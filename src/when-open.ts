import { SocketClosedError } from './errors.js';
import type { ReliableSocketCore } from './reliable-socket-core.js';
import type { AbortSignalLike } from './web-types.js';

/** Options of {@link whenOpen}. */
export interface WhenOpenOptions {
  /**
   * Stops waiting: the promise rejects with the signal's reason.
   * @default none
   */
  signal?: AbortSignalLike | undefined;
  /**
   * Wait for the next `open` event even if the socket is open now (after a reconnection, say).
   * @default false
   */
  next?: boolean | undefined;
}

/**
 * Resolves when `socket` is open — at once if it is, unless `next` asks for the next `open` event. Rejects with
 * {@link SocketClosedError} if the socket closes for good first (or already has), or with the signal's reason
 * when `signal` aborts. Leaves no listener behind however it settles.
 *
 * A function rather than a method, so that bundles which never wait for an open leave it out.
 *
 * @example
 * ```ts
 * import { ReliableSocket, whenOpen } from 'reliable-socket';
 *
 * const socket = new ReliableSocket('wss://example.com/live');
 * await whenOpen(socket, { signal: AbortSignal.timeout(5000) });
 * ```
 */
export function whenOpen(socket: ReliableSocketCore, options?: WhenOpenOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const signal = options?.signal;
    const { state } = socket;
    if (signal?.aborted) return reject(signal.reason);
    if (state === 'open' && !options?.next) return resolve();
    if (state === 'closing' || state === 'closed') return reject(new SocketClosedError());
    const settle = (outcome: () => void): void => {
      unsubscribe();
      signal?.removeEventListener('abort', abort);
      outcome();
    };
    const abort = (): void => settle(() => reject(signal?.reason));
    const unsubscribe = socket.on('state', ({ to }) => {
      if (to === 'open') settle(resolve);
      else if (to === 'closing' || to === 'closed') settle(() => reject(new SocketClosedError()));
    });
    signal?.addEventListener('abort', abort);
  });
}
