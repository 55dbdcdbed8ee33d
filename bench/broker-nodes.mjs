// @ts-check
// Two server nodes in one process for bench/broker.bench.ts: the built server (dist/server.js) twice, sharing one
// MemoryBroker, or each on its own RedisBroker (dist/server-redis.js) on one Redis — driven over IPC. Options come
// as JSON in argv[2]: { broker: 'memory' | 'redis', url? }. Same process either way, so the two brokers are
// compared on the same footing (two nodes that share a MemoryBroker cannot be two processes).
import { MemoryBroker, ReliableSocketServer } from '../dist/server.js';
import { RedisBroker } from '../dist/server-redis.js';

const { broker: kind, url } = JSON.parse(process.argv[2] ?? '{}');
const send = (/** @type {object} */ message) => process.send?.(message);

const shared = kind === 'memory' ? new MemoryBroker() : undefined;
const brokers = shared ? [shared, shared] : [new RedisBroker({ url }), new RedisBroker({ url })];
const nodes = brokers.map(
  (broker) => new ReliableSocketServer({ port: 0, broker, pingIntervalMs: Infinity, rateLimit: false }),
);
for (const node of nodes)
  node.on('error', (error) => send({ type: 'error', message: String(error.cause ?? error) }));
await Promise.all(nodes.map((node) => node.ready));
const publisher = /** @type {ReliableSocketServer} */ (nodes[0]);

// Peak RSS while publishing, sampled every 5 ms.
let peak = 0;
const sample = () => {
  peak = Math.max(peak, process.memoryUsage().rss);
};

process.on('message', async (/** @type {{ type: string, count?: number, bytes?: number }} */ command) => {
  if (command.type === 'subscribers') {
    send({
      type: 'subscribers',
      counts: nodes.map((node) => [...node.clients].filter((c) => c.subscriptions.size).length),
    });
  } else if (command.type === 'publish') {
    // Through node A only, as fast as the broker takes them: every publish() is called at once, in order.
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    peak = before;
    const sampler = setInterval(sample, 5);
    const data = { text: 'x'.repeat(Number(command.bytes) - 11) }; // `bytes` of JSON: {"text":"xx…"}
    const started = performance.now();
    const published = [];
    for (let i = 0; i < Number(command.count); i++) published.push(publisher.publish('bench', data));
    await Promise.all(published);
    const acceptedMs = performance.now() - started;
    clearInterval(sampler);
    sample();
    send({ type: 'published', acceptedMs, rssBefore: before, rssPeak: peak });
  } else if (command.type === 'close') {
    await Promise.all(nodes.map((node) => node.close()));
    await Promise.all(brokers.map((broker) => broker.close()));
    process.disconnect();
  }
});
send({ type: 'ready', ports: nodes.map((node) => node.port) });
