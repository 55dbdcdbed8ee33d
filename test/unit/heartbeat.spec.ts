// The heartbeat, driven in Node with a fake WebSocket and a fake clock (both clocks: wall and monotonic):
// hooks that throw are isolated, a pong is matched to its ping by id, one ping is out at a time, and a wall
// clock that is set back or forward changes nothing. The real-browser side is in test/browser/heartbeat.spec.ts.
import { expect, test } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, type Recorded, record, withFakeTime } from './fakes.js';

const URL = 'ws://127.0.0.1:1/';
const clock = withFakeTime();

/** An open socket on the fake WebSocket, with deterministic backoff. */
function open(options: ReliableSocketOptions): { socket: ReliableSocket; events: Recorded[] } {
  const socket = new ReliableSocket(URL, {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    reconnect: { random: () => 0.5 },
    ...options,
  });
  const events = record(socket);
  ws().open();
  return { socket, events };
}

const ws = (): FakeWebSocket => FakeWebSocket.last();
const rtts = (events: Recorded[]): number[] =>
  events.flatMap((e) => (e.name === 'heartbeat' ? [e.args[0].rttMs] : []));
const messages = (events: Recorded[]): unknown[] =>
  events.flatMap((e) => (e.name === 'message' ? [e.args[0]] : []));
/** The ids of the default JSON pings sent so far. */
const pingIds = (socket: FakeWebSocket): number[] =>
  socket.sent.map((frame) => (JSON.parse(String(frame)) as { id: number }).id);
const pong = (id: number): string => `{"type":"pong","id":${id}}`;

test.describe('hooks that throw (defect 6)', () => {
  test('a ping function that throws is reported, that ping is skipped, and the heartbeat goes on', () => {
    const { socket } = open({
      heartbeat: {
        intervalMs: 1000,
        timeoutMs: 500,
        ping: (id) => {
          if (id === 1) throw new Error('ping hook bug');
          return `ping ${id}`;
        },
      },
    });
    clock.advance(1000); // ping 1 throws
    clock.advance(0); // the report is a rethrow from a timer in Node
    expect(clock.uncaught.splice(0)).toEqual([new Error('ping hook bug')]);
    expect(ws().sent).toEqual([]);
    expect(socket.state).toBe('open'); // nothing was sent, so nothing was due: not dead

    clock.advance(1000); // the next interval: ping 2 goes out…
    expect(ws().sent).toEqual(['ping 2']);
    clock.advance(500); // …and, unanswered, still detects the dead link
    expect(socket.state).toBe('reconnecting');
  });

  test('a ping function that returns a non-string is reported like a throw', () => {
    const { socket } = open({
      heartbeat: { intervalMs: 1000, timeoutMs: 500, ping: (() => 42) as unknown as () => string },
    });
    clock.advance(1000);
    clock.advance(0);
    expect(clock.uncaught.splice(0)).toEqual([expect.any(TypeError)]);
    expect(ws().sent).toEqual([]);
    expect(socket.state).toBe('open');
    socket.close();
  });

  test('a pong predicate that throws is reported and the frame is delivered as a message', () => {
    const { socket, events } = open({
      heartbeat: {
        intervalMs: 1000,
        timeoutMs: 500,
        pong: (data) => {
          if (data === 'boom') throw new Error('pong hook bug');
          return data === 'pong';
        },
      },
    });
    ws().receive('boom');
    ws().receive('after');
    clock.advance(0);
    expect(clock.uncaught.splice(0)).toEqual([new Error('pong hook bug')]);
    expect(messages(events)).toEqual(['boom', 'after']);

    // The heartbeat still works: ping, a frame that throws counts as liveness, then a real pong.
    clock.advance(1000);
    expect(ws().sent).toEqual(['{"type":"ping","id":1}']);
    ws().receive('boom');
    clock.advance(500);
    clock.uncaught.splice(0);
    expect(socket.state).toBe('open');
    clock.advance(500);
    ws().receive('pong');
    expect(rtts(events)).toEqual([0]);
    expect(messages(events)).toEqual(['boom', 'after', 'boom']);
    socket.close();
  });
});

test.describe('RTT and one ping out (defect 7)', () => {
  test('a chatty server with a true RTT of 300 ms: every RTT is 300, never a second ping before the pong', () => {
    const { socket, events } = open({ heartbeat: { intervalMs: 200, timeoutMs: 1000 } });
    /** Pongs in flight: the id and when it arrives (300 ms after its ping was sent). */
    const inFlight: Array<{ id: number; at: number }> = [];
    const server = ws();
    const send = server.send.bind(server);
    server.send = (frame) => {
      expect(inFlight, `${String(frame)} sent while a pong was due`).toEqual([]);
      inFlight.push({ id: (JSON.parse(String(frame)) as { id: number }).id, at: clock.mono + 300 });
      send(frame);
    };
    for (let t = 0; t < 3000; t += 10) {
      clock.advance(10);
      if (t % 50 === 0) server.receive(`chat ${t}`);
      while (inFlight[0] && inFlight[0].at <= clock.mono) server.receive(pong(inFlight.shift()!.id));
    }
    expect(rtts(events).length).toBeGreaterThanOrEqual(8);
    expect(new Set(rtts(events))).toEqual(new Set([300]));
    expect(socket.state).toBe('open');
    socket.close();
  });

  test("a late pong of an earlier ping measures nothing; the current ping's own pong does", () => {
    const { socket, events } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 500 } });
    clock.advance(1000); // ping 1
    ws().receive('chat'); // the link is alive, but ping 1's pong does not come in time
    clock.advance(1000); // ping 1 given up at 1500; ping 2 at 2000
    expect(pingIds(ws())).toEqual([1, 2]);
    clock.advance(100);
    ws().receive(pong(1)); // 1100 ms after ping 1, 100 ms after ping 2: neither is an RTT of ping 2
    clock.advance(150);
    ws().receive(pong(2));
    expect(rtts(events)).toEqual([250]);
    expect(messages(events)).toEqual(['chat']); // pongs, matched or not, are never messages
    socket.close();
  });

  test('a server that never answers pings but keeps talking gets one ping per timeout, not one per interval', () => {
    const { socket, events } = open({ heartbeat: { intervalMs: 100, timeoutMs: 1000 } });
    for (let t = 0; t < 2050; t += 50) {
      clock.advance(50);
      ws().receive('chat');
    }
    // Ping 1 at 100 waits for its pong until 1100, then ping 2 goes out; ping 3 would wait until 2100.
    expect(pingIds(ws())).toEqual([1, 2]);
    expect(rtts(events)).toEqual([]);
    expect(socket.state).toBe('open');
    socket.close();
  });

  test('a pong without an id (custom string) answers the ping that is out; with none out it measures nothing', () => {
    const { socket, events } = open({
      heartbeat: { intervalMs: 1000, timeoutMs: 500, ping: 'ping', pong: 'pong' },
    });
    ws().receive('pong'); // no ping out yet
    clock.advance(1000);
    clock.advance(120);
    ws().receive('pong');
    ws().receive('pong'); // a second answer to the same ping
    expect(rtts(events)).toEqual([120]);
    expect(messages(events)).toEqual([]);
    socket.close();
  });

  test('a pong predicate may return the id it answers: then it is matched like the default', () => {
    const { socket, events } = open({
      heartbeat: {
        intervalMs: 1000,
        timeoutMs: 500,
        ping: (id) => `ping:${id}`,
        pong: (data) =>
          typeof data === 'string' && data.startsWith('pong:') ? Number(data.slice(5)) : false,
      },
    });
    clock.advance(1000);
    clock.advance(80);
    ws().receive('pong:7'); // not ping 1's answer: liveness, but no RTT
    clock.advance(20);
    ws().receive('pong:1');
    expect(rtts(events)).toEqual([100]);
    expect(messages(events)).toEqual([]);
    socket.close();
  });

  test('a pong that arrives after close() restarts nothing: no timer but the close timeout, no ping', () => {
    const { socket } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 3000 } });
    clock.advance(1000); // ping 1
    socket.close(); // waits up to 3 s for the server's close frame
    expect(clock.pending).toBe(1);
    ws().receive(pong(1));
    expect(clock.pending).toBe(1);
    clock.advance(2000);
    expect(pingIds(ws())).toEqual([1]);
  });

  test('the next ping waits its interval from the previous ping, or goes at once after a pong later than that', () => {
    const { socket } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 3000 } });
    clock.advance(1000); // ping 1
    clock.advance(1500);
    ws().receive(pong(1)); // 1500 ms late: ping 2 was due 500 ms ago
    clock.advance(0);
    expect(pingIds(ws())).toEqual([1, 2]);
    clock.advance(10);
    ws().receive(pong(2));
    clock.advance(989);
    expect(pingIds(ws())).toEqual([1, 2]);
    clock.advance(1);
    expect(pingIds(ws())).toEqual([1, 2, 3]);
    socket.close();
  });
});

test.describe('a wall clock that moves (defect 8)', () => {
  test('set back by an hour: pings go on every interval, and a dead link is still found', () => {
    const { socket, events } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 500 } });
    clock.advance(1000);
    ws().receive(pong(1));
    clock.setWall(-3_600_000);
    clock.advance(1000);
    expect(pingIds(ws())).toEqual([1, 2]);
    clock.advance(40);
    ws().receive(pong(2));
    expect(rtts(events)).toEqual([0, 40]);
    clock.advance(960 + 500); // ping 3, never answered
    expect(socket.state).toBe('reconnecting');
  });

  test('set forward by a minute: a live link is not declared dead, and the RTT is the real one', () => {
    const { socket, events } = open({ heartbeat: { intervalMs: 1000, timeoutMs: 3000 } });
    clock.advance(1000); // ping 1
    clock.advance(100);
    clock.setWall(60_000);
    clock.advance(1400);
    ws().receive(pong(1));
    expect(socket.state).toBe('open');
    expect(rtts(events)).toEqual([1500]);
    socket.close();
  });

  test('stableAfterMs is uptime on the monotonic clock: a wall clock set back or forward changes nothing', () => {
    const { events } = open({ heartbeat: false, reconnect: { random: () => 0.5, stableAfterMs: 5000 } });
    const attempts = (): number[] =>
      events.filter((e) => e.name === 'reconnecting').map((e) => e.args[0].attempt);
    ws().fail(); // up for 0 ms: retry 1
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    clock.setWall(3_600_000); // an hour forward, but up for 0 ms: not stable
    ws().fail();
    clock.advance(clock.nextIn ?? 0);
    ws().open();
    clock.setWall(-7_200_000); // two hours back, but up for 5 s: stable
    clock.advance(5000);
    ws().fail();
    expect(attempts()).toEqual([1, 2, 1]);
  });
});
