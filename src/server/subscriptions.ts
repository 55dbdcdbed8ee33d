import type { Position, ServerFrame, WireError } from '../protocol.js';
import type { Broker, Publication } from './broker.js';
import type { Client } from './client.js';
import type { ServerEmitter } from './emitter.js';
import { BrokerError, CanSubscribeError, type WireErrorCode } from './errors.js';
import { FanOut, frameFor } from './fan-out.js';
import type { ResolvedServerOptions } from './options.js';
import type { ChannelMap, ReliableSocketServerEvents } from './types.js';
import { isThenable } from './work.js';

const refusal = (code: WireErrorCode, message: string): WireError => ({ message, code });

/**
 * Who is subscribed to what: decides each subscribe (limits, then `canSubscribe`) and replies to it, in the
 * order of the client's frames per channel even when `canSubscribe` is asynchronous; for a v2 client, replays
 * what it missed `since` its position before the reply (or says why it cannot); hands the subscribers to
 * {@link FanOut}; ends subscriptions the server takes away.
 */
export class Subscriptions<Out extends ChannelMap> {
  readonly #events: ServerEmitter<ReliableSocketServerEvents<Out>>;
  readonly #options: Pick<
    ResolvedServerOptions,
    'canSubscribe' | 'maxSubscriptions' | 'maxChannelNameLength' | 'maxPendingRequests' | 'history'
  >;
  readonly #broker: Broker;
  readonly #fanOut: FanOut<Out>;

  constructor(
    events: ServerEmitter<ReliableSocketServerEvents<Out>>,
    options: ResolvedServerOptions,
    broker: Broker,
  ) {
    this.#events = events;
    this.#options = options;
    this.#broker = broker;
    this.#fanOut = new FanOut(broker, (error) => this.#events.emit('error', new BrokerError(error)));
  }

  /** A client's `subscribe` frame; `since` is where a v2 client's history of the channel stands. */
  subscribe(client: Client<Out>, channel: string, since?: Position): void {
    const { maxChannelNameLength, maxSubscriptions } = this.#options;
    // Checked at once: a name that long, or one channel too many, is refused however the steps before it end.
    if (channel.length > maxChannelNameLength) {
      const message = `Channel names are limited to ${maxChannelNameLength} characters on this server.`;
      this.#reply(client, channel, refusal('ERR_CHANNEL_NAME_TOO_LONG', message));
      return;
    }
    const known = client.subscriptions.has(channel) || client.steps.has(channel);
    if (!known && held(client) >= maxSubscriptions) {
      const message = `A client may subscribe to ${maxSubscriptions} channels at once on this server.`;
      this.#reply(client, channel, refusal('ERR_TOO_MANY_SUBSCRIPTIONS', message));
      return;
    }
    this.#step(client, channel, () => this.#decide(client, channel, since));
  }

  /** A client's `unsubscribe` frame: no reply. */
  unsubscribe(client: Client<Out>, channel: string): void {
    this.#step(client, channel, () => void this.end(client, channel));
  }

  /** Ends a subscription, telling the client when `reason` is given; whether there was one. */
  end(client: Client<Out>, channel: string, reason?: string): boolean {
    if (!client.unsubscribed(channel)) return false;
    this.#fanOut.remove(client, channel);
    client.replaying.delete(channel);
    if (reason !== undefined) client.sendFrame({ type: 'unsubscribed', channel, reason });
    this.#events.emit('unsubscribe', client, channel);
    return true;
  }

  /** Forgets a client that has gone (its own subscription set is cleared by the client). */
  drop(client: Client<Out>): void {
    for (const channel of client.subscriptions) this.#fanOut.remove(client, channel);
  }

  /** Runs a subscription step in the client's order for that channel; too many waiting is a 1008. */
  #step(client: Client<Out>, channel: string, step: () => void | Promise<void>): void {
    if (!client.steps.run(channel, step)) client.close(1008, 'too many subscription frames pending');
  }

  /** Decides a subscribe: answered now when `canSubscribe` is synchronous, later when it is not. */
  #decide(client: Client<Out>, channel: string, since: Position | undefined): void | Promise<void> {
    if (client.subscriptions.has(channel)) return this.#reply(client, channel);
    const { canSubscribe } = this.#options;
    let verdict: unknown = true;
    try {
      verdict = canSubscribe?.(client as never, channel) ?? true;
    } catch (error) {
      return this.#failed(client, channel, error);
    }
    if (!isThenable(verdict)) return this.#settle(client, channel, verdict, since);
    return Promise.resolve(verdict).then(
      (answer) => this.#settle(client, channel, answer, since),
      (error: unknown) => this.#failed(client, channel, error),
    );
  }

  #settle(client: Client<Out>, channel: string, verdict: unknown, since?: Position): void | Promise<void> {
    // A client that left meanwhile must not come back into the index.
    if (client.state === 'closed') return;
    if (verdict !== true) {
      const message = `Not allowed to subscribe to "${channel}".`;
      this.#reply(client, channel, refusal('ERR_SUBSCRIBE_DENIED', message));
      return;
    }
    const { maxSubscriptions } = this.#options;
    if (!client.subscriptions.has(channel) && client.subscriptions.size >= maxSubscriptions) {
      const message = `A client may subscribe to ${maxSubscriptions} channels at once on this server.`;
      this.#reply(client, channel, refusal('ERR_TOO_MANY_SUBSCRIPTIONS', message));
      return;
    }
    if (!client.subscribed(channel)) return this.#reply(client, channel);
    if (client.v2 && this.#options.history(channel)) return this.#recover(client, channel, since);
    this.#fanOut.add(client, channel);
    this.#subscribed(client, channel, { type: 'subscribed', channel });
  }

  /**
   * Subscribes a v2 client to a channel with history: publications wait while what it missed `since` its
   * position is replayed (or, without `since`, while the channel's position is read), then the reply says where
   * the channel stands — and whether the replay was complete — and the waiting publications follow, none twice.
   * When the channel has a new epoch since (its history was lost), the reply says so (a `gap`) and the new
   * epoch follows it from its first publication, all of which came after the client's position.
   */
  async #recover(client: Client<Out>, channel: string, since: Position | undefined): Promise<void> {
    const waiting: Publication[] = [];
    client.replaying.set(channel, waiting);
    let reply: Extract<ServerFrame, { type: 'subscribed' }> = { type: 'subscribed', channel };
    let replayed = false;
    /** The new epoch's publications, sent after the reply, and the offset they reach. */
    let epochStart: { publications: readonly Publication[]; offset: number } | undefined;
    try {
      // Without `since`, the subscription starts where the channel stands as it is accepted — read before this
      // node subscribes, which can take a round trip to a shared broker: what is published meanwhile (by another
      // node, or by the handler of this client's next frame) is then replayed below, not lost.
      const start = since ? undefined : this.#broker.position(channel);
      start?.catch(() => {}); // awaited below, after the subscription
      await this.#fanOut.add(client, channel); // publications reach this node from now on: they wait
      const recovery = await this.#broker.recover(channel, since ?? (await start!));
      reply = { ...reply, ...recovery.position };
      if (recovery.recovered) {
        await client.affordReplay(replayBytes(recovery.publications));
        for (const publication of recovery.publications) this.#replay(client, publication);
        replayed = true;
        if (since) reply.recovered = true;
      } else if (since) {
        Object.assign(reply, { recovered: false, reason: recovery.reason });
        epochStart = await this.#epochStart(channel, since, recovery.position);
        await client.affordReplay(replayBytes(epochStart?.publications ?? []));
        // The reply puts the client at the new epoch's start, so that what follows it is no jump of its own.
        if (epochStart) Object.assign(reply, { offset: 0 });
      }
    } catch (error) {
      this.#events.emit('error', new BrokerError(error));
    }
    if (client.replaying.get(channel) !== waiting) return; // unsubscribed or gone meanwhile
    client.replaying.delete(channel);
    // Nothing replayed (the channel's epoch changed meanwhile, say, or the client's own epoch is lost for good):
    // the subscription starts where this node started to receive the channel — what waits was published after
    // that, none of it twice, and none of it lost, though the position read after it counts it in.
    const first = waiting.find((publication) => publication.epoch === reply.epoch)?.offset;
    if (
      !replayed &&
      !epochStart &&
      reply.offset !== undefined &&
      first !== undefined &&
      first <= reply.offset
    )
      reply.offset = first - 1;
    const { offset = -1 } = reply;
    this.#subscribed(client, channel, reply);
    for (const publication of epochStart?.publications ?? []) this.#replay(client, publication);
    const upTo = epochStart?.offset ?? offset;
    for (const publication of waiting) if (publication.offset > upTo) this.#replay(client, publication);
  }

  /**
   * The publications of the channel's current epoch from its first, when the client's position is in another
   * epoch (the store lost the channel's history, or let it go): it saw none of them. None when that history is
   * trimmed already — the reply's `gap` covers them then, and the subscription starts where it stands.
   */
  async #epochStart(
    channel: string,
    since: Position,
    now: Position,
  ): Promise<{ publications: readonly Publication[]; offset: number } | undefined> {
    if (now.epoch === since.epoch) return undefined;
    const fresh = await this.#broker.recover(channel, { offset: 0, epoch: now.epoch });
    return fresh.recovered ? { publications: fresh.publications, offset: fresh.position.offset } : undefined;
  }

  /** Sends a publication the client missed. */
  #replay(client: Client<Out>, publication: Publication): void {
    const frame = frameFor(publication, client as Client<ChannelMap>);
    if (frame) client.sendText(frame);
  }

  /** Replies to an accepted subscribe, then tells listeners (one that ends it is heard after the reply). */
  #subscribed(client: Client<Out>, channel: string, reply: ServerFrame): void {
    client.sendFrame(reply);
    this.#events.emit('subscribe', client, channel);
  }

  #failed(client: Client<Out>, channel: string, error: unknown): void {
    this.#events.emit('error', new CanSubscribeError(channel, client.id, error));
    const message = 'The server could not decide this subscription.';
    this.#reply(client, channel, refusal('ERR_INTERNAL', message));
  }

  #reply(client: Client<Out>, channel: string, error?: WireError): void {
    client.sendFrame(error ? { type: 'subscribed', channel, error } : { type: 'subscribed', channel });
  }
}

/** About the bytes replaying these publications sends (their frames' envelope counted roughly). */
const replayBytes = (publications: readonly Publication[]): number =>
  publications.reduce((bytes, { data, channel }) => bytes + data.length + channel.length + 64, 0);

/**
 * The channels a client holds or is being decided about, each once: a channel still replaying its history is
 * both subscribed and busy, and must not count twice.
 */
function held(client: Client<ChannelMap>): number {
  let busy = 0;
  for (const channel of client.steps.keys()) if (!client.subscriptions.has(channel)) busy++;
  return client.subscriptions.size + busy;
}
