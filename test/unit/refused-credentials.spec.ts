// Credentials refused in band (the server accepts the upgrade, then closes with 4401 or 4403), driven in Node
// with the fake WebSocket and clock. 4403 is final; 4401 is final with a fixed URL and retried with a URL
// function (which can bring a fresh token); an explicit `finalCloseCodes` or `shouldReconnect` decides instead.
// Each such close is one `error` naming its cause. A refused connection does not count as stable, is no sign of
// an unreachable server, and loses nothing queued behind protocol v2's `welcome`.
import { expect, test } from '@playwright/test';
import { ForbiddenError, ReliableSocketError, UnauthorizedError } from '../../src/errors.js';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { ReliableSocketCore } from '../../src/reliable-socket-core.js';
import { FakeWebSocket, names, type Recorded, record, settle, withFakeTime } from './fakes.js';
import { ofType, socket as v2Socket, welcome, ws } from './v2-client.js';

const clock = withFakeTime();
const URL = 'ws://127.0.0.1:1/live';

function core(url: ConstructorParameters<typeof ReliableSocketCore>[0], options: ReliableSocketOptions = {}) {
  const socket = new ReliableSocketCore(url, {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    ...options,
    reconnect: options.reconnect === false ? false : { random: () => 0.5, ...options.reconnect },
  });
  return { socket, events: record(socket as never) };
}

const errors = (events: Recorded[]) => events.flatMap((e) => (e.name === 'error' ? [e.args[0]] : []));
const attempts = (events: Recorded[]) =>
  events.flatMap((e) => (e.name === 'reconnecting' ? [e.args[0].attempt] : []));

/** The server accepts the current attempt and closes it at once. */
function refuse(code: number, reason = ''): void {
  ws().open();
  ws().serverClose(code, reason);
}

/** Lets the URL function answer and the retry timer run. */
async function next(): Promise<void> {
  clock.advance(clock.nextIn ?? 0);
  await settle();
}

test.describe('4403 forbidden', () => {
  test('final by default: one ForbiddenError with the close code and reason, then the final close', () => {
    const { socket, events } = core(URL);
    refuse(4403, 'not for you');
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(names(events)).toEqual(['open', 'error', 'close']);
    const [error] = errors(events);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toBeInstanceOf(ReliableSocketError);
    expect(error).toMatchObject({
      name: 'ForbiddenError',
      code: 'ERR_FORBIDDEN',
      closeCode: 4403,
      reason: 'not for you',
    });
    expect(events.at(-1)?.args[0]).toEqual({
      code: 4403,
      reason: 'not for you',
      wasClean: true,
      willReconnect: false,
    });
    expect(clock.pending).toBe(0);
  });

  test('final with a URL function too', async () => {
    const { socket, events } = core(() => URL);
    await settle();
    refuse(4403);
    expect(socket.state).toBe('closed');
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_FORBIDDEN']);
  });

  test('finalCloseCodes given without it: retried, one error per refusal', async () => {
    const { socket, events } = core(URL, { reconnect: { finalCloseCodes: [] } });
    refuse(4403);
    await next();
    refuse(4403);
    expect(socket.state).toBe('reconnecting');
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_FORBIDDEN', 'ERR_FORBIDDEN']);
    // Announced with the loss, before its close (as every error of a retried attempt).
    expect(names(events).slice(0, 4)).toEqual(['open', 'error', 'close', 'reconnecting']);
    socket.close();
  });
});

test.describe('4401 unauthorized', () => {
  test('a fixed URL: final (the same credentials would be sent again), with an UnauthorizedError', () => {
    const { socket, events } = core(URL);
    refuse(4401, 'token expired');
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(1);
    const [error, ...more] = errors(events);
    expect(more).toEqual([]);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ code: 'ERR_UNAUTHORIZED', closeCode: 4401, reason: 'token expired' });
    expect(error?.message).toContain('URL function');
  });

  test('a URL function: retried with backoff, asking it again; one error per refusal; a refusal is never stable', async () => {
    let calls = 0;
    const { socket, events } = core(() => `${URL}?token=${++calls}`);
    await settle();
    for (let i = 0; i < 4; i++) {
      refuse(4401, 'token expired');
      await next();
    }
    expect(FakeWebSocket.instances.map((w) => w.url)).toEqual(
      [1, 2, 3, 4, 5].map((n) => `${URL}?token=${n}`),
    );
    // Each refusal opened and closed within the same millisecond: the count goes on, the backoff grows.
    expect(attempts(events)).toEqual([1, 2, 3, 4]);
    expect(errors(events).map((e) => e.code)).toEqual(Array(4).fill('ERR_UNAUTHORIZED'));
    ws().open();
    expect(socket.state).toBe('open');
    socket.close();
  });

  test('an open connection whose credentials expire: with a URL function, reconnects and hears of it', async () => {
    const { socket, events } = core(() => URL);
    await settle();
    ws().open();
    clock.advance(60_000);
    ws().serverClose(4401, 'expired');
    expect(socket.state).toBe('reconnecting');
    expect(attempts(events)).toEqual([1]);
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
    socket.close();
  });

  test('an explicit finalCloseCodes is respected exactly: [] retries a fixed URL, [4401] ends a URL function', async () => {
    const fixed = core(URL, { reconnect: { finalCloseCodes: [] } });
    refuse(4401);
    expect(fixed.socket.state).toBe('reconnecting');
    expect(errors(fixed.events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
    fixed.socket.close();

    const provided = core(() => URL, { reconnect: { finalCloseCodes: [4401] } });
    await settle();
    refuse(4401);
    expect(provided.socket.state).toBe('closed');
    expect(errors(provided.events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
  });

  test('shouldReconnect may end it: final, the error once', async () => {
    const { socket, events } = core(() => URL, {
      reconnect: { shouldReconnect: ({ code }) => code !== 4401 },
    });
    await settle();
    refuse(4401);
    expect(socket.state).toBe('closed');
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
    expect(events.at(-1)?.args[0]).toMatchObject({ code: 4401, willReconnect: false });
  });

  test('reconnect: false: final, with the error', async () => {
    const { socket, events } = core(() => URL, { reconnect: false });
    await settle();
    refuse(4401);
    expect(socket.state).toBe('closed');
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
  });
});

test.describe('protocol v2: refused before welcome', () => {
  test('no open, no flush; refusals are no sign of an unreachable server; queued frames go out once welcomed', async () => {
    let calls = 0;
    const socket = new ReliableSocket(() => `${URL}?token=${++calls}`, {
      WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
      heartbeat: false,
      reconnect: { random: () => 0 },
    });
    const events = record(socket);
    const chat = socket.channel('chat');
    chat.send('on a channel');
    socket.send('raw');
    await settle();
    for (let i = 0; i < 4; i++) {
      ws().open();
      expect(ofType('hello')).toHaveLength(1);
      ws().serverClose(4401, 'token expired');
      expect(ws().sent).toHaveLength(1); // the hello alone: nothing flushed to a refused connection
      await next();
    }
    expect(names(events).filter((n) => n === 'open')).toEqual([]);
    expect(attempts(events)).toEqual([1, 2, 3, 4]);
    // Four refusals: four errors naming the cause — and no UnreachableError: the server answered each time.
    expect(errors(events).map((e) => e.code)).toEqual(Array(4).fill('ERR_UNAUTHORIZED'));
    expect(socket.queuedMessages).toBe(1);
    await welcome(false, 0);
    expect(socket.state).toBe('open');
    expect(ws().sent.slice(1).map(String)).toEqual([
      '{"type":"subscribe","channel":"chat","seq":1}',
      '{"type":"message","channel":"chat","data":"on a channel","seq":2}',
      'raw',
    ]);
    socket.close();
  });

  test('a fixed URL: final at the first refusal; what was queued or unacknowledged is reported dropped', async () => {
    const socket = v2Socket({ heartbeat: false });
    const events = record(socket);
    socket.channel('chat').send('on a channel');
    socket.send('raw');
    refuse(4401, 'bad token');
    expect(socket.state).toBe('closed');
    expect(errors(events).map((e) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
    expect(events.filter((e) => e.name === 'drop').map((e) => e.args)).toEqual([
      ['raw', 'closed'],
      ['{"type":"message","channel":"chat","data":"on a channel"}', 'closed'],
    ]);
  });
});
