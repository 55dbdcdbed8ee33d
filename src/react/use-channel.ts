import { useEffect, useRef, useState } from 'react';
import type { Channel, ChannelName, Inbound, Outbound, ReliableSocket } from '../index.js';

/**
 * Channel `name` of `socket`, subscribed while the component is mounted: `onMessage` (the latest one passed)
 * receives each message, and the returned view sends and makes requests. The view is created in an effect, so
 * it is `undefined` on the first render; the channel is unsubscribed (its view closed) on unmount or when
 * `socket` or `name` changes.
 *
 * @example
 * ```tsx
 * const chat = useChannel(socket, 'chat', (line) => setLines((lines) => [...lines, line]));
 * chat?.send({ text: 'hi' });
 * ```
 */
export function useChannel<In extends object, Out extends object, K extends ChannelName<In, Out>>(
  socket: ReliableSocket<In, Out>,
  name: K,
  onMessage?: (data: Inbound<In, K>) => void,
): Channel<Inbound<In, K>, Outbound<Out, K>> | undefined {
  const handler = useRef(onMessage);
  handler.current = onMessage;
  const [view, setView] = useState<Channel<Inbound<In, K>, Outbound<Out, K>>>();
  useEffect(() => {
    // A channel needs no connection to be created: its subscription goes out when the socket opens.
    const channel = socket.channel(name);
    channel.on('message', (data) => handler.current?.(data));
    setView(channel);
    return () => {
      channel.close();
      setView(undefined);
    };
  }, [socket, name]);
  return view;
}
