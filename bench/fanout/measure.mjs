// @ts-check
// One system at one size, once: start its redis-server (if any), its nodes, its subscriber processes and its
// publisher; read the nodes' idle RSS; then the closed-loop throughput window and the open-loop latency phase;
// then stop everything (even on failure). Returns the figures of that run.
import { Child, cpuMicros, rssBytes, sleep, trackPid } from './proc.mjs';
import { Progress } from './progress.mjs';
import { delta, perUnit, read } from './redis-account.mjs';

/**
 * @typedef {object} Settings
 * @property {number} subs subscribers
 * @property {number} subProcs subscriber processes
 * @property {number} inFlight publications kept in flight end to end in the throughput window (W)
 * @property {number} warmupMs
 * @property {number} windowMs
 * @property {number} latencyRate publications per second in the latency phase
 * @property {number} latencyMs
 */

const START_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;
/** With Redis, a quiet phase at the end: what the background session renewals cost it, per session renewed. */
const IDLE_MS = 1500;

/** `n` split into `k` near-equal shares. @param {number} n @param {number} k */
const shares = (n, k) => Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));

/** @param {number[]} sorted @param {number} q */
const quantile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

/**
 * @param {import('./systems.mjs').System} system
 * @param {Settings} settings
 */
export async function measure(system, settings) {
  const { subs, subProcs, inFlight } = settings;
  /** Children by when they stop: 0 publisher and subscribers, 1 nodes, 2 redis-server. */
  const started = /** @type {Array<{ child: Child, stage: number }>} */ ([]);
  /** @param {string} script @param {object} options @param {string} name @param {number} stage */
  const start = (script, options, name, stage) => {
    const child = new Child(script, options, name);
    started.push({ child, stage });
    return child;
  };
  /** Kills redis-server, should its keeper not have (called once the keeper has stopped). */
  let killRedis = () => {};
  try {
    const redis = system.redis ? start('redis-server.mjs', {}, `${system.id} redis-server`, 2) : undefined;
    const redisReady = redis ? await redis.next('ready', START_TIMEOUT_MS) : undefined;
    const redisPid = Number(redisReady?.pid ?? 0);
    if (redisPid) killRedis = trackPid(redisPid);
    const nodes = Array.from({ length: system.nodes }, (_, i) =>
      start(system.server, redisReady ? { redisUrl: redisReady.url } : {}, `${system.id} node ${i}`, 1),
    );
    const ports = await Promise.all(
      nodes.map(async (node) => (await node.next('ready', START_TIMEOUT_MS)).port),
    );
    const urls = ports.map((port) => `ws://127.0.0.1:${port}`);
    const beforeConnect = redis && (await read(redis, nodes));

    // Subscriber processes, spread over the nodes; each connects its share and says when all are subscribed.
    const connectStarted = performance.now();
    const counts = shares(subs, subProcs);
    const subscribers = counts.map((count, i) =>
      start(
        'subscriber.mjs',
        { kind: system.client, url: urls[i % urls.length], count },
        `${system.id} subscribers ${i}`,
        0,
      ),
    );
    const progress = new Progress(subscribers);
    await Promise.all(subscribers.map((s) => s.next('ready', 60_000 + 20 * subs)));
    const connectMs = performance.now() - connectStarted;
    const perNode = nodes.map((_, n) =>
      counts.filter((_, i) => i % nodes.length === n).reduce((a, b) => a + b, 0),
    );
    const seen = await Promise.all(
      nodes.map(async (node) => (await node.ask({ type: 'count' }, 'count', 10_000)).count),
    );
    if (seen.some((count, n) => count !== perNode[n]))
      throw new Error(`nodes hold ${seen.join(' + ')} subscribers, not ${perNode.join(' + ')}`);

    // Idle: the nodes' RSS after a collection.
    const afterConnect = redis && (await read(redis, nodes));
    await Promise.all(nodes.map((node) => node.ask({ type: 'gc' }, 'gc', 10_000)));
    const rss = nodes.map((node) => rssBytes(node.pid));

    const publisher = start(
      'publisher.mjs',
      { kind: system.client, url: urls[0] },
      `${system.id} publisher`,
      0,
    );
    await publisher.next('ready', START_TIMEOUT_MS);

    // Throughput: W publications in flight end to end, for a warm-up and then the window.
    let credited = inFlight;
    let crediting = true;
    progress.onAdvance = (low) => {
      if (!crediting || low + inFlight <= credited) return;
      credited = low + inFlight;
      publisher.send({ type: 'credit', upTo: credited });
    };
    const snapshot = async () => {
      const cpu = {
        ms: performance.now(),
        low: progress.low,
        server: nodes.reduce((sum, node) => sum + cpuMicros(node.pid), 0),
        redis: redisPid ? cpuMicros(redisPid) : 0,
        subscribers: subscribers.reduce((sum, s) => sum + cpuMicros(s.pid), 0),
      };
      return { ...cpu, redisReading: redis && (await read(redis, nodes)) };
    };
    publisher.send({ type: 'credit', upTo: credited });
    // Warm-up: its time, and at least a few windows' worth complete (a cold start under load can be slow).
    await sleep(settings.warmupMs);
    await progress.reach(4 * inFlight, DRAIN_TIMEOUT_MS, `${system.id} warm-up`);
    const a = await snapshot();
    progress.watch();
    await sleep(settings.windowMs - (performance.now() - a.ms));
    const b = await snapshot();
    const stallMs = progress.stallMs();
    crediting = false;
    await progress.reach(credited, DRAIN_TIMEOUT_MS, `${system.id} throughput drain`);
    const deliveries = (b.low - a.low) * subs;
    if (deliveries === 0)
      throw new Error(
        `${system.id}: no publication completed in the window (stalled ${Math.round(stallMs)} ms)`,
      );

    // Latency: an open loop at a fixed rate; sampled subscribers record each publication's one-way latency.
    const paced = await publisher.ask(
      { type: 'pace', rate: settings.latencyRate, durationMs: settings.latencyMs },
      'paced',
      settings.latencyMs + DRAIN_TIMEOUT_MS,
    );
    await progress.reach(Number(paced.last), DRAIN_TIMEOUT_MS, `${system.id} latency drain`);
    const afterLatency = redis && (await read(redis, nodes));
    const replies = await Promise.all(subscribers.map((s) => s.ask({ type: 'latency' }, 'latency', 10_000)));
    const samples = replies.flatMap((reply) => /** @type {number[]} */ (reply.samples)).sort((x, y) => x - y);
    if (redis) await sleep(IDLE_MS);
    const afterIdle = redis && (await read(redis, nodes));

    const seconds = (b.ms - a.ms) / 1000;
    return {
      connectMs,
      rssBytes: rss,
      publicationsPerS: (b.low - a.low) / seconds,
      stallMs,
      deliveriesPerS: deliveries / seconds,
      serverCpuUsPerDelivery: (b.server - a.server) / deliveries,
      subscriberCpuUsPerDelivery: (b.subscribers - a.subscribers) / deliveries,
      redisCpuShare: redisPid ? (b.redis - a.redis) / (seconds * 1e6) : undefined,
      latency: { p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), samples: samples.length },
      redis: redisCosts(),
    };

    /** What Redis did per subscriber, per publication, and for the background renewals. */
    function redisCosts() {
      const [r0, r1, ra, rb] = [beforeConnect, afterConnect, a.redisReading, b.redisReading];
      if (!(r0 && r1 && ra && rb && afterLatency && afterIdle)) return undefined;
      const idle = delta(afterLatency, afterIdle);
      const window = delta(ra, rb);
      return {
        version: String(redisReady?.version),
        perSubscriber: perUnit(delta(r0, r1), idle, subs),
        bytesPerSubscriber: delta(r0, r1).usedMemory / subs,
        perPublication: perUnit(window, idle, window.published),
        cpuUsPerPublication: (b.redis - a.redis) / window.published,
        renewedSessionsPerS: window.renewedSessions / seconds,
        commandsPerRenewedSession: idle.renewedSessions ? idle.total / idle.renewedSessions : Number.NaN,
      };
    }
  } finally {
    // Clients first, then the nodes (which may still speak to Redis as their clients leave), then Redis.
    for (const stage of [0, 1, 2])
      await Promise.all(started.filter((s) => s.stage === stage).map(({ child }) => child.stop()));
    killRedis();
  }
}
