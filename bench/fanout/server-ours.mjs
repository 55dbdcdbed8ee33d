// @ts-check
// Systems "ours": one node of the companion server (the built dist/server.js), with its own MemoryBroker, or a
// RedisBroker (dist/server-redis.js) on the Redis at `redisUrl`. The publisher is a client like any other: it
// sends each publication as a channel message on `pub`, whose handler publishes it on `bench`.
//
// What differs from the defaults, and why: no frame rate limit (its default, 100 frames/s per client, would
// throttle the one publisher — an app with a busy publisher raises it too), and no per-address or per-owner
// connection and session limits (every bench client comes from 127.0.0.1 without an owner). The rest — history
// (100 publications per channel), pings, protocol v2, session renewals — is as deployed.
//
// The RedisBroker gets a node-redis client made here (its `client` option) whose sendCommand counts what the
// node sends to Redis: session renewals (the only script with more than 3 keys: a batch of sessions, 2 keys
// each), other scripts, other commands — so that the driver can tell the background renewals from what
// publications and subscriptions cost.
import { ReliableSocketServer } from '../../dist/server.js';
import { collect, commands, fail, options, tell } from './child.mjs';

const redisUrl = /** @type {string | undefined} */ (options.redisUrl);
const sent = { renewScripts: 0, renewedSessions: 0, scripts: 0, commands: 0 };
let published = 0;

async function redisBroker(/** @type {string} */ url) {
  const [{ createClient }, { RedisBroker }] = await Promise.all([
    import('redis'),
    import('../../dist/server-redis.js'),
  ]);
  const client = createClient({ url });
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = /** @type {typeof client.sendCommand} */ (
    (/** @type {Parameters<typeof sendCommand>} */ ...args) => {
      const [name, , keys] = args[0].map(String);
      if (name === 'EVAL' || name === 'EVALSHA') {
        if (Number(keys) > 3) {
          sent.renewScripts++;
          sent.renewedSessions += Number(keys) / 2;
        } else sent.scripts++;
      } else sent.commands++;
      return sendCommand(...args);
    }
  );
  return new RedisBroker({ client });
}

const broker = redisUrl ? await redisBroker(redisUrl) : undefined;
const server = new ReliableSocketServer({
  port: 0,
  ...(broker ? { broker } : {}),
  rateLimit: false,
  maxConnectionsPerAddress: Number.POSITIVE_INFINITY,
  maxSessionsPerAddress: Number.POSITIVE_INFINITY,
  maxSessionsPerOwner: Number.POSITIVE_INFINITY,
});
server.on('error', (error) => fail(error));
server.handle('pub', {
  message: (data) => {
    published++;
    return server.publish('bench', data);
  },
});
await server.ready;
if (broker) await broker.ready;
tell({ type: 'ready', port: server.port ?? 0 });

commands({
  gc: () => {
    collect();
    tell({ type: 'gc' });
  },
  count: () =>
    tell({ type: 'count', count: [...server.clients].filter((c) => c.subscriptions.has('bench')).length }),
  sent: () => tell({ type: 'sent', published, ...(broker ? sent : {}) }),
});
