import net from 'node:net';
import { Pair } from '../fixture/tcp-proxy.js';

/**
 * The network between the schedule's client and its server nodes: a TCP proxy on 127.0.0.1 whose faults act on
 * the connections that exist when they are injected, while new connections go through. That is how a half-open
 * link looks in the wild (one NAT entry dies, the next connection works), and it is what a late frame needs: the
 * client gives up on connection 1, resumes on connection 2, then connection 1's held bytes arrive.
 * (test/fixture/tcp-proxy.ts freezes new connections too, so it cannot stage that.)
 */
export class Link {
  readonly #server = net.createServer((client) => this.#accept(client));
  readonly #pairs = new Set<Pair>();
  /** Where new connections go: change it to put another node behind the link. */
  upstreamPort: number;
  /** While true, new connections are cut as soon as they arrive (no node is reachable). */
  blocked = false;

  private constructor(upstreamPort: number) {
    this.upstreamPort = upstreamPort;
  }

  /** A link listening on 127.0.0.1 and a free port, in front of `upstreamPort`. */
  static async start(upstreamPort: number): Promise<Link> {
    const link = new Link(upstreamPort);
    await new Promise<void>((resolve, reject) => {
      link.#server.once('error', reject);
      link.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return link;
  }

  get url(): string {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('link: no TCP address');
    return `ws://127.0.0.1:${address.port}/`;
  }

  /** Cuts every live connection at once (RST both ways): what a node crash or a dropped route looks like. */
  kill(): void {
    for (const pair of this.#pairs) pair.reset();
  }

  /**
   * Freezes the live connections both ways (half-open: nothing is closed, nothing moves); new connections are
   * not affected. Returns the frozen connections, for {@link release} or {@link drop}.
   */
  freeze(): ReadonlySet<Pair> {
    const frozen = new Set(this.#pairs);
    for (const pair of frozen) pair.freeze();
    return frozen;
  }

  /** Lets frozen connections move again: whatever each side wrote meanwhile arrives now, late. */
  release(pairs: ReadonlySet<Pair>): void {
    for (const pair of pairs) pair.thaw();
  }

  /** Ends a freeze the way a lost NAT entry does: what was held is dropped and both ends are reset. */
  drop(pairs: ReadonlySet<Pair>): void {
    for (const pair of pairs) pair.reset();
  }

  /** Cuts every connection and stops listening. */
  async close(): Promise<void> {
    this.kill();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (this.blocked) {
      client.resetAndDestroy();
      return;
    }
    const pair = new Pair(
      client,
      net.connect(this.upstreamPort, '127.0.0.1'),
      () => this.#pairs.delete(pair),
      'reset',
    );
    this.#pairs.add(pair);
    pair.thaw();
  }
}
