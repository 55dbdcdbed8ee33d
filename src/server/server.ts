import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClientFrame } from '../protocol.js';
import { type Broker, randomId } from './broker.js';
import { Channels } from './channels.js';
import { Client, type ClientHost } from './client.js';
import { ServerEmitter } from './emitter.js';
import { BrokerError, type ListenError } from './errors.js';
import { exceptKey } from './fan-out.js';
import { type Accepted, addressOf, Handshakes } from './handshake.js';
import { MemoryBroker } from './memory-broker.js';
import {
  type ReliableSocketServerOptions,
  type ResolvedServerOptions,
  resolveServerOptions,
} from './options.js';
import { closeOwnServer, createOwnServer, listen } from './own-http-server.js';
import { ReplayBudgets } from './replay-budgets.js';
import { Session } from './session.js';
import { SessionQuota } from './session-quota.js';
import { Subscriptions } from './subscriptions.js';
import type {
  ChannelHandlers,
  ChannelMap,
  ChannelOf,
  PayloadOf,
  Published,
  PublishOptions,
  ReliableSocketServerEvents,
  ServerClient,
  ServerState,
} from './types.js';
import { Work } from './work.js';

/** A frame handled for the first time (all of v1's, and v2's but those re-sent to a new session). */
const FIRST_DELIVERY = { redelivered: false } as const;

/**
 * The companion server of `reliable-socket`, on top of `ws`: answers heartbeats, decides and tracks each
 * client's subscriptions, publishes to subscribers, runs per-channel message and request handlers, checks
 * origins and authorizes handshakes, bounds what each client may cost (outgoing buffer, frame rate,
 * subscriptions, requests in flight), cuts off dead clients, and on `close()` lets handlers finish, then tells
 * every client (1012) to reconnect elsewhere. PROTOCOL.md describes what it says on the wire.
 *
 * @typeParam In What clients send on each channel (what handlers receive).
 * @typeParam Out What the server sends on each channel (what `publish()` takes and request handlers answer).
 * @typeParam ClientData What `authorize` attaches to each client (`{ data }`), as `client.data`.
 *
 * @example
 * ```ts
 * const server = new ReliableSocketServer<{ chat: string }, { chat: string }>({ port: 8080 });
 * await server.ready;
 * server.handle('chat', {
 *   message: (text, client) => server.publish('chat', text, { except: client }),
 *   request: (text) => text.toUpperCase(),
 * });
 * ```
 */
export class ReliableSocketServer<
  In extends ChannelMap = Record<string, unknown>,
  Out extends ChannelMap = Record<string, unknown>,
  ClientData = unknown,
> {
  /**
   * Settles once the server accepts connections: when it listens itself, once listening (it rejects with a
   * {@link ListenError} if it cannot); when attached to a server, at once.
   */
  readonly ready: Promise<void>;
  readonly #options: ResolvedServerOptions;
  readonly #http: http.Server;
  readonly #handshakes: Handshakes;
  readonly #events = new ServerEmitter<ReliableSocketServerEvents<Out>>();
  readonly #work = new Work();
  readonly #subscriptions: Subscriptions<Out>;
  readonly #channels: Channels<Out>;
  readonly #clients = new Set<Client<Out>>();
  readonly #broker: Broker;
  readonly #sessionQuota: SessionQuota;
  readonly #replayBudgets: ReplayBudgets;
  /** Makes client keys unique across every node sharing the broker. */
  readonly #node = randomId();
  /** Stops listening to the broker's own failures (see `Broker.onError`), at `close()`. */
  readonly #unlistenBroker: (() => void) | undefined;
  /** The protocol-ping sweep, cleared by `close()`; undefined when pings are disabled. */
  readonly #pinger: NodeJS.Timeout | undefined;
  #state: ServerState = 'open';
  #closed: Promise<void> | undefined;
  #lastId = 0;

  /**
   * Attaches to `options.server`, or starts listening on `options.port` (see {@link ready}).
   * @throws TypeError or RangeError naming the bad option and its value.
   */
  constructor(options: ReliableSocketServerOptions<Out, ClientData>) {
    this.#options = resolveServerOptions(options);
    const { server, listen: address, pingIntervalMs } = this.#options;
    this.#broker = this.#options.broker ?? new MemoryBroker();
    this.#unlistenBroker = this.#broker.onError?.((error) =>
      this.#events.emit('error', new BrokerError(error)),
    );
    this.#subscriptions = new Subscriptions(this.#events, this.#options, this.#broker);
    this.#channels = new Channels(this.#events, this.#subscriptions, this.#work, {
      maxPendingRequests: this.#options.maxPendingRequests,
      maxResponseBytes: this.#options.maxBufferedBytes,
      maxChannelNameLength: this.#options.maxChannelNameLength,
    });
    this.#http = server ?? createOwnServer(this.#options.handshakeTimeoutMs);
    this.#handshakes = new Handshakes(this.#http, this.#options, {
      accept: (accepted) => this.#accept(accepted),
      failed: (error) => this.#events.emit('error', error),
      refused: (info) => this.#events.emit('refused', info),
    });
    const { maxSessions, maxSessionsPerAddress, maxSessionsPerOwner, sessionTtlMs } = this.#options;
    this.#sessionQuota = new SessionQuota(
      { total: maxSessions, address: maxSessionsPerAddress, owner: maxSessionsPerOwner },
      sessionTtlMs,
    );
    this.#replayBudgets = new ReplayBudgets(this.#options.rateLimit);
    this.ready = address ? listen(this.#http, address.port, address.host) : Promise.resolve();
    // Also reported as an event, which marks the rejection handled: a server nobody awaits does not crash.
    this.ready.catch((error: ListenError) => this.#events.emit('error', error));
    if (pingIntervalMs !== Infinity) {
      this.#pinger = setInterval(() => {
        for (const client of this.#clients) client.probe();
      }, pingIntervalMs);
    }
  }

  /** Connected clients, from their `connection` to their `disconnect` event. */
  get clients(): ReadonlySet<ServerClient<Out, ClientData>> {
    return this.#clients as ReadonlySet<ServerClient<Out>> as ReadonlySet<ServerClient<Out, ClientData>>;
  }

  /** `'open'` while accepting connections, `'closing'` during `close()`, then `'closed'`. */
  get state(): ServerState {
    return this.#state;
  }

  /** Whether connections are being accepted: open, and the HTTP server is listening. */
  get listening(): boolean {
    return this.#state === 'open' && this.#http.listening;
  }

  /** The HTTP server's address (what `http.Server#address()` returns); null when not listening. */
  address(): AddressInfo | string | null {
    return this.#http.address();
  }

  /** The port listened on (useful with `port: 0`); undefined when not listening on a TCP port. */
  get port(): number | undefined {
    const address = this.address();
    return typeof address === 'object' && address !== null ? address.port : undefined;
  }

  /**
   * Handles a channel's `message` and `request` frames (see {@link ChannelHandlers}). A channel needs no
   * handlers to be subscribed to and published on.
   * @returns a function that removes these handlers.
   * @throws {HandlerExistsError} when the channel already has handlers. TypeError for a bad argument.
   */
  handle<C extends ChannelOf<In>>(
    channel: C,
    handlers: ChannelHandlers<In[C], PayloadOf<Out, C>, Out, ClientData>,
  ): () => void {
    return this.#channels.handle(channel, handlers as ChannelHandlers<never, unknown, ChannelMap>);
  }

  /**
   * Publishes `data` on `channel`: the broker gives it the channel's next offset and keeps it in the channel's
   * history (`history` option), and every node sharing the broker sends it to its clients subscribed to the
   * channel (but `options.except`), in one order for all. The data is encoded once (`undefined` is sent as
   * `null`). A client whose outgoing buffer it would take past `maxBufferedBytes` does not get it: that client
   * is closed with 1013 — and gets it from the history when it resumes.
   * @returns where the publication went in the channel's history (offset 0 without history). It rejects when
   *   the broker fails — also reported as an `error` event ({@link BrokerError}), so it may go unawaited.
   * @throws TypeError when `data` cannot be encoded as JSON, or `channel` is not a non-empty string.
   */
  publish<C extends ChannelOf<Out>>(
    channel: C,
    data: Out[C],
    options?: PublishOptions<Out, ClientData>,
  ): Promise<Published> {
    if (typeof channel !== 'string' || channel === '')
      throw new TypeError(
        `reliable-socket/server: publish() needs a non-empty channel name, got ${String(channel)}`,
      );
    const json = JSON.stringify(data) ?? 'null';
    const except = options?.except ? exceptKey(options.except as Client<ChannelMap>) : undefined;
    const published = this.#broker
      .publish(channel, json, this.#options.history(channel), except)
      .then(({ offset, epoch }) => ({ offset, epoch }));
    published.catch((error: unknown) => this.#events.emit('error', new BrokerError(error)));
    return published;
  }

  /** Calls `listener` on every `event` until the returned function is called. */
  on<E extends keyof ReliableSocketServerEvents<Out, ClientData>>(
    event: E,
    listener: (...args: ReliableSocketServerEvents<Out, ClientData>[E]) => void,
  ): () => void {
    return this.#events.on(event, listener as (...args: ReliableSocketServerEvents<Out>[E]) => void);
  }

  /**
   * Shuts down gracefully: stops accepting connections at once; lets the handlers still running (requests,
   * message handlers, `canSubscribe`) finish and their responses go out, for up to `drainTimeoutMs`, while
   * clients' new frames are ignored (pings are still answered); then sends every client a close frame with
   * 1012 ("service restart", so `reliable-socket` clients reconnect — to the next instance), gives them
   * `closeTimeoutMs` to answer and cuts off the rest; clears every timer, and closes the HTTP server if it
   * created it (an attached server is left running). Calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.#state === 'open') {
      this.#state = 'closing';
      this.#closed = this.#shutdown().finally(() => {
        this.#state = 'closed';
      });
    }
    return this.#closed!;
  }

  async #shutdown(): Promise<void> {
    clearInterval(this.#pinger);
    this.#handshakes.stop();
    this.#sessionQuota.stop();
    this.#replayBudgets.stop();
    for (const client of this.#clients) client.drain();
    await this.#work.idle(this.#options.drainTimeoutMs);
    // Each client cuts itself off if it does not answer within closeTimeoutMs.
    const clients = [...this.#clients];
    // What the clients sent is acknowledged first: they need not send it again to the next instance.
    for (const client of clients) client.v2?.flushAck();
    for (const client of clients) client.close(1012, 'service restart');
    await Promise.all(clients.map((client) => client.ended));
    this.#unlistenBroker?.();
    if (!this.#options.broker) await this.#broker.close();
    if (!this.#options.server) await closeOwnServer(this.#http, this.ready);
  }

  #accept({ ws, request, verdict }: Accepted): void {
    const id = ++this.#lastId;
    const key = `${this.#node}.${id}`;
    const address = addressOf(this.#options, request);
    const replayBudget = this.#replayBudgets.hold(address);
    const client = new Client<Out>(
      { id, key, request, address, replayBudget, ...verdict },
      ws,
      this.#clientHost,
      this.#options,
    );
    this.#clients.add(client);
    this.#events.emit('connection', client);
  }

  /**
   * Starts a client's session (protocol v2) on its `hello` — unless the node, the client's address or its
   * owner started too many lately (`maxSessions…`): the client is then closed with 1013 and comes back later.
   */
  #session(client: Client<Out>, hello: Extract<ClientFrame, { type: 'hello' }>): Session | undefined {
    const owner = this.#options.sessionOwner(client as never);
    const giveBack = this.#sessionQuota.take({ address: client.address, owner });
    if (typeof giveBack !== 'function') {
      client.close(1013, 'too many sessions');
      return undefined;
    }
    let settled = false;
    const {
      maxBufferedBytes: maxBytes,
      sessionTtlMs: ttlMs,
      maxPendingRequests: maxRequests,
    } = this.#options;
    const limits = { maxBytes, ttlMs, maxRequests, attachTimeoutMs: this.#options.attachTimeoutMs };
    const host = {
      sendText: (text: string, bytes?: number) => client.sendText(text, bytes),
      handle: (frame: ClientFrame, redelivered: boolean) =>
        this.#channels.dispatch(client, frame, { redelivered }),
      malformed: (frame: ClientFrame, why: string) => client.malformed(JSON.stringify(frame), why),
      overBudget: () => client.close(1013, 'too much unacknowledged'),
      failed: (error: BrokerError) => this.#events.emit('error', error),
      // The broker's store lost the session (it restarted): the client reconnects, is told its session is new
      // and sends again what was not acknowledged.
      lost: () => client.close(1012, 'session lost'),
      // A newer connection of this client's session took it over: this one is a leftover (a half-open link
      // whose bytes came late, say) and must not act for the session any more.
      superseded: () => client.close(4409, 'session taken over'),
      // A client seq skipped one, or could not be recorded: the client reconnects and re-sends from what was
      // acknowledged.
      resync: () => client.close(1011, 'resync'),
      // The broker failed to attach the session (reported as a BrokerError): the client retries with backoff.
      unavailable: () => client.close(1011, 'session unavailable'),
      holdReading: (hold: boolean) => client.holdReading(hold),
      // Told once; only the first answer counts (a failure after a new session was made keeps its place).
      attached: (started: boolean) => {
        if (settled) return;
        settled = true;
        if (!started) giveBack();
      },
    };
    return new Session(this.#broker, host, limits, hello, owner);
  }

  readonly #clientHost: ClientHost<Out> = {
    frame: (client, frame) => {
      if (client.v2) client.v2.receive(frame);
      else if (frame.type === 'hello') {
        client.v2 = this.#session(client, frame);
        client.greeted(true);
      } else {
        client.greeted(false);
        this.#channels.dispatch(client, frame, FIRST_DELIVERY);
      }
    },
    malformed: (client, info) => this.#events.emit('malformed', client, info),
    unsubscribe: (client, channel, reason) => this.#subscriptions.end(client, channel, reason),
    track: (work) => this.#work.track(work),
    ended: (client, info) => {
      this.#clients.delete(client);
      this.#replayBudgets.release(client.address);
      this.#subscriptions.drop(client);
      this.#events.emit('disconnect', client, info);
    },
  };
}
