// Channel fan-out across two server nodes, in-memory broker vs Redis broker: publishes per second through one
// node to 1,000 subscribers spread over two nodes (500 each), and what it costs the nodes' process in memory
// (and Redis, for the Redis broker). The nodes run in a process of their own (bench/broker-nodes.mjs); the
// subscribers are plain `ws` clients in this process that say hello (protocol v2), subscribe, and count.
// Figures, not asserts: bench/README.md says what each means. Node only (the `node` project).
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from '@playwright/test';
import { createClient } from 'redis';
import { WebSocket } from 'ws';
import { RedisServer } from '../test/fixture/redis-server.js';
import { median } from './kit.js';

const SUBSCRIBERS = 1000;
const PUBLISHES = 200;
const BYTES = 64;
const ROUNDS = 3;
const ROUND_TIMEOUT_MS = 60_000;
export const BROKER_RESULTS = new URL('results/broker.json', import.meta.url);

type Message = { type: string } & Record<string, unknown>;

/** The nodes' process, and a way to ask it something and wait for its answer. */
async function startNodes(options: { broker: 'memory' | 'redis'; url?: string }) {
  const script = fileURLToPath(new URL('./broker-nodes.mjs', import.meta.url));
  const child: ChildProcess = fork(script, [JSON.stringify(options)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const errors: unknown[] = [];
  const next = (type: string) =>
    new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" from the nodes`)), ROUND_TIMEOUT_MS);
      const on = (message: Message) => {
        if (message.type === 'error') errors.push(message);
        if (message.type !== type) return;
        clearTimeout(timer);
        child.off('message', on);
        resolve(message);
      };
      child.on('message', on);
    });
  const ready = await next('ready').catch((error: unknown) => {
    child.kill('SIGKILL'); // nobody holds the process yet: it must not outlive the bench
    throw error;
  });
  const ask = (command: Message, answer: string) => {
    const reply = next(answer);
    child.send(command);
    return reply;
  };
  const close = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.send({ type: 'close' });
    await exited;
  };
  return { ports: ready.ports as number[], ask, close, errors };
}

/** `count` v2 subscribers of `bench` on `port`, counting what they receive. */
async function subscribers(port: number, count: number, received: { count: number }): Promise<WebSocket[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      ws.on('message', (data) => {
        // Publications only (`"type":"message"` comes first in them), without parsing.
        if ((data as Buffer).subarray(0, 17).toString() === '{"type":"message"') received.count++;
      });
      ws.send(JSON.stringify({ type: 'hello', v: 2, received: 0 }));
      ws.send(JSON.stringify({ type: 'subscribe', channel: 'bench', seq: 1 }));
      return ws;
    }),
  );
}

async function measure(broker: 'memory' | 'redis', redis?: RedisServer) {
  const nodes = await startNodes({ broker, ...(redis ? { url: redis.url } : {}) });
  const received = { count: 0 };
  const sockets: WebSocket[] = [];
  try {
    for (const port of nodes.ports) sockets.push(...(await subscribers(port, SUBSCRIBERS / 2, received)));
    for (let waited = 0; ; waited += 50) {
      const { counts } = await nodes.ask({ type: 'subscribers' }, 'subscribers');
      if ((counts as number[]).every((n) => n === SUBSCRIBERS / 2)) break;
      if (waited > ROUND_TIMEOUT_MS) throw new Error('the subscribers did not all subscribe');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const rounds: Array<
      Record<
        'publishesPerSecond' | 'deliveriesPerSecond' | 'acceptedPerSecond' | 'rssGrowthMB' | 'rssMB',
        number
      >
    > = [];
    for (let round = 0; round < ROUNDS; round++) {
      received.count = 0;
      const started = performance.now();
      const published = await nodes.ask({ type: 'publish', count: PUBLISHES, bytes: BYTES }, 'published');
      const expected = PUBLISHES * SUBSCRIBERS;
      for (const deadline = started + ROUND_TIMEOUT_MS; received.count < expected; ) {
        if (performance.now() > deadline) throw new Error(`${received.count} of ${expected} delivered`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - started) / 1000;
      rounds.push({
        publishesPerSecond: PUBLISHES / seconds,
        deliveriesPerSecond: expected / seconds,
        acceptedPerSecond: PUBLISHES / ((published.acceptedMs as number) / 1000),
        rssGrowthMB: ((published.rssPeak as number) - (published.rssBefore as number)) / 2 ** 20,
        rssMB: (published.rssPeak as number) / 2 ** 20,
      });
    }
    const mid = (key: keyof (typeof rounds)[number]): number => median(rounds.map((r) => r[key]));
    return {
      publishesPerSecond: mid('publishesPerSecond'),
      deliveriesPerSecond: mid('deliveriesPerSecond'),
      acceptedPerSecond: mid('acceptedPerSecond'),
      rssGrowthMB: mid('rssGrowthMB'),
      rssMB: mid('rssMB'),
      errors: nodes.errors.length,
      rounds,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await nodes.close();
  }
}

test('broker: publishes per second through one node, 1,000 subscribers over two nodes, memory vs Redis', async () => {
  test.setTimeout(240_000);
  const memory = await measure('memory');
  const redis = await RedisServer.start();
  try {
    const onRedis = await measure('redis', redis);
    const client = createClient({ url: redis.directUrl });
    await client.connect();
    const info = await client.info('memory');
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
    client.destroy();
    mkdirSync(new URL('.', BROKER_RESULTS), { recursive: true });
    const figures = {
      subscribers: SUBSCRIBERS,
      publishes: PUBLISHES,
      bytes: BYTES,
      rounds: ROUNDS,
      memory,
      redis: { ...onRedis, redisUsedMB: used / 2 ** 20, redisVersion: version },
    };
    writeFileSync(BROKER_RESULTS, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(JSON.stringify(figures, null, 2));
  } finally {
    await redis.stop();
  }
});
