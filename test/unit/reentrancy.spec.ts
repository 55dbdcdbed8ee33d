// Re-entrancy, table-driven: for every event the socket emits (and every state it announces) × every call an
// app may make from a listener (close(), reconnect(), send()), the listener makes the call the first time the
// event fires, and a fixed script of network happenings then runs to the end. After every step: at most one
// native socket is live, no illegal transition or unexpected exception happened, and once the final `close`
// has been emitted nothing else is — no event, no timer, no connection.
import { expect, test } from '@playwright/test';
import { SocketClosedError } from '../../src/errors.js';
import type { ReliableSocketEvents } from '../../src/events.js';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import type { SocketState } from '../../src/state.js';
import { FakeWebSocket, type Recorded, record, settle, transitions, withFakeTime } from './fakes.js';

const URL = 'ws://127.0.0.1:1/';
const clock = withFakeTime();

type Trigger = Exclude<keyof ReliableSocketEvents, 'state'> | `state:${SocketState}`;
const TRIGGERS: Trigger[] = [
  'state:connecting',
  'state:open',
  'state:reconnecting',
  'state:closing',
  'state:closed',
  'open',
  'close',
  'reconnecting',
  'message',
  'drop',
  'error',
  'heartbeat',
];
const CALLS = {
  'close()': (socket: ReliableSocket) => socket.close(),
  'reconnect()': (socket: ReliableSocket) => socket.reconnect(),
  'send()': (socket: ReliableSocket) => socket.send('from a listener'),
  // open() after the final close starts a new life; anywhere else it does nothing (or ends a closing first).
  'open()': (socket: ReliableSocket) => socket.open(),
};

/** Native sockets the SDK still listens to: never more than one. */
const attached = (): FakeWebSocket[] => FakeWebSocket.instances.filter((ws) => ws.attached);
/** The one the network acts on: the newest attached socket. */
const live = (): FakeWebSocket | undefined => attached().at(-1);

/** Calls `fn`; a SocketClosedError (send/reconnect after close) is a legal answer, anything else is not. */
function tolerateClosed(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof SocketClosedError)) throw error;
  }
}

function makeSocket(): ReliableSocket {
  let opens = 0;
  return new ReliableSocket(URL, {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: { intervalMs: 1000, timeoutMs: 500 },
    reconnect: { initialDelayMs: 100, jitter: 'none', maxDelayMs: 100 },
    queue: { maxMessages: 2 },
    // The third handshake's onOpen fails: an `error` event.
    onOpen: () => {
      if (++opens === 3) throw new Error('auth failed');
    },
  });
}

/** Completes the handshake of the live socket, if it is still connecting. */
function handshake(): void {
  if (live()?.readyState === 0) live()!.open();
}

/** Answers the latest ping on the live socket with a matching pong. */
function pong(): void {
  const ws = live();
  const ping = ws?.sent.filter((f) => typeof f === 'string' && f.includes('"ping"')).at(-1);
  if (typeof ping === 'string') ws!.receive(JSON.stringify({ type: 'pong', id: JSON.parse(ping).id }));
}

/** What the network and the app do, in order, whatever the listener did; each step acts on the live socket. */
const SCRIPT: Array<[string, (socket: ReliableSocket) => void]> = [
  ['three sends into a queue of two', (s) => tolerateClosed(() => ['a', 'b', 'c'].map((f) => s.send(f)))],
  ['handshake', handshake],
  ['a message', () => live()?.receive('hello')],
  ['a ping is due', () => clock.advance(1000)],
  ['its pong', pong],
  ['the link drops', () => live()?.fail()],
  ['the retry is due', () => clock.advance(100)],
  ['handshake', handshake],
  ['the heartbeat times out', () => clock.advance(1600)],
  ['the retry is due', () => clock.advance(100)],
  ['handshake, and onOpen fails', handshake],
  ['the next retry is due', () => clock.advance(100)],
  ['handshake', handshake],
  ['the app closes', (s) => s.close()],
  ['the server answers the close', () => live()?.serverClose(1000)],
  ['time passes', () => clock.advance(60_000)],
];

/**
 * The invariants. A final close ends a life: after it nothing happens — no event, timer or connection — until
 * open() starts a new life (which the open() rows do, from the listener).
 */
function checkInvariants(socket: ReliableSocket, events: Recorded[], step: string): void {
  expect(attached().length, `live native sockets after "${step}"`).toBeLessThanOrEqual(1);
  const isFinal = (e: Recorded): boolean => e.name === 'close' && !e.args[0].willReconnect;
  let lastFinal = events.length - 1;
  while (lastFinal >= 0 && !isFinal(events[lastFinal]!)) lastFinal--;
  if (socket.state === 'closed') {
    expect(lastFinal, `closed without a final close event, at "${step}"`).toBeGreaterThanOrEqual(0);
    expect(events.slice(lastFinal + 1), `events after the final close, at "${step}"`).toEqual([]);
    expect(attached(), `connections after the final close, at "${step}"`).toEqual([]);
    expect(clock.pending, `timers after the final close, at "${step}"`).toBe(0);
  } else if (lastFinal >= 0) {
    // A new life: it began with open(), right after the final close of the last one.
    expect(events[lastFinal + 1], `what followed a final close, at "${step}"`).toMatchObject({
      name: 'state',
      args: [{ from: 'closed', to: 'connecting', reason: 'open()' }],
    });
  }
}

for (const trigger of TRIGGERS) {
  for (const [callName, call] of Object.entries(CALLS)) {
    test(`${callName} from a ${trigger} listener leaves a legal state, one live socket, and nothing after the final close`, async () => {
      const socket = makeSocket();
      const events = record(socket);
      let fired = false;
      const [event, to] = trigger.split(':') as [keyof ReliableSocketEvents, SocketState | undefined];
      socket.on(event, (...args: unknown[]) => {
        if (fired || (to && (args[0] as { to: SocketState }).to !== to)) return;
        fired = true;
        tolerateClosed(() => call(socket));
      });
      for (const [step, act] of SCRIPT) {
        await settle();
        act(socket);
        await settle();
        checkInvariants(socket, events, step);
      }
      expect(fired, `the script never produced a ${trigger} event`).toBe(true);
      if (socket.state !== 'closed') {
        // open() from the listener started a new life: end it too.
        socket.close();
        live()?.serverClose(1000);
        clock.advance(60_000);
        checkInvariants(socket, events, 'the new life closed');
      }
      expect(socket.state).toBe('closed');
      const finals = events.filter((e) => e.name === 'close' && !e.args[0].willReconnect);
      expect(finals).toHaveLength(callName === 'open()' && fired && trigger.startsWith('state:clos') ? 2 : 1);
      expect(events.at(-1)).toBe(finals.at(-1));
    });
  }
}

test.describe('the cases first reported', () => {
  function socketLostAfterOpen(): { socket: ReliableSocket; events: Recorded[] } {
    const socket = new ReliableSocket(URL, {
      WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
      heartbeat: false,
      reconnect: { initialDelayMs: 100, jitter: 'none' },
    });
    return { socket, events: record(socket) };
  }

  test('close() on to: reconnecting: one final close, no retry timer, no later transition', () => {
    const { socket, events } = socketLostAfterOpen();
    socket.on('state', ({ to }) => to === 'reconnecting' && socket.close());
    FakeWebSocket.last().open();
    FakeWebSocket.last().fail();
    clock.advance(1000);
    expect(transitions(events)).toEqual(['connecting→open', 'open→reconnecting', 'reconnecting→closed']);
    expect(events.filter((e) => e.name === 'close').map((e) => e.args[0].willReconnect)).toEqual([false]);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  test('close() on reconnecting → connecting: no connection after close(), nothing pinged', () => {
    const socket = new ReliableSocket(URL, {
      WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
      heartbeat: { intervalMs: 50, timeoutMs: 50 },
      reconnect: { initialDelayMs: 100, jitter: 'none' },
    });
    const events = record(socket);
    socket.on('state', ({ from, to }) => from === 'reconnecting' && to === 'connecting' && socket.close());
    FakeWebSocket.last().open();
    FakeWebSocket.last().fail();
    clock.advance(1000);
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(transitions(events).at(-1)).toBe('connecting→closed');
    expect(clock.pending).toBe(0);
  });

  test('reconnect() on to: reconnecting: the old retry never fires, one connection delivers', () => {
    const { socket, events } = socketLostAfterOpen();
    let once = false;
    socket.on('state', ({ to }) => {
      if (to !== 'reconnecting' || once) return;
      once = true;
      socket.reconnect();
    });
    FakeWebSocket.last().open();
    FakeWebSocket.last().fail();
    FakeWebSocket.last().open();
    clock.advance(1000);
    expect(socket.state).toBe('open');
    expect(attached()).toHaveLength(1);
    FakeWebSocket.last().receive('x');
    expect(events.filter((e) => e.name === 'message')).toHaveLength(1);
    expect(transitions(events)).toEqual([
      'connecting→open',
      'open→reconnecting',
      'reconnecting→connecting',
      'connecting→open',
    ]);
  });
});
