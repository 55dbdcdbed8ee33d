// Shared by the unit tests of protocol v2 on the client: a ReliableSocket on the fake WebSocket, and the test
// playing the server on the current connection — what the client sent, a frame pushed to it, the `welcome`.
import { expect } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, settle } from './fakes.js';

export type Frame = Record<string, unknown>;

/** A socket on the fake WebSocket: no heartbeat, retries at once. */
export function socket(options: ReliableSocketOptions = {}): ReliableSocket {
  return new ReliableSocket('ws://127.0.0.1:1/', {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    reconnect: { random: () => 0 },
    ...options,
  });
}

/** The current connection. */
export const ws = (): FakeWebSocket => FakeWebSocket.last();
/** What the client sent on a connection (the current one by default), parsed. */
export const sent = (w = ws()): Frame[] => w.sent.map((f) => JSON.parse(String(f)) as Frame);
/** The server sends `frame` on the current connection. */
export const push = (frame: object): void => ws().receive(JSON.stringify(frame));
/** What the client sent of one type. */
export const ofType = (type: string, w = ws()): Frame[] => sent(w).filter((f) => f.type === type);
/** A `welcome` frame. */
export const welcomeFrame = (resumed: boolean, received: number, session = 's1', extra: object = {}) => ({
  type: 'welcome',
  v: 2,
  session,
  resumed,
  received,
  ...extra,
});

/** Opens the current connection (if it is not yet) and answers its hello; returns the hello. */
export async function welcome(
  resumed: boolean,
  received: number,
  session = 's1',
  extra: object = {},
): Promise<Frame> {
  if (ws().readyState === 0) ws().open();
  const hello = sent()[0]!;
  expect(hello.type).toBe('hello');
  push(welcomeFrame(resumed, received, session, extra));
  await settle();
  return hello;
}

/** Loses the connection and lets the (zero) retry delay pass on `clock`. */
export function drop(clock: { advance(ms: number): void }): void {
  ws().fail();
  clock.advance(0);
}
