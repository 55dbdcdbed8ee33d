import { expect, test } from '@playwright/test';
// Test doubles for driving the state machine in Node: a WebSocket whose every event the test causes, and a
// clock whose timers run only when the test says so. The ReliableSocket under test is the real one.
import type { ReliableSocketEvents } from '../../src/events.js';
import type { ReliableSocket } from '../../src/reliable-socket.js';

/**
 * Replaces setTimeout/clearTimeout, Date.now and performance.now while installed. Timers run only in
 * {@link advance}. Two clocks, as on a real machine: the wall clock (`now`, Date.now), which a user or NTP may
 * set anywhere ({@link setWall}), and the monotonic clock (`mono`, performance.now), which only moves forward
 * and on which timers are due.
 */
export class FakeClock {
  /** Wall-clock time: Date.now(). */
  now = 1_000_000;
  /** Monotonic time: performance.now(). */
  mono = 5_000;
  /** Exceptions thrown by timer callbacks (reported listener errors land here in Node). */
  readonly uncaught: unknown[] = [];
  readonly #timers = new Map<number, { at: number; fn: () => void }>();
  #nextId = 1;
  #restore: (() => void) | undefined;

  /**
   * Timer callbacks one {@link advance} may run before it gives up: a timer that keeps rescheduling itself
   * without letting time pass (a heartbeat that never stops) fails the test instead of spinning forever.
   */
  static readonly MAX_RUNS = 10_000;

  /**
   * Fakes the timers the SDK sets (callers in src/), Date.now and performance.now. Timers set by anything else
   * — Playwright's own test timeout, for one — go to the real functions, so the test runner keeps working.
   */
  install(): void {
    const { setTimeout: set, clearTimeout: clear } = globalThis;
    const dateNow = Date.now;
    const fromSdk = (): boolean => /\/src\/[\w-]+\.ts/.test(new Error().stack ?? '');
    globalThis.setTimeout = ((fn: () => void, ms = 0, ...rest: unknown[]) => {
      if (!fromSdk()) return set(fn, ms, ...rest);
      const id = this.#nextId++;
      this.#timers.set(id, { at: this.mono + Math.max(0, ms), fn });
      return id;
    }) as unknown as typeof setTimeout;
    globalThis.clearTimeout = ((id: unknown) => {
      if (typeof id === 'number') this.#timers.delete(id);
      else clear(id as Parameters<typeof clear>[0]);
    }) as typeof clearTimeout;
    Date.now = () => this.now;
    // An own property shadows Performance.prototype.now; deleting it brings the real one back.
    performance.now = () => this.mono;
    this.#restore = () => {
      globalThis.setTimeout = set;
      globalThis.clearTimeout = clear;
      Date.now = dateNow;
      delete (performance as { now?: unknown }).now;
    };
  }

  uninstall(): void {
    this.#restore?.();
  }

  /** Timers set and not yet run or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer is due, relative to now; undefined if none. */
  get nextIn(): number | undefined {
    const next = Math.min(...[...this.#timers.values()].map((t) => t.at));
    return Number.isFinite(next) ? next - this.mono : undefined;
  }

  /**
   * Moves time forward by `ms` (both clocks), running every timer that comes due, in order.
   * @throws if more than {@link MAX_RUNS} timers run: something reschedules itself without end.
   */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (let runs = 0; ; runs++) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      if (runs >= FakeClock.MAX_RUNS) {
        throw new Error(
          `FakeClock.advance(${ms}): more than ${FakeClock.MAX_RUNS} timers ran; one never stops`,
        );
      }
      const [id, timer] = due;
      this.#timers.delete(id);
      this.#move(Math.max(this.mono, timer.at));
      try {
        timer.fn();
      } catch (error) {
        this.uncaught.push(error);
      }
    }
    this.#move(end);
  }

  /** Moves both clocks without running timers: what a throttled or frozen tab experiences. */
  jump(ms: number): void {
    this.#move(this.mono + ms);
  }

  /** Sets the wall clock alone forward or back by `ms` (a user or NTP changing the time); no timer runs. */
  setWall(ms: number): void {
    this.now += ms;
  }

  #move(mono: number): void {
    this.now += mono - this.mono;
    this.mono = mono;
  }
}

/**
 * Fake time for the tests of one file: before each test a fresh {@link FakeClock} is installed (and the fake
 * sockets forgotten); after it, it is uninstalled and any exception a timer or listener reported fails the test.
 * Returns a stand-in that always speaks for the current test's clock.
 */
export function withFakeTime(): FakeClock {
  let current = new FakeClock();
  test.beforeEach(() => {
    FakeWebSocket.instances = [];
    current = new FakeClock();
    current.install();
  });
  test.afterEach(() => {
    current.uninstall();
    expect(current.uncaught, 'exceptions reported from listeners or hooks').toEqual([]);
  });
  return new Proxy({} as FakeClock, {
    get: (_target, key) => {
      const value = Reflect.get(current, key, current);
      return typeof value === 'function' ? value.bind(current) : value;
    },
    set: (_target, key, value) => Reflect.set(current, key, value, current),
  });
}

/** A WebSocket stand-in: records what the socket does to it; the test makes the "server" side happen. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error('no FakeWebSocket was created');
    return socket;
  }

  readyState = 0;
  binaryType: BinaryType = 'blob';
  protocol = '';
  bufferedAmount = 0;
  readonly sent: unknown[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | undefined;
  onopen: ((event: object) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: object) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.instances.push(this);
  }

  /** Frames handed to send() while CLOSING or CLOSED: discarded, as the native socket does. */
  readonly discarded: unknown[] = [];

  send(data: unknown): void {
    // The native socket throws InvalidStateError while CONNECTING: sending then is a bug in the SDK.
    if (this.readyState === 0) throw new Error('InvalidStateError: send() while CONNECTING');
    if (this.readyState > 1) this.discarded.push(data);
    else this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    if (this.readyState < 2) this.readyState = 2;
  }

  /** Whether the SDK still listens to this socket. */
  get attached(): boolean {
    return this.onopen !== null || this.onmessage !== null || this.onclose !== null;
  }

  // --- what the server / network does ---
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** The server's close frame arrived: CLOSING, and `send()` now discards data; the close event comes later. */
  closing(): void {
    this.readyState = 2;
  }

  serverClose(code: number, reason = '', wasClean = true): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean });
  }

  /** The connection fails or drops without a close frame (1006), as after a network error. */
  fail(): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '', wasClean: false });
  }
}

export type Recorded = {
  [E in keyof ReliableSocketEvents]: { name: E; args: ReliableSocketEvents[E] };
}[keyof ReliableSocketEvents];

/** Records every event of a socket, in order. */
export function record(socket: ReliableSocket): Recorded[] {
  const events: Recorded[] = [];
  const names: Array<keyof ReliableSocketEvents> = [
    'open',
    'message',
    'close',
    'reconnecting',
    'state',
    'error',
    'heartbeat',
    'drop',
  ];
  for (const name of names) socket.on(name, (...args: unknown[]) => events.push({ name, args } as Recorded));
  return events;
}

/** The state transitions in `events`, as `from→to` strings. */
export function transitions(events: Recorded[]): string[] {
  return events.flatMap((e) => (e.name === 'state' ? [`${e.args[0].from}→${e.args[0].to}`] : []));
}

/** Event names in order, without state events. */
export function names(events: Recorded[]): string[] {
  return events.filter((e) => e.name !== 'state').map((e) => e.name);
}

/** Lets pending promise callbacks run (onOpen hooks, URL functions). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
