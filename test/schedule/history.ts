/** Client → server operations: a channel message, one sent with `sendConfirmed`, or a request. */
export type ClientOp = 'send' | 'confirm' | 'request';

/**
 * One thing that happened in a schedule, as the recorder saw it. `t` is milliseconds since the schedule began
 * (`performance.now()` based). Ids: `c<n>` client → server payloads, `p<n>` publications, `d<n>` `client.send`s;
 * `view` numbers the channel views the app opened, from 0 (the `inbox` view, open all along).
 * `served` events may come after `end` (they are recorded as the teardown ends each connection).
 */
export type HistoryEvent = { t: number } & (
  | { kind: 'step'; step: string }
  | { kind: 'fault'; fault: string; storeLost?: boolean }
  | { kind: 'sent'; id: string; op: ClientOp; channel: string; oversize: boolean }
  | {
      kind: 'handled';
      id: string;
      op: 'message' | 'request';
      node: string;
      session: string;
      redelivered: boolean;
    }
  | { kind: 'confirmed'; id: string; ok: boolean; error?: string }
  | { kind: 'settled'; id: string; ok: boolean; value?: unknown; error?: string }
  | { kind: 'dropped'; id: string | undefined; reason: string }
  | { kind: 'published'; id: string; channel: string; node: string; startedAt: number; ok: boolean }
  | {
      kind: 'direct';
      id: string;
      node: string;
      /** The server client it went to (`A1#3`), whose session is known at its `served` event. */
      client: string;
      taken: boolean;
      inConnection: boolean;
      oversize: boolean;
    }
  /** A server client's connection ended (or the schedule did): the session it had, if its `hello` got that far. */
  | { kind: 'served'; client: string; session: string | undefined }
  | { kind: 'view'; view: number; channel: string; open: boolean }
  | { kind: 'delivered'; view: number; channel: string; id: string }
  | { kind: 'gap'; view: number; channel: string; reason: string }
  | { kind: 'subscribed'; view: number; channel: string }
  | { kind: 'welcome'; connection: number; session: string; resumed: boolean }
  | { kind: 'connection'; connection: number; event: 'open' | 'close'; code?: number }
  | { kind: 'socket'; event: string; detail: string }
  | { kind: 'end' }
);

/** The event of kind `K`. */
export type EventOf<K extends HistoryEvent['kind']> = Extract<HistoryEvent, { kind: K }>;

/** Records a schedule's history: everything the client app, the server handlers and the faults did, in order. */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly #start = performance.now();

  /** Milliseconds since the schedule began. */
  now(): number {
    return Math.round((performance.now() - this.#start) * 10) / 10;
  }

  /** Appends an event, stamped with the current time. */
  record(event: DistributiveOmit<HistoryEvent, 't'>): void {
    this.events.push({ t: this.now(), ...event } as HistoryEvent);
  }

  /** The events of one kind, in order. */
  of<K extends HistoryEvent['kind']>(kind: K): EventOf<K>[] {
    return this.events.filter((event): event is EventOf<K> => event.kind === kind);
  }

  /** The events that mention `id`, one per line: the excerpt a failure report shows. */
  excerpt(id: string, limit = 12): string {
    const lines = this.events
      .filter((event) => 'id' in event && event.id === id)
      .slice(0, limit)
      .map((event) => JSON.stringify(event));
    return lines.join('\n');
  }
}

/** `Omit` applied to each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
