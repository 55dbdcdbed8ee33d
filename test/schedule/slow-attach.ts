import type { Broker, SessionLink } from '../../src/server/broker.js';

/**
 * A real broker whose `attach` can be held back for a while: how a slow store (Redis under load, a node far
 * from it) looks to the server, so that a client's `welcome` comes late. Everything else goes straight through
 * to the real broker; it is a wrapper, not a mock.
 */
export class SlowAttach {
  /** How long the next attaches wait before they reach the broker, in milliseconds (0: not at all). */
  delayMs = 0;
  /** Attaches still held back or on their way: the world is not settled while one is (a late hello lands then). */
  pending = 0;
  /** The broker to give the server. */
  readonly broker: Broker;

  constructor(real: Broker) {
    const attach = async (id: string | undefined, link: SessionLink, owner: string, attempt?: number) => {
      const delayMs = this.delayMs;
      this.pending++;
      try {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        return await real.attach(id, link, owner, attempt);
      } finally {
        this.pending--;
      }
    };
    this.broker = new Proxy(real, {
      get: (target, key) => {
        if (key === 'attach') return attach;
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }
}
