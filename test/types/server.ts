// Type tests of the companion server: compiled by `npm run typecheck`, never run. Every `@ts-expect-error`
// line must fail to compile.
import type {
  ReliableSocketServer,
  ReliableSocketServerOptions,
  ServerClient,
} from '../../src/server/index.js';

interface User {
  user: string;
}
type Channels = { chat: string; [room: `user:${string}`]: string };
type Options = ReliableSocketServerOptions<Channels, User>;

// authorize attaches data of the server's ClientData type; canSubscribe and handlers see it typed.
const options: Options = {
  port: 0,
  authorize: () => ({ data: { user: 'alice' } }),
  canSubscribe: async (client, channel) => channel === `user:${client.data.user}`,
  allowedOrigins: ['https://app.example'],
  rateLimit: { framesPerSecond: 50 },
};
void options;
// @ts-expect-error: data must be a User
const wrongData: Options = { port: 0, authorize: () => ({ data: { name: 'alice' } }) };
// @ts-expect-error: canSubscribe answers a boolean
const wrongAnswer: Options = { port: 0, canSubscribe: () => 'yes' };
// @ts-expect-error: allowedOrigins is a list of origins or a function
const wrongOrigins: Options = { port: 0, allowedOrigins: 'https://app.example' };
// @ts-expect-error: rateLimit is false or an object
const wrongRate: Options = { port: 0, rateLimit: true };
void [wrongData, wrongAnswer, wrongOrigins, wrongRate];

declare const server: ReliableSocketServer<Channels, Channels, User>;
server.handle('chat', { message: (text, client) => client.data.user.length + text.length });
server.on('subscribe', (client, channel) => client.unsubscribe(channel, `not for ${client.data.user}`));
const client: ServerClient<Channels, User> = [...server.clients][0]!;
const kept: boolean = client.unsubscribe('chat');
void kept;
// @ts-expect-error: a reason is a string
client.unsubscribe('chat', 42);
