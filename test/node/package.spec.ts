// The built package, imported by its own name the way users import it (Node resolves a package's own name
// through its `exports`): both entries, as ESM and as CommonJS, and a round trip between the built client
// (with ws) and the built server. Catches what a packaging mistake would break; runs after `npm run build`.
import { createRequire } from 'node:module';
import { expect, test } from '@playwright/test';
import { WebSocket } from 'ws';
import type * as Client from '../../src/index.js';
import type * as Server from '../../src/server/index.js';

// Specifiers in variables: type-checking must not depend on dist/ existing.
const CLIENT = 'reliable-socket';
const SERVER = 'reliable-socket/server';
const require = createRequire(import.meta.url);

const builds = {
  esm: async () => ({
    client: (await import(CLIENT)) as typeof Client,
    server: (await import(SERVER)) as typeof Server,
  }),
  cjs: async () => ({ client: require(CLIENT) as typeof Client, server: require(SERVER) as typeof Server }),
};

for (const [format, load] of Object.entries(builds)) {
  test(`${format}: the built client and server talk: a channel message and a request`, async () => {
    const { client, server } = await load();
    expect(Object.keys(client)).toEqual(
      expect.arrayContaining(['ReliableSocket', 'Channel', 'SocketClosedError']),
    );
    const companion = new server.ReliableSocketServer<{ echo: string }, { echo: string }>({ port: 0 });
    await companion.ready;
    companion.handle('echo', {
      message: (text) => companion.publish('echo', text.toUpperCase()),
      request: (text) => `${text}!`,
    });
    const socket = new client.ReliableSocket<{ echo: string }>(`ws://127.0.0.1:${companion.port}/`, {
      WebSocket: WebSocket as unknown as Client.WebSocketConstructor,
    });
    try {
      const echo = socket.channel('echo');
      const heard = new Promise<string>((resolve) => echo.on('message', resolve));
      echo.send('hi');
      expect(await heard).toBe('HI');
      expect(await echo.request('ok')).toBe('ok!');
    } finally {
      socket.close();
      await companion.close();
    }
    await expect.poll(() => socket.state).toBe('closed');
  });
}
