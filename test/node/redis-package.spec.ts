// The Redis broker's entry as built, imported by name (`reliable-socket/server/redis`) as ESM and as CommonJS:
// it loads without the server entry, and the built server on it carries a channel message from a built client
// through a real redis-server. Runs after `npm run build`.
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import type * as Client from '../../src/index.js';
import type * as Server from '../../src/server/index.js';
import type * as Redis from '../../src/server/redis/index.js';
import { RedisServer } from '../fixture/redis-server.js';

// Specifiers in variables: type-checking must not depend on dist/ existing.
const [CLIENT, SERVER, REDIS] = ['reliable-socket', 'reliable-socket/server', 'reliable-socket/server/redis'];
const require = createRequire(import.meta.url);

const builds = {
  esm: async () => ({
    client: (await import(CLIENT)) as typeof Client,
    server: (await import(SERVER)) as typeof Server,
    redis: (await import(REDIS)) as typeof Redis,
  }),
  cjs: async () => ({
    client: require(CLIENT) as typeof Client,
    server: require(SERVER) as typeof Server,
    redis: require(REDIS) as typeof Redis,
  }),
};

for (const [format, load] of Object.entries(builds)) {
  test(`${format}: the built RedisBroker under the built server carries a channel message`, async () => {
    const { client, server, redis } = await load();
    expect(Object.keys(redis)).toEqual(['RedisBroker']);
    const store = await RedisServer.start();
    const broker = new redis.RedisBroker({ url: store.url });
    const companion = new server.ReliableSocketServer<{ echo: string }, { echo: string }>({
      port: 0,
      broker,
    });
    await companion.ready;
    const socket = new client.ReliableSocket<{ echo: string }>(`ws://127.0.0.1:${companion.port}/`, {
      WebSocket: WebSocket as unknown as Client.WebSocketConstructor,
    });
    try {
      companion.handle('echo', { message: (text) => companion.publish('echo', text.toUpperCase()) });
      const echo = socket.channel('echo');
      const heard = new Promise<string>((resolve) => echo.on('message', resolve));
      echo.send('hi');
      expect(await heard).toBe('HI');
    } finally {
      socket.close();
      await companion.close();
      await broker.close();
      await store.stop();
    }
  });
}
