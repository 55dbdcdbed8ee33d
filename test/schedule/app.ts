import { WebSocket } from 'ws';
import type { Channel } from '../../src/channel.js';
import type { WebSocketConstructor } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import type { History } from './history.js';
import { idOf } from './node.js';

/** How long a request waits for its answer; the world is healed well within it. */
export const REQUEST_TIMEOUT_MS = 2500;

/** One channel view the app opened, by number. */
interface View {
  readonly number: number;
  readonly channel: string;
  readonly view: Channel<unknown, unknown>;
  open: boolean;
}

/**
 * The client app of a schedule: the real `ReliableSocket` in Node (`ws` as its WebSocket, tapped to record
 * each connection and `welcome`), with short timers so a schedule takes a fraction of a second, and the views
 * it opens and closes. Everything the app is told — messages, `gap`, `drop`, settled promises — is recorded.
 */
export class ClientApp {
  readonly socket: ReliableSocket;
  readonly #history: History;
  readonly #views: View[] = [];
  readonly #pending = new Set<Promise<void>>();
  #nextId = 0;

  constructor(url: string, history: History) {
    this.#history = history;
    this.socket = new ReliableSocket(url, {
      WebSocket: tapped(history),
      heartbeat: { intervalMs: 50, timeoutMs: 150 },
      reconnect: { initialDelayMs: 5, maxDelayMs: 30, stableAfterMs: 200 },
      connectTimeoutMs: 500,
      queue: { maxMessages: 64 },
    });
    this.socket.on('drop', (data, reason) =>
      history.record({ kind: 'dropped', id: /"id":"(c\d+)"/.exec(String(data))?.[1], reason }),
    );
    this.socket.on('close', ({ code, reason, willReconnect }) =>
      history.record({ kind: 'socket', event: 'close', detail: `${code} ${reason} ${willReconnect}` }),
    );
    this.socket.on('error', (error) =>
      history.record({ kind: 'socket', event: 'error', detail: `${error.code}: ${error.message}` }),
    );
    this.open('inbox');
  }

  /** Requests and confirmations not settled yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Views open now, by channel. */
  openViews(): Array<{ number: number; channel: string }> {
    return this.#views.filter((view) => view.open).map(({ number, channel }) => ({ number, channel }));
  }

  /** Opens a new view of `channel`. */
  open(channel: string): View {
    const number = this.#views.length;
    const view = this.socket.channel(channel);
    const entry: View = { number, channel, view, open: true };
    this.#views.push(entry);
    const history = this.#history;
    history.record({ kind: 'view', view: number, channel, open: true });
    view.on('message', (data) =>
      history.record({ kind: 'delivered', view: number, channel, id: idOf(data) }),
    );
    view.on('gap', ({ reason }) => history.record({ kind: 'gap', view: number, channel, reason }));
    view.on('subscribed', () => history.record({ kind: 'subscribed', view: number, channel }));
    return entry;
  }

  /** Closes the latest open view of `channel` (never the `inbox` view). */
  close(channel: string): void {
    const entry = latest(this.#views, (view) => view.open && view.channel === channel && view.number !== 0);
    if (!entry) return;
    entry.open = false;
    entry.view.close();
    this.#history.record({ kind: 'view', view: entry.number, channel, open: false });
  }

  /** Sends `count` messages on `channel` (through an open view, opened if there is none). */
  send(channel: string, count: number): void {
    const { view } = this.#viewOf(channel);
    for (let i = 0; i < count; i++) {
      const id = this.#id();
      this.#history.record({ kind: 'sent', id, op: 'send', channel, oversize: false });
      view.send({ id });
    }
  }

  confirm(channel: string): void {
    const id = this.#id();
    this.#history.record({ kind: 'sent', id, op: 'confirm', channel, oversize: false });
    this.#track(
      this.#viewOf(channel)
        .view.sendConfirmed({ id })
        .then(
          () => this.#history.record({ kind: 'confirmed', id, ok: true }),
          (error: unknown) =>
            this.#history.record({ kind: 'confirmed', id, ok: false, error: codeOf(error) }),
        ),
    );
  }

  /** A request; `big`: its answer is over the server's session budget. */
  request(channel: string, big: boolean): void {
    const id = this.#id();
    this.#history.record({ kind: 'sent', id, op: 'request', channel, oversize: big });
    this.#track(
      this.#viewOf(channel)
        .view.request({ id, big }, { timeoutMs: REQUEST_TIMEOUT_MS })
        .then(
          (value) => this.#history.record({ kind: 'settled', id, ok: true, value: summary(value) }),
          (error: unknown) => this.#history.record({ kind: 'settled', id, ok: false, error: codeOf(error) }),
        ),
    );
  }

  #viewOf(channel: string): View {
    return latest(this.#views, (view) => view.open && view.channel === channel) ?? this.open(channel);
  }

  #id(): string {
    return `c${++this.#nextId}`;
  }

  #track(promise: Promise<void>): void {
    this.#pending.add(promise);
    void promise.finally(() => this.#pending.delete(promise));
  }
}

/** A `ws` WebSocket class that records each connection's life and the `welcome` the client took from it. */
function tapped(history: History): WebSocketConstructor {
  let connections = 0;
  class Tapped extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      const connection = ++connections;
      this.on('open', () => history.record({ kind: 'connection', connection, event: 'open' }));
      this.on('close', (code) => history.record({ kind: 'connection', connection, event: 'close', code }));
      this.on('message', (data, binary) => {
        // Only what the client takes: once it has let go of a connection (its handler removed), a late
        // `welcome` on it changes nothing.
        if (binary || this.onmessage === null) return;
        const text = String(data);
        if (!text.includes('"welcome"')) return;
        const frame = JSON.parse(text) as { type?: string; session?: string; resumed?: boolean };
        if (frame.type === 'welcome')
          history.record({
            kind: 'welcome',
            connection,
            session: String(frame.session),
            resumed: frame.resumed === true,
          });
      });
    }
  }
  return Tapped as unknown as WebSocketConstructor;
}

/** A response, shortened: the `answer` of a normal one, the size of an oversize one. */
function summary(value: unknown): unknown {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 200 ? `${text.length} bytes` : value;
}

function codeOf(error: unknown): string {
  if (error instanceof Error) return 'code' in error ? String(error.code) : error.name;
  return String(error);
}

/** The last element of `list` that matches (`Array#findLast` is ES2023; the project targets ES2022). */
export function latest<T>(list: readonly T[], matches: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (matches(list[i]!)) return list[i];
  return undefined;
}
