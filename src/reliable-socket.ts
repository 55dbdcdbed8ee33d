import type { Channel, ChannelOptions } from './channel.js';
import { ChannelHub } from './channel-hub.js';
import { fail } from './check.js';
import { DEV } from './dev.js';
import type { ReliableSocketOptions, UrlProvider } from './options.js';
import { ReliableSocketCore } from './reliable-socket-core.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Channel names a socket knows: those of its inbound and outbound maps. */
export type ChannelName<In, Out> = (keyof In | keyof Out) & string;
/** What arrives on channel `K`: `never` for a send-only channel. */
export type Inbound<In, K> = K extends keyof In ? In[K] : never;
/** What is sent on channel `K`: `never` for a receive-only channel. */
export type Outbound<Out, K> = K extends keyof Out ? Out[K] : never;

/**
 * A WebSocket that stays connected, with typed channels multiplexed over it. Everything of
 * {@link ReliableSocketCore} (heartbeat, reconnection with backoff, the queue, events), plus {@link channel}.
 *
 * @example
 * ```ts
 * const socket = new ReliableSocket<{ chat: ChatLine }>('wss://example.com/live');
 * socket.channel('chat').on('message', (line) => show(line));
 * socket.on('reconnecting', ({ attempt, delayMs }) => console.log(`retry ${attempt} in ${delayMs} ms`));
 * ```
 *
 * @typeParam In payload type per channel name, for what arrives. Any name and `unknown` payloads by default.
 * @typeParam Out payload type per channel name, for what is sent. The same as `In` by default.
 */
export class ReliableSocket<
  In extends object = Record<string, unknown>,
  Out extends object = In,
> extends ReliableSocketCore {
  #hub: ChannelHub | undefined;
  readonly #delivery: boolean;

  /**
   * Starts connecting at once; channels are added with {@link channel}.
   * @throws TypeError or RangeError naming the bad argument or option.
   */
  constructor(url: UrlProvider, options?: ReliableSocketOptions) {
    // The core checks its own options (and rejects anything else); `delivery` is this class's.
    const { delivery, ...core } = isObject(options) ? options : {};
    super(url, isObject(options) ? core : options);
    if (delivery !== undefined && typeof delivery !== 'boolean')
      fail(TypeError, 'options.delivery', DEV && 'a boolean', delivery);
    this.#delivery = delivery ?? true;
  }

  /** Channel frames the server has not acknowledged yet (protocol v2), whether sent or waiting to be. */
  get unacknowledged(): number {
    return this.#hub?.unacknowledged ?? 0;
  }

  /**
   * A typed view of channel `name`, multiplexed over this socket (wire format in PROTOCOL.md). The first view of
   * a name subscribes, the last one closed unsubscribes, and every channel in use is re-subscribed after each
   * reconnection, after `onOpen` and before the queue is flushed. Inbound channel frames go to the views, not
   * to `message`.
   * @param options.validate checks inbound payloads at run time (a Standard Schema or a parse function) and
   *   gives the channel its inbound type; payloads that fail go to the view's `invalid` event.
   * @example
   * ```ts
   * const chat = socket.channel('chat'); // Channel<ChatLine, ChatLine>
   * chat.on('message', (line) => console.log(line.text));
   * const prices = socket.channel('prices', { validate: z.object({ symbol: z.string(), price: z.number() }) });
   * ```
   */
  channel<K extends ChannelName<In, Out>, T extends Inbound<In, K> = Inbound<In, K>>(
    name: K,
    options?: ChannelOptions<T>,
  ): Channel<T, Outbound<Out, K>> {
    if (!this.#hub) this.attach((host) => (this.#hub = new ChannelHub(host, this.#delivery)));
    return this.#hub!.open(name, options?.validate);
  }
}
