// @ts-check
// The built companion server (dist/server.js) in a process of its own, driven over IPC by child-kit.ts (for
// server-hostile.spec.ts and server-attacks.spec.ts), so that the memory a hostile client costs it is measured
// in its own heap and RSS. Run with --expose-gc. Options come as JSON in argv[2]; the string "Infinity" stands
// for Infinity, which JSON cannot say.
import { ReliableSocketServer } from '../../dist/server.js';

const send = (/** @type {object} */ message) => process.send?.(message);
const gc = /** @type {() => void} */ (globalThis.gc);

const options = JSON.parse(process.argv[2] ?? '{}', (_key, value) =>
  value === 'Infinity' ? Infinity : value,
);
const server = new ReliableSocketServer({ port: 0, ...options });

/** The first disconnects in detail (bounded: a test that makes thousands must not grow the heap it measures). */
const KEPT_DISCONNECTS = 100;
/** @type {Array<{ id: number, code: number, wasClean: boolean }>} */
const disconnects = [];
/** Every disconnect counted, by close code and by `${code} ${reason}`. */
let disconnected = 0;
/** @type {Record<string, number>} */
const codes = {};
/** @type {Record<string, number>} */
const reasons = {};
server.on('disconnect', (client, info) => {
  disconnected++;
  codes[info.code] = (codes[info.code] ?? 0) + 1;
  const key = `${info.code} ${info.reason}`;
  reasons[key] = (reasons[key] ?? 0) + 1;
  if (disconnects.length < KEPT_DISCONNECTS)
    disconnects.push({ id: client.id, code: info.code, wasClean: info.wasClean });
});
/** Refused upgrade requests, by `${status} ${reason}`. */
/** @type {Record<string, number>} */
const refused = {};
server.on('refused', (info) => {
  const key = `${info.status} ${info.reason}`;
  refused[key] = (refused[key] ?? 0) + 1;
});
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
  /** @type {unknown} */
  let last;
  while (published * bytes < total) {
    for (let i = 0; i < 100 && published * bytes < total; i++, published++) {
      last = server.publish(channel, data); // the in-memory broker hands it out before this returns
      delivered += [...server.clients].filter(
        (client) =>
          client.subscriptions.has(channel) && /** @type {{ state?: string }} */ (client).state === 'open',
      ).length;
    }
    sample();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { published, delivered, position: await last };
}

/** The heap after full collections (and what else the process holds), in bytes. */
async function heap() {
  for (let i = 0; i < 3; i++) {
    gc();
    // Lets weak callbacks and finalizers run between collections.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers };
}

process.on('message', async (/** @type {{ type: string, [key: string]: unknown }} */ command) => {
  switch (command.type) {
    case 'baseline':
      gc();
      sample();
      peak = process.memoryUsage().rss;
      send({ type: 'baseline', rss: peak });
      return;
    case 'heap':
      send({ type: 'heap', ...(await heap()) });
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
        sessions: [...server.clients].filter((client) => client.session !== undefined).length,
        requests,
        disconnects,
        disconnected,
        codes,
        reasons,
        refused,
        // TCP sockets this process holds: accepted clients, handshakes, and connections still sending headers.
        sockets: process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length,
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
