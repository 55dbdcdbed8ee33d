// Where the Redis broker keeps things (docs/redis-deployment.md lists them with their bounds). Every
// name starts with the prefix; channel names are used as they are (any string: the suffixes keep them apart).

/** The names of one deployment's keys and pub/sub channels. */
export class Keys {
  constructor(readonly prefix: string) {}

  /**
   * Hash: the channel's epoch (e: the store generation it was made in, a dot, a random id), last offset (o),
   * history bytes (b) and history max age (a).
   */
  meta(channel: string): string {
    return `${this.prefix}c:${channel}:m`;
  }

  /** List: the channel's history entries, oldest first. */
  history(channel: string): string {
    return `${this.prefix}c:${channel}:h`;
  }

  /** Pub/sub: the channel's publications, to every node subscribed. */
  topic(channel: string): string {
    return `${this.prefix}c:${channel}`;
  }

  /**
   * Hash: the session's store generation (r), latest attachment's generation (g), the node it is attached to
   * (n, while attached), processed client seq (p), last server seq (s) and outbox bytes (b).
   */
  session(id: string): string {
    return `${this.prefix}s:${id}`;
  }

  /** List: the session's frames not yet acknowledged, sequenced, oldest first. */
  outbox(id: string): string {
    return `${this.prefix}s:${id}:o`;
  }

  /** Pub/sub: frames for the sessions a node holds, and notices about them (taken over, over budget). */
  node(node: string): string {
    return `${this.nodePrefix}${node}`;
  }

  get nodePrefix(): string {
    return `${this.prefix}n:`;
  }
}
