import type { Broker } from '../../src/server/broker.js';
import { MemoryBroker, ReliableSocketServer, type ServerClient } from '../../src/server/index.js';
import { RedisBroker } from '../../src/server/redis/index.js';
import type { History } from './history.js';
import { SlowAttach } from './slow-attach.js';

/** The server's budget of what one client leaves unacknowledged; `big` payloads are over it. */
export const BUDGET_BYTES = 64 * 1024;
/** The size of an oversize payload: over {@link BUDGET_BYTES}, under the frame limit. */
export const BIG_BYTES = BUDGET_BYTES + 4096;

/** What the nodes of a world share and how they report. */
export interface NodeContext {
  history: History;
  /** Where Redis is (`undefined`: each node incarnation gets a new MemoryBroker, as a process would). */
  redisUrl: string | undefined;
  /** Key prefix of this schedule in Redis. */
  prefix: string;
  sessionTtlMs: number;
  /** Called on each connection, before anything else (the greeting, if the schedule has one). */
  onConnection(node: ScheduleNode, client: ServerClient): void;
  onDisconnect(node: ScheduleNode, client: ServerClient): void;
}

/**
 * One server node of a schedule's world: a real `ReliableSocketServer` on 127.0.0.1 and a free port, on its own
 * broker (a MemoryBroker, or a RedisBroker on the shared Redis) wrapped so that attaches can be slowed. Its
 * handlers record every run in the history. It can die and come back ({@link restart}) on another port.
 */
export class ScheduleNode {
  #server: ReliableSocketServer | undefined;
  #broker: Broker | undefined;
  #slow: SlowAttach | undefined;
  #attachDelayMs = 0;
  #incarnation = 0;

  private constructor(
    readonly letter: string,
    readonly context: NodeContext,
  ) {}

  static async start(letter: string, context: NodeContext): Promise<ScheduleNode> {
    const node = new ScheduleNode(letter, context);
    await node.#boot();
    return node;
  }

  /** The node's name in the history: its letter and incarnation (`A1`, then `A2` after a restart). */
  get name(): string {
    return `${this.letter}${this.#incarnation}`;
  }

  get server(): ReliableSocketServer {
    if (!this.#server) throw new Error(`node ${this.name} is down`);
    return this.#server;
  }

  get port(): number {
    return this.server.port ?? 0;
  }

  /** Session attaches held back or on their way to this node's broker. */
  get attachesPending(): number {
    return this.#slow?.pending ?? 0;
  }

  /** How long this node's session attaches wait before they reach its broker (0: not at all). */
  set attachDelayMs(ms: number) {
    this.#attachDelayMs = ms;
    if (this.#slow) this.#slow.delayMs = ms;
  }

  /** Dies (its clients cut without a close frame, its broker closed: in-memory state is gone) and boots again. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#boot();
  }

  async stop(): Promise<void> {
    const server = this.#server;
    const broker = this.#broker;
    this.#server = undefined;
    this.#broker = undefined;
    if (server) {
      for (const client of server.clients) client.terminate();
      await server.close();
    }
    await broker?.close();
  }

  async #boot(): Promise<void> {
    const { history, redisUrl, prefix, sessionTtlMs } = this.context;
    this.#incarnation++;
    const real: Broker = redisUrl ? new RedisBroker({ url: redisUrl, prefix }) : new MemoryBroker();
    const slow = new SlowAttach(real);
    slow.delayMs = this.#attachDelayMs;
    this.#slow = slow;
    const server = new ReliableSocketServer({
      port: 0,
      host: '127.0.0.1',
      broker: slow.broker,
      sessionTtlMs,
      maxBufferedBytes: BUDGET_BYTES,
      drainTimeoutMs: 50,
      closeTimeoutMs: 50,
      history: { maxMessages: 1000, maxBytes: 8 * 1024 * 1024, maxAgeMs: 600_000 },
    });
    const name = this.name;
    server.on('error', (error) =>
      history.record({
        kind: 'socket',
        event: 'server-error',
        detail: `${name}: ${error.message} ${String(error.cause)}`,
      }),
    );
    server.on('connection', (client) => this.context.onConnection(this, client));
    server.on('disconnect', (client) => this.context.onDisconnect(this, client));
    for (const channel of ['a', 'b', 'c']) {
      server.handle(channel, {
        message: (data, client, info) => {
          history.record({
            kind: 'handled',
            id: idOf(data),
            op: 'message',
            node: name,
            session: client.session ?? 'v1',
            redelivered: info.redelivered,
          });
        },
        request: (data, client, info) => {
          history.record({
            kind: 'handled',
            id: idOf(data),
            op: 'request',
            node: name,
            session: client.session ?? 'v1',
            redelivered: info.redelivered,
          });
          return isBig(data) ? { id: idOf(data), pad: 'x'.repeat(BIG_BYTES) } : { answer: idOf(data) };
        },
      });
    }
    await server.ready;
    this.#server = server;
    this.#broker = real;
  }
}

/** The `id` of a schedule payload (`{ id }`). */
export function idOf(data: unknown): string {
  return typeof data === 'object' && data !== null && 'id' in data ? String(data.id) : '?';
}

function isBig(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'big' in data && data.big === true;
}
