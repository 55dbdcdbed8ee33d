// @ts-check
// The built companion server (dist/server.js) in a process of its own, driven over IPC by
// server-hostile.spec.ts, so that the memory a hostile client costs it is measured in its own RSS. Run with
// --expose-gc. Options come as JSON in argv[2].
import { ReliableSocketServer } from '../../dist/server.js';

const send = (/** @type {object} */ message) => process.send?.(message);
const gc = /** @type {() => void} */ (globalThis.gc);

const server = new ReliableSocketServer({ port: 0, ...JSON.parse(process.argv[2] ?? '{}') });
/** @type {Array<{ id: number, code: number, wasClean: boolean }>} */
const disconnects = [];
server.on('disconnect', (client, info) =>
  disconnects.push({ id: client.id, code: info.code, wasClean: info.wasClean }),
);
let requests = 0;
server.handle('big', {
  request: (bytes) => {
    requests++;
    return 'x'.repeat(Number(bytes));
  },
});
await server.ready;

// The peak RSS, sampled every 5 ms and after every batch of publishes.
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};
const sampler = setInterval(sample, 5);

/** Publishes `total` bytes on `channel` in messages of `bytes`, a batch per turn of the event loop. */
async function publish(
  /** @type {string} */ channel,
  /** @type {number} */ bytes,
  /** @type {number} */ total,
) {
  const data = 'x'.repeat(bytes);
  let published = 0;
  let delivered = 0;
  while (published * bytes < total) {
    for (let i = 0; i < 100; i++, published++) {
      void server.publish(channel, data); // the in-memory broker hands it out before this returns
      delivered += [...server.clients].filter(
        (client) =>
          client.subscriptions.has(channel) && /** @type {{ state?: string }} */ (client).state === 'open',
      ).length;
    }
    sample();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { published, delivered };
}

process.on('message', async (/** @type {{ type: string, [key: string]: unknown }} */ command) => {
  switch (command.type) {
    case 'baseline':
      gc();
      sample();
      peak = process.memoryUsage().rss;
      send({ type: 'baseline', rss: peak });
      return;
    case 'publish':
      send({
        type: 'published',
        ...(await publish(String(command.channel), Number(command.bytes), Number(command.total))),
      });
      return;
    case 'state':
      send({
        type: 'state',
        clients: server.clients.size,
        subscribed: [...server.clients].filter((client) => client.subscriptions.size > 0).length,
        requests,
        disconnects,
        peak,
      });
      return;
    case 'close':
      clearInterval(sampler);
      await server.close();
      process.disconnect();
  }
});
send({ type: 'ready', port: server.port });
