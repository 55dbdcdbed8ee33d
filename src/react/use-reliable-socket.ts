import { useEffect, useMemo, useRef } from 'react';
import { ReliableSocket, type ReliableSocketOptions, type UrlProvider } from '../index.js';

/** Options of {@link useReliableSocket}: the socket's (read when it is created), and `enabled`. */
export interface UseReliableSocketOptions extends Omit<ReliableSocketOptions, 'startClosed'> {
  /**
   * Whether the socket is connected: `false` closes it (queued frames are reported dropped), `true` opens it
   * again — the same socket, with its channels.
   * @default true
   */
  enabled?: boolean | undefined;
}

/** What makes a new socket: the URL, or "a function" (the latest one is called anyway; see below). */
const keyOf = (url: UrlProvider): string => (typeof url === 'function' ? '\0function' : String(url));

/**
 * A {@link ReliableSocket} owned by the component: connected while it is mounted (and `enabled`), closed when it
 * unmounts, replaced by a new one when `url` changes. Safe under StrictMode: the socket is created closed and
 * connects from a microtask after the effect, so StrictMode's mount → unmount → mount makes one connection.
 *
 * `options` are read when the socket is created (first render, and each change of `url`): to change them,
 * change the component's `key`. A URL function is not a change: the latest one is called before every attempt,
 * so `() => \`wss://…?token=${token}\`` written inline is fine.
 *
 * @example
 * ```tsx
 * function Chat() {
 *   const socket = useReliableSocket<{ chat: Line }>('wss://example.com/live');
 *   const chat = useChannel(socket, 'chat', (line) => setLines((lines) => [...lines, line]));
 *   return <button type="button" onClick={() => chat?.send({ text: 'hi' })}>Say hi</button>;
 * }
 * ```
 * @typeParam In payload type per channel name, for what arrives; see {@link ReliableSocket}.
 * @typeParam Out payload type per channel name, for what is sent.
 */
export function useReliableSocket<In extends object = Record<string, unknown>, Out extends object = In>(
  url: UrlProvider,
  options?: UseReliableSocketOptions,
): ReliableSocket<In, Out> {
  const latest = useRef(url);
  latest.current = url;
  const key = keyOf(url);
  const enabled = options?.enabled ?? true;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `url`; options are read once per socket.
  const socket = useMemo(() => {
    const { enabled: _, ...socketOptions } = options ?? {};
    const target =
      typeof url === 'function' ? () => (latest.current as Exclude<UrlProvider, string | URL>)() : url;
    // Created closed: a render React discards (StrictMode renders twice) leaves an inert object behind.
    return new ReliableSocket<In, Out>(target, { ...socketOptions, startClosed: true });
  }, [key]);
  useEffect(() => {
    if (!enabled) return;
    let mounted = true;
    // StrictMode runs effect, cleanup and effect again in one go: connecting from a microtask means that only
    // the mount that stays connects.
    queueMicrotask(() => {
      if (mounted) socket.open();
    });
    return () => {
      mounted = false;
      socket.close();
    };
  }, [socket, enabled]);
  return socket;
}
