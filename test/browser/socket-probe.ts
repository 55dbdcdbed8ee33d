import type { JSHandle, Page } from '@playwright/test';
import type { ReliableSocketEvents } from '../../src/index.js';
import type { ReliableSocket } from '../../src/reliable-socket.js';

type EventName = keyof ReliableSocketEvents;
const EVENT_NAMES: EventName[] = [
  'open',
  'message',
  'close',
  'reconnecting',
  'state',
  'error',
  'heartbeat',
  'drop',
];

/**
 * One recorded event. `args` are made JSON-safe in the page: errors become `{ name, code, message }`, binary
 * data `{ binary: byteLength }`, blobs `{ blob: size }`; everything else is as emitted.
 */
export interface RecordedEvent {
  name: EventName;
  /** `Date.now()` in the page when it was emitted (fake time under `page.clock`). */
  at: number;
  args: unknown[];
}

interface ProbeState {
  socket: ReliableSocket;
  events: RecordedEvent[];
}

/**
 * A ReliableSocket built in the page by `factory`, with every event recorded from the first instant.
 *
 * The factory runs in the page, so it may not close over anything from the test file: pass what it needs as
 * `arg` (like `page.evaluate`). It receives the library as the page loaded it (`window.RS`).
 *
 * @example
 * ```ts
 * const probe = await SocketProbe.create(page, (RS, url) => new RS.ReliableSocket(url, { heartbeat: false }), server.wsUrl);
 * await probe.waitFor('open');
 * ```
 */
export class SocketProbe {
  private constructor(
    readonly page: Page,
    readonly handle: JSHandle<ProbeState>,
  ) {}

  static async create<A>(
    page: Page,
    factory: (RS: Window['RS'], arg: A) => ReliableSocket,
    arg: A,
  ): Promise<SocketProbe> {
    const handle = await page.evaluateHandle(
      ({ source, arg, names }) => {
        // biome-ignore lint/security/noGlobalEval: the test's own factory, shipped as source like page.evaluate does.
        const make = globalThis.eval(`(${source})`) as (RS: Window['RS'], arg: unknown) => ReliableSocket;
        const socket = make(window.RS, arg);
        const events: RecordedEvent[] = [];
        const safe = (value: unknown): unknown => {
          if (value instanceof Error)
            return { name: value.name, code: (value as { code?: string }).code, message: value.message };
          if (value instanceof ArrayBuffer) return { binary: value.byteLength };
          if (ArrayBuffer.isView(value)) return { binary: value.byteLength };
          if (value instanceof Blob) return { blob: value.size };
          return value;
        };
        for (const name of names) {
          socket.on(name, (...args: unknown[]) =>
            events.push({ name, at: Date.now(), args: args.map(safe) }),
          );
        }
        return { socket, events };
      },
      { source: factory.toString(), arg, names: EVENT_NAMES },
    );
    return new SocketProbe(page, handle);
  }

  /** Recorded events, all or of one name. */
  async events(name?: EventName): Promise<RecordedEvent[]> {
    const events = await this.handle.evaluate((state) => state.events);
    return name ? events.filter((e) => e.name === name) : events;
  }

  /** The first argument of each recorded event of this name (most events have one). */
  async args<E extends EventName>(name: E): Promise<Array<ReliableSocketEvents[E][0]>> {
    return (await this.events(name)).map((e) => e.args[0] as ReliableSocketEvents[E][0]);
  }

  /** Resolves once `count` events of this name have been recorded; returns them. */
  async waitFor(name: EventName, { count = 1, timeoutMs = 10_000 } = {}): Promise<RecordedEvent[]> {
    await this.page.waitForFunction(
      ([state, name, count]) => state.events.filter((e) => e.name === name).length >= count,
      [this.handle, name, count] as const,
      { timeout: timeoutMs, polling: 20 },
    );
    return this.events(name);
  }

  /** Resolves once the socket is in `state`. */
  async waitForState(state: ReliableSocket['state'], timeoutMs = 10_000): Promise<void> {
    await this.page.waitForFunction(
      ([probe, state]) => probe.socket.state === state,
      [this.handle, state] as const,
      {
        timeout: timeoutMs,
        polling: 20,
      },
    );
  }

  /** Runs `fn` in the page with the socket; returns its (serialisable) result. */
  run<R, A = undefined>(fn: (socket: ReliableSocket, arg: A) => R | Promise<R>, arg?: A): Promise<R> {
    return this.handle.evaluate(
      // biome-ignore lint/security/noGlobalEval: the test's own function, shipped as source like page.evaluate does.
      (state, [source, arg]) => globalThis.eval(`(${source})`)(state.socket, arg),
      [fn.toString(), arg] as const,
    );
  }

  state(): Promise<ReliableSocket['state']> {
    return this.handle.evaluate((state) => state.socket.state);
  }

  send(data: string): Promise<ReturnType<ReliableSocket['send']>> {
    return this.handle.evaluate((state, data) => state.socket.send(data), data);
  }

  close(code?: number, reason?: string): Promise<void> {
    return this.handle.evaluate((state, [code, reason]) => state.socket.close(code, reason), [
      code,
      reason,
    ] as const);
  }
}
