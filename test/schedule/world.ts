import type { ServerClient } from '../../src/server/index.js';
import { ClientApp, latest, REQUEST_TIMEOUT_MS } from './app.js';
import type { History } from './history.js';
import { Link } from './link.js';
import { BIG_BYTES, ScheduleNode } from './node.js';
import type { RedisFaults } from './redis-faults.js';
import { describeStep, type Step, type WorldSettings } from './steps.js';

/**
 * How long the world gets, once healed, to deliver and settle everything: at least {@link QUIESCE_MS}, and
 * as long as something is still being handled, delivered or settled (a loaded machine is slow, not wrong), up
 * to {@link QUIESCE_MAX_MS}.
 */
const QUIESCE_MS = 1300;
const QUIESCE_MAX_MS = REQUEST_TIMEOUT_MS + 1500;
/** Nothing handled, delivered or settled for this long: the world is stuck, not slow. */
const STALL_MS = 500;
/** How long after quiescence late copies (duplicates) still get to show up. */
const LATE_MS = 40;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A schedule's world: one server node (MemoryBroker) or two (RedisBroker on the shared Redis), the link
 * (a TCP proxy) between them and the client app, and the faults. {@link apply} performs one step; faults with a
 * duration run in the background until {@link heal}.
 */
export class World {
  readonly #background = new Set<Promise<void>>();
  readonly #live = new Map<ServerClient, ScheduleNode>();
  #nextId = 0;
  #app: ClientApp | undefined;

  private constructor(
    readonly settings: WorldSettings,
    readonly history: History,
    readonly nodes: ScheduleNode[],
    readonly link: Link,
    readonly redis: RedisFaults | undefined,
  ) {}

  /** Starts the nodes, the link and the client app (which connects at once). */
  static async start(
    settings: WorldSettings,
    history: History,
    redis: RedisFaults | undefined,
    prefix: string,
  ): Promise<World> {
    let world: World | undefined;
    const context = {
      history,
      redisUrl: redis?.redis.url,
      prefix,
      sessionTtlMs: settings.sessionTtlMs,
      onConnection: (node: ScheduleNode, client: ServerClient) => world?.connected(node, client),
      onDisconnect: (_node: ScheduleNode, client: ServerClient) => world?.disconnected(client),
    };
    const letters = settings.kind === 'redis' ? ['A', 'B'] : ['A'];
    const nodes = await Promise.all(letters.map((letter) => ScheduleNode.start(letter, context)));
    const link = await Link.start(nodes[0]!.port);
    world = new World(settings, history, nodes, link, redis);
    const app = new ClientApp(link.url, history);
    world.#app = app;
    for (const channel of settings.early) app.open(channel);
    return world;
  }

  get app(): ClientApp {
    if (!this.#app) throw new Error('no app yet');
    return this.#app;
  }

  /** A connection reached a node: greet it when the schedule says so (before its `hello` is read). */
  connected(node: ScheduleNode, client: ServerClient): void {
    this.#live.set(client, node);
    if (this.settings.greet) this.#direct(node, client, true, false);
  }

  disconnected(client: ServerClient): void {
    const node = this.#live.get(client);
    this.#live.delete(client);
    if (node)
      this.history.record({ kind: 'served', client: `${node.name}#${client.id}`, session: client.session });
  }

  /** Performs one step. */
  async apply(step: Step): Promise<void> {
    if (step.afterMs > 0) await sleep(step.afterMs);
    this.history.record({ kind: 'step', step: describeStep(step) });
    const app = this.app;
    switch (step.do) {
      case 'send':
        return app.send(step.channel, step.count);
      case 'confirm':
        return app.confirm(step.channel);
      case 'request':
        return app.request(step.channel, step.big);
      case 'open':
        return void app.open(step.channel);
      case 'close':
        return app.close(step.channel);
      case 'publish':
        return this.#publish(step.channel, this.nodes[step.node % this.nodes.length]!);
      case 'direct': {
        const live = [...this.#live].at(-1);
        if (live) this.#direct(live[1], live[0], false, step.big);
        return;
      }
      case 'kill':
        return this.link.kill();
      case 'freeze': {
        const frozen = this.link.freeze();
        return this.#later(step.ms, () =>
          step.end === 'drop' ? this.link.drop(frozen) : this.link.release(frozen),
        );
      }
      case 'away':
        this.link.blocked = true;
        this.link.kill();
        return this.#later(step.ms, () => {
          this.link.blocked = false;
        });
      case 'slowAttach':
        for (const node of this.nodes) node.attachDelayMs = step.ms;
        this.link.kill();
        return this.#later(step.ms + 50, () => {
          for (const node of this.nodes) node.attachDelayMs = 0;
        });
      case 'restartNode':
        return this.#restart(this.nodes[step.node % this.nodes.length]!);
      case 'moveNode': {
        const other = this.nodes.find((node) => node.port !== this.link.upstreamPort) ?? this.nodes[0]!;
        this.link.upstreamPort = other.port;
        return this.link.kill();
      }
      case 'pause':
        return this.redis?.pause(step.ms);
      case 'restartStore':
        this.history.record({ kind: 'fault', fault: 'store restarted empty', storeLost: true });
        return this.redis?.restart();
      case 'snapshot':
        return this.redis?.snapshot();
      case 'restore':
        if (!this.redis?.hasSnapshot) return;
        this.history.record({ kind: 'fault', fault: 'store restored from a snapshot', storeLost: true });
        return this.redis.restore();
    }
  }

  /** Ends every fault: background faults run out, nodes are reachable, attaches are fast. */
  async heal(): Promise<void> {
    await Promise.all(this.#background);
    this.link.blocked = false;
    for (const node of this.nodes) node.attachDelayMs = 0;
    this.history.record({ kind: 'fault', fault: 'healed' });
  }

  /**
   * Waits until the healed world has nothing left in flight — the socket open, every frame acknowledged, every
   * request and confirmation settled, the last publication of each channel and the last `client.send` at every
   * open view (or a `gap` after them) — or until {@link QUIESCE_MS}; then a little longer, for late copies.
   */
  async quiesce(): Promise<void> {
    const healed = performance.now();
    while (!this.#quiet()) {
      const now = performance.now();
      // Stuck, not slow: connected, nothing left to time out, and nothing moved for a while.
      const { socket, pending } = this.app;
      const stalled =
        socket.state === 'open' &&
        pending === 0 &&
        this.history.now() - latestProgress(this.history) > STALL_MS;
      if (now - healed > QUIESCE_MAX_MS || (now - healed > QUIESCE_MS && stalled)) break;
      await sleep(10);
    }
    await sleep(LATE_MS);
    this.history.record({ kind: 'end' });
  }

  /** Stops the client, the nodes and the link. */
  async dispose(): Promise<void> {
    this.#app?.socket.close();
    await Promise.all(this.#background);
    await Promise.all(this.nodes.map((node) => node.stop()));
    await this.link.close();
  }

  #quiet(): boolean {
    const app = this.app;
    if (app.socket.state !== 'open' || app.socket.unacknowledged > 0 || app.pending > 0) return false;
    // A hello held back before the heal still lands: what was sent to its connection reaches the session then.
    if (this.nodes.some((node) => node.attachesPending > 0)) return false;
    const last = new Map<string, { id: string; t: number }>();
    for (const event of this.history.of('published')) if (event.ok) last.set(event.channel, event);
    const direct = latest(this.history.of('direct'), (event) => event.taken && !event.oversize);
    if (direct) last.set('inbox', direct);
    const delivered = new Set(this.history.of('delivered').map((event) => `${event.view} ${event.id}`));
    const gaps = this.history.of('gap');
    return app.openViews().every(({ number, channel }) => {
      const wanted = last.get(channel);
      return (
        !wanted ||
        delivered.has(`${number} ${wanted.id}`) ||
        gaps.some((gap) => gap.view === number && gap.t >= wanted.t)
      );
    });
  }

  async #publish(channel: string, node: ScheduleNode): Promise<void> {
    const id = `p${++this.#nextId}`;
    const startedAt = this.history.now();
    const ok = await Promise.race([
      node.server.publish(channel, { id }).then(
        () => true,
        () => false,
      ),
      sleep(1000).then(() => false),
    ]);
    this.history.record({ kind: 'published', id, channel, node: node.name, startedAt, ok });
  }

  #direct(node: ScheduleNode, client: ServerClient, inConnection: boolean, oversize: boolean): void {
    const id = `d${++this.#nextId}`;
    let taken = false;
    try {
      taken = client.send('inbox', oversize ? { id, pad: 'x'.repeat(BIG_BYTES) } : { id });
    } catch {
      taken = false;
    }
    const to = `${node.name}#${client.id}`;
    this.history.record({ kind: 'direct', id, node: node.name, client: to, taken, inConnection, oversize });
  }

  async #restart(node: ScheduleNode): Promise<void> {
    const following = this.link.upstreamPort === node.port;
    if (this.settings.kind === 'memory')
      this.history.record({
        kind: 'fault',
        fault: `node ${node.name} restarted: memory lost`,
        storeLost: true,
      });
    await node.restart();
    if (following) this.link.upstreamPort = node.port;
  }

  #later(ms: number, then: () => void): void {
    const task = sleep(ms).then(then);
    this.#background.add(task);
    void task.finally(() => this.#background.delete(task));
  }
}

/** When something last moved: a frame handled, a message delivered, a promise settled. */
function latestProgress(history: History): number {
  const kinds = new Set(['handled', 'delivered', 'settled', 'confirmed']);
  return latest(history.events, (event) => kinds.has(event.kind))?.t ?? 0;
}
