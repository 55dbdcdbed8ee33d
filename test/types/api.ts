// Type tests: compiled by `npm run typecheck` (tsc -p tsconfig.json), never run. Every `@ts-expect-error`
// line must fail to compile — if one compiles, tsc reports the unused directive and the check fails.
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { WebSocket as NodeWebSocket } from 'ws';
import { z } from 'zod';
import {
  type Channel,
  ReliableSocket,
  ReliableSocketCore,
  type SendResult,
  whenOpen,
} from '../../src/index.js';

interface ChatMessage {
  user: string;
  text: string;
}
/** What the server sends, per channel. */
interface ServerToClient {
  chat: ChatMessage;
  prices: { symbol: string; price: number };
  history: ChatMessage[];
}
/** What the client sends, per channel. */
interface ClientToServer {
  chat: ChatMessage;
  history: { last: number };
}

declare const url: string;
const socket = new ReliableSocket<ServerToClient, ClientToServer>(url);
const assertType = <T>(value: T): T => value;

// Payload types flow from the maps to send(), on('message') and request().
const chat = socket.channel('chat');
assertType<Channel<ChatMessage, ChatMessage>>(chat);
assertType<SendResult>(chat.send({ user: 'ann', text: 'hi' }));
chat.on('message', (message) => assertType<string>(message.text));
const history: Promise<ChatMessage[]> = socket.channel('history').request({ last: 50 });
void history;

// @ts-expect-error: no such channel
socket.channel('chta');
// @ts-expect-error: wrong payload shape
chat.send({ user: 'ann', txt: 'hi' });
// @ts-expect-error: wrong payload type for this channel
socket.channel('history').send({ last: '50' });
// @ts-expect-error: receive-only channel: nothing may be sent on it
socket.channel('prices').send({ symbol: 'X', price: 1 });
chat.on('message', (message) => {
  // @ts-expect-error: not a field of ChatMessage
  void message.txt;
});
// @ts-expect-error: channels have 'message' and 'invalid' events only
chat.on('close', () => {});

// A validator gives the channel its type, and must agree with the declared map.
const Price = z.object({ symbol: z.string(), price: z.number() });
socket.channel('prices', { validate: Price }).on('message', (p) => assertType<number>(p.price));
// @ts-expect-error: the schema's output does not match ServerToClient['prices']
socket.channel('prices', { validate: z.object({ symbol: z.number() }) });
const parsed = socket.channel('chat', { validate: (data: unknown) => data as ChatMessage });
assertType<Channel<ChatMessage, ChatMessage>>(parsed);
parsed.on('invalid', ({ issues }) => assertType<string>(issues[0]?.message ?? ''));

// The Standard Schema interface is inlined (src/standard-schema.ts): a schema typed by the official package
// fits it, and gives its output type.
declare const official: StandardSchemaV1<unknown, { symbol: string; price: number }>;
socket.channel('prices', { validate: official }).on('message', (p) => assertType<number>(p.price));

// Without maps: any channel name, unknown payloads, narrowed by a validator.
const untyped = new ReliableSocket(url);
untyped.channel('anything').on('message', (data) => assertType<unknown>(data));
untyped.channel('n', { validate: z.number() }).on('message', (n) => assertType<number>(n));
untyped.channel('anything').send({ any: 'thing' });

// Socket events are typed too.
socket.on('close', ({ code, willReconnect }) => assertType<[number, boolean]>([code, willReconnect]));
socket.on('reconnecting', ({ attempt, delayMs }) => assertType<number>(attempt + delayMs));
// @ts-expect-error: no such event
socket.on('reconnected', () => {});
// @ts-expect-error: close listeners get a CloseInfo, not a number
socket.on('close', (code: number) => code);

// Bad options fail to compile (and at run time for JavaScript callers).
// @ts-expect-error: heartbeat is false or an object
new ReliableSocket(url, { heartbeat: true });
// @ts-expect-error: unknown option
new ReliableSocket(url, { hearbeat: false });
// @ts-expect-error: jitter is 'full' | 'equal' | 'none'
new ReliableSocket(url, { reconnect: { jitter: 'half' } });

// The WebSocket option takes the browser's constructor and `ws`'s alike, and nothing else.
new ReliableSocket(url, { WebSocket: globalThis.WebSocket });
new ReliableSocket(url, { WebSocket: NodeWebSocket });
// @ts-expect-error: not a WebSocket constructor
new ReliableSocket(url, { WebSocket: class {} });

// The core socket has everything but channels.
const core = new ReliableSocketCore(url);
core.send('raw');
// @ts-expect-error: channels are ReliableSocket's
core.channel('chat');
const full: ReliableSocketCore = socket; // a ReliableSocket is a ReliableSocketCore
void full;

// whenOpen() is a function of any socket, core or full; the method is gone (bundles that never wait leave it out).
assertType<Promise<void>>(whenOpen(core, { next: true }));
assertType<Promise<void>>(whenOpen(socket, { signal: AbortSignal.timeout(1000) }));
// @ts-expect-error: next is a boolean
void whenOpen(core, { next: 1 });
// @ts-expect-error: no whenOpen method any more
void core.whenOpen();
