// @ts-check
// Systems "socket.io": one socket.io 4.8 node (WebSocket transport only, as the subscribers use), alone or with
// @socket.io/redis-adapter on the Redis at `redisUrl` (a node-redis client and its duplicate for pub/sub, as
// the adapter's README shows). Subscribers join the room `bench` when they emit `subscribe`; the publisher emits
// `pub` and the handler broadcasts it to the room: `io.to('bench').emit('m', data)`.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';
import { collect, commands, options, tell } from './child.mjs';

const redisUrl = /** @type {string | undefined} */ (options.redisUrl);
let published = 0;
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
if (redisUrl) {
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}
io.on('connection', (socket) => {
  socket.on('subscribe', (/** @type {() => void} */ ack) => {
    socket.join('bench');
    ack();
  });
  socket.on('pub', (/** @type {unknown} */ data) => {
    published++;
    io.to('bench').emit('m', data);
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  tell({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });
});

commands({
  gc: () => {
    collect();
    tell({ type: 'gc' });
  },
  count: () => tell({ type: 'count', count: io.of('/').adapter.rooms.get('bench')?.size ?? 0 }),
  sent: () => tell({ type: 'sent', published }),
});
