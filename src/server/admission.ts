/** Why {@link Admission} turned a connection away: the node is full, or this address holds its share. */
export type AdmissionRefusal = 'too-many-connections' | 'too-many-connections-from-address';

/**
 * Counts the connections of one node — handshakes under way included, so that a crowd of slow or stalled
 * handshakes counts too — in total and per client address, against `maxConnections` and
 * `maxConnectionsPerAddress`. A connection takes its place with {@link enter} and gives it back, once, with the
 * function that returned.
 */
export class Admission {
  readonly #perAddress = new Map<string, number>();
  #total = 0;

  constructor(
    readonly maxTotal: number,
    readonly maxPerAddress: number,
  ) {}

  /** Takes a place for a connection from `address`: the function that gives it back, or why there is none. */
  enter(address: string): (() => void) | AdmissionRefusal {
    if (this.#total >= this.maxTotal) return 'too-many-connections';
    const held = this.#perAddress.get(address) ?? 0;
    if (held >= this.maxPerAddress) return 'too-many-connections-from-address';
    this.#total++;
    this.#perAddress.set(address, held + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#total--;
      const now = this.#perAddress.get(address)! - 1;
      if (now === 0) this.#perAddress.delete(address);
      else this.#perAddress.set(address, now);
    };
  }
}
