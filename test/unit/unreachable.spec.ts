// Failures that explain themselves (issue 22): when the first attempts of a life all fail and none opens, the
// socket emits one UnreachableError that lists the likely causes — once per life, never after a connection has
// opened, and the socket keeps retrying. Production messages carry their code and where it is explained.
import { expect, test } from '@playwright/test';
import { ERROR_DOCS, ReliableSocketError, UnreachableError } from '../../src/errors.js';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocketCore } from '../../src/reliable-socket-core.js';
import { UNREACHABLE_AFTER } from '../../src/retries.js';
import { FakeWebSocket, names, record, withFakeTime } from './fakes.js';

const clock = withFakeTime();
const ws = (): FakeWebSocket => FakeWebSocket.last();

function socket(options: ReliableSocketOptions = {}): ReliableSocketCore {
  return new ReliableSocketCore('ws://127.0.0.1:1/live', {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    reconnect: { random: () => 0.5 },
    ...options,
  });
}

/** Fails the attempt under way, then lets the retry timer start the next one. */
function failAttempt(): void {
  ws().fail();
  clock.advance(clock.nextIn ?? 0);
}

const errors = (events: ReturnType<typeof record>) =>
  events.flatMap((e) => (e.name === 'error' ? [e.args[0]] : []));

test(`after ${UNREACHABLE_AFTER} failed attempts and no open: one UnreachableError naming the causes; still retrying`, () => {
  const s = socket();
  const events = record(s as never);
  for (let i = 0; i < UNREACHABLE_AFTER + 3; i++) failAttempt();
  const [error, ...more] = errors(events);
  expect(more).toEqual([]);
  expect(error).toBeInstanceOf(UnreachableError);
  expect(error).toMatchObject({ code: 'ERR_UNREACHABLE', url: 'ws://127.0.0.1:1/live', attempts: 3 });
  // The development message names each cause and the troubleshooting page.
  for (const cause of ['down', 'resolve', 'path', '401', '403', 'allowedOrigins', 'troubleshooting'])
    expect(error?.message).toContain(cause);
  // Announced with the attempt that made it: after the state change, before that attempt's close.
  const order = names(events);
  const at = order.indexOf('error');
  expect(order.slice(at - 2, at + 3)).toEqual(['close', 'reconnecting', 'error', 'close', 'reconnecting']);
  expect(s.state).toBe('connecting');
  s.close();
});

test('never after a connection has opened in this life; again in a new life (open() after close())', () => {
  const s = socket();
  const events = record(s as never);
  ws().open();
  for (let i = 0; i < UNREACHABLE_AFTER + 2; i++) failAttempt();
  expect(errors(events)).toEqual([]);
  s.close();
  s.open();
  for (let i = 0; i < UNREACHABLE_AFTER; i++) failAttempt();
  expect(errors(events).map((e) => e.code)).toEqual(['ERR_UNREACHABLE']);
  s.close();
});

test('not when the socket gives up first (maxRetries below the threshold): RetriesExhaustedError alone', () => {
  const s = socket({ reconnect: { maxRetries: 1, random: () => 0.5 } });
  const events = record(s as never);
  failAttempt();
  failAttempt();
  expect(s.state).toBe('closed');
  expect(errors(events).map((e) => e.code)).toEqual(['ERR_RETRIES_EXHAUSTED']);
});

test('production messages: the code and where it is explained', () => {
  // The unit tests run the development build; `false` is what the production build passes for the message.
  const error = new ReliableSocketError('ERR_REQUEST_TIMEOUT', false);
  expect(error.message).toBe(`ERR_REQUEST_TIMEOUT, see ${ERROR_DOCS}`);
  expect(ERROR_DOCS).toMatch(/\/docs\/error-codes\.md$/);
});
