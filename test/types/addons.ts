// Type tests of the add-on entries (reliable-socket/websocket, reliable-socket/react): compiled by
// `npm run typecheck`, never run. Every `@ts-expect-error` line must fail to compile.
import { createClient } from 'graphql-ws';
import type { Channel, ReliableSocket } from '../../src/index.js';
import { useChannel, useReliableSocket } from '../../src/react/index.js';
import { ReliableWebSocket } from '../../src/websocket/index.js';

declare const url: string;
const assertType = <T>(value: T): T => value;

// Wherever a WebSocket instance or constructor is expected, ours fits.
assertType<WebSocket>(new ReliableWebSocket(url));
assertType<typeof WebSocket>(ReliableWebSocket);
assertType<typeof WebSocket>(ReliableWebSocket.with({ heartbeat: { intervalMs: 10_000 } }));
createClient({ url, webSocketImpl: ReliableWebSocket.with({ reconnect: { maxRetries: 3 } }) });
new ReliableWebSocket(url).addEventListener('message', (event) => assertType<MessageEvent>(event));
new ReliableWebSocket(url).addEventListener('close', (event) => assertType<number>(event.code));
// @ts-expect-error protocols are the constructor's second argument, not an option
ReliableWebSocket.with({ protocols: ['chat'] });
// @ts-expect-error binaryType is a property
ReliableWebSocket.with({ binaryType: 'arraybuffer' });
// @ts-expect-error the adapter connects on construction, as natively
ReliableWebSocket.with({ startClosed: true });

// The hooks carry the channel maps through.
interface Line {
  text: string;
}
function Component(): void {
  const socket = useReliableSocket<{ chat: Line; presence: string[] }, { chat: Line }>(url, {
    enabled: false,
  });
  assertType<ReliableSocket<{ chat: Line; presence: string[] }, { chat: Line }>>(socket);
  const chat = useChannel(socket, 'chat', (line) => assertType<string>(line.text));
  assertType<Channel<Line, Line> | undefined>(chat);
  chat?.send({ text: 'hi' });
  // @ts-expect-error a misspelt channel name
  useChannel(socket, 'caht');
  // @ts-expect-error presence is receive-only: its send() takes never
  useChannel(socket, 'presence')?.send(['ann']);
  // @ts-expect-error startClosed is the hook's business (`enabled`)
  useReliableSocket(url, { startClosed: true });
}
void Component;
