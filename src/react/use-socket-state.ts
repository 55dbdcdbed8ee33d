import { useSyncExternalStore } from 'react';
import type { ReliableSocketCore, SocketState } from '../index.js';

/**
 * The socket's {@link SocketState}, re-rendering the component on every change — to show "reconnecting…", or to
 * disable a form while the socket is not `open`. `undefined` without a socket (so that it composes with a socket
 * created conditionally).
 *
 * @example
 * ```tsx
 * function Status({ socket }: { socket: ReliableSocket }) {
 *   const state = useSocketState(socket);
 *   return state === 'open' ? null : <p role="status">{state}…</p>;
 * }
 * ```
 */
export function useSocketState(socket: ReliableSocketCore | undefined): SocketState | undefined {
  return useSyncExternalStore(
    (changed) => (socket ? socket.on('state', changed) : () => {}),
    () => socket?.state,
    () => socket?.state,
  );
}
