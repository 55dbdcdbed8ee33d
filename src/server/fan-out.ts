import type { Broker, Publication } from './broker.js';
import type { Client } from './client.js';
import type { ChannelMap } from './types.js';

/**
 * The frame of a publication, built from its JSON text without parsing it again: with its history position
 * for a v2 client (when the channel keeps history), without for a v1 client.
 */
export function publicationFrame(publication: Publication, withPosition: boolean): string {
  const { channel, offset, epoch, data } = publication;
  const position = withPosition && offset > 0 ? `,"offset":${offset},"epoch":${JSON.stringify(epoch)}` : '';
  return `{"type":"message","channel":${JSON.stringify(channel)}${position},"data":${data}}`;
}

/** Who a publication's `except` names: a v2 client by its session (it may be on another connection by now). */
export const exceptKey = (client: Client<ChannelMap>): string => client.session ?? client.key;

/**
 * What `client` gets of `publication`: its frame, or — when the client is its `except` — nothing, or for a v2
 * client on a channel with history a `skip` frame, so that its position moves past it without a gap.
 */
export function frameFor(publication: Publication, client: Client<ChannelMap>): string | undefined {
  const v2 = client.v2 !== undefined && publication.offset > 0;
  if (publication.except !== undefined && publication.except === exceptKey(client)) {
    const { channel, offset, epoch } = publication;
    return v2 ? JSON.stringify({ type: 'skip', channel, offset, epoch }) : undefined;
  }
  return publicationFrame(publication, v2);
}

/**
 * This node's side of channel fan-out: which local clients are subscribed to what (the index), one broker
 * subscription per channel that has any, and each publication the broker delivers handed to those clients —
 * encoded once per protocol version, skipping the publication's `except`, and held back for a client whose
 * missed publications are being replayed. Channels nobody here wants any more are let go, so per-user
 * channels do not pile up.
 */
export class FanOut<Out extends ChannelMap> {
  readonly #index = new Map<string, Set<Client<Out>>>();
  /** Per channel with local subscribers: the broker subscription, resolving to the function that ends it. */
  readonly #subscribed = new Map<string, Promise<(() => Promise<void>) | undefined>>();

  constructor(
    readonly broker: Broker,
    readonly failed: (error: unknown) => void,
  ) {}

  /** Adds a client to a channel; resolves once this node receives the channel's publications. */
  async add(client: Client<Out>, channel: string): Promise<void> {
    const subscribers = this.#index.get(channel) ?? new Set();
    this.#index.set(channel, subscribers);
    subscribers.add(client);
    let subscription = this.#subscribed.get(channel);
    if (!subscription) {
      subscription = this.broker
        .subscribe(channel, (publication) => this.#deliver(publication))
        .catch((error) => {
          this.failed(error);
          return undefined;
        });
      this.#subscribed.set(channel, subscription);
    }
    await subscription;
  }

  /** Removes a client from a channel; the last one out ends this node's subscription. */
  remove(client: Client<Out>, channel: string): void {
    const subscribers = this.#index.get(channel);
    if (!subscribers?.delete(client) || subscribers.size > 0) return;
    this.#index.delete(channel);
    const subscription = this.#subscribed.get(channel);
    this.#subscribed.delete(channel);
    subscription?.then((end) => end?.()).catch(this.failed);
  }

  #deliver(publication: Publication): void {
    const subscribers = this.#index.get(publication.channel);
    if (!subscribers) return;
    // Encoded to UTF-8 once per protocol version: every socket writes the same bytes.
    let v1: Buffer | undefined;
    let v2: Buffer | undefined;
    for (const client of subscribers) {
      const replaying = client.replaying.get(publication.channel);
      if (replaying) replaying.push(publication);
      else if (publication.except !== undefined && publication.except === exceptKey(client)) {
        const frame = frameFor(publication, client); // a skip, or nothing
        if (frame) client.sendText(frame);
      } else if (client.v2) {
        v2 ??= Buffer.from(publicationFrame(publication, true));
        client.sendText(v2);
      } else {
        v1 ??= Buffer.from(publicationFrame(publication, false));
        client.sendText(v1);
      }
    }
  }
}
