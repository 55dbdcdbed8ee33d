// Channels and requests over the real ReliableSocket speaking protocol v1 (`delivery: false`), driven in Node
// with a fake WebSocket and clock: ref-counted subscriptions, re-subscription before the flush, routing, every
// way a request settles, validation (sync, async, order kept) and prototype-key stripping. Protocol v2 (sessions,
// acks, resends, history positions) is in delivery.spec.ts.
import { expect, test } from '@playwright/test';
import { z } from 'zod';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, record, settle, withFakeTime } from './fakes.js';

const clock = withFakeTime();

function socket<In extends object = Record<string, unknown>>(
  options: ReliableSocketOptions = {},
): ReliableSocket<In> {
  return new ReliableSocket<In>('ws://127.0.0.1:1/', {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    delivery: false,
    reconnect: { random: () => 0 },
    ...options,
  });
}

const ws = (): FakeWebSocket => FakeWebSocket.last();
const sent = (): unknown[] => ws().sent.map((frame) => JSON.parse(String(frame)));
const push = (frame: object): void => ws().receive(JSON.stringify(frame));

test.describe('subscriptions', () => {
  test('two views share one subscription; the last to close unsubscribes', () => {
    const s = socket();
    ws().open();
    const a = s.channel('chat');
    const b = s.channel('chat');
    expect(sent()).toEqual([{ type: 'subscribe', channel: 'chat' }]);
    a.close();
    a.close(); // idempotent: does not count twice
    expect(sent()).toHaveLength(1);
    b.close();
    expect(sent()).toEqual([
      { type: 'subscribe', channel: 'chat' },
      { type: 'unsubscribe', channel: 'chat' },
    ]);
  });

  test('re-subscribed after every reconnect, after onOpen and before the queued frames', async () => {
    const s = socket({ onOpen: ({ send }) => send('auth') });
    const chat = s.channel('chat');
    s.channel('presence');
    chat.send({ text: 'queued' });
    ws().open();
    await settle();
    expect(ws().sent).toEqual([
      'auth',
      '{"type":"subscribe","channel":"chat"}',
      '{"type":"subscribe","channel":"presence"}',
      '{"type":"message","channel":"chat","data":{"text":"queued"}}',
    ]);
    ws().fail();
    clock.advance(0);
    chat.send({ text: 'during outage' });
    ws().open();
    await settle();
    expect(ws().sent).toEqual([
      'auth',
      '{"type":"subscribe","channel":"chat"}',
      '{"type":"subscribe","channel":"presence"}',
      '{"type":"message","channel":"chat","data":{"text":"during outage"}}',
    ]);
  });

  test('a channel closed while disconnected is not re-subscribed, and nothing is sent for it', () => {
    const s = socket();
    const chat = s.channel('chat');
    chat.close();
    ws().open();
    expect(ws().sent).toEqual([]);
    expect(s.state).toBe('open');
  });

  test('a closed view cannot send or request', async () => {
    const s = socket();
    const chat = s.channel('chat');
    chat.close();
    expect(() => chat.send('x')).toThrow(expect.objectContaining({ code: 'ERR_CHANNEL_CLOSED' }));
    await expect(chat.request('x')).rejects.toMatchObject({ code: 'ERR_CHANNEL_CLOSED' });
  });

  test('bad names and validators are rejected with a clear error', () => {
    const s = socket();
    expect(() => s.channel('')).toThrow(/name must be a non-empty string/);
    expect(() => s.channel(42 as unknown as string)).toThrow(TypeError);
    expect(() => s.channel('x', { validate: { parse: () => 1 } as never })).toThrow(
      /validate must be a Standard Schema or a function/,
    );
  });
});

test.describe("the server's answers to subscribes", () => {
  /** What each view of `s` heard about its subscription, as short strings. */
  function answers(
    views: Record<string, ReturnType<ReliableSocket['channel']>>,
    heard: string[] = [],
  ): string[] {
    for (const [name, view] of Object.entries(views)) {
      view.on('subscribed', () => heard.push(`${name} subscribed`));
      view.on('error', (error) =>
        heard.push(
          `${name} ${error.name} ${error.code} ${error.remoteCode} ${error.channel}: ${error.message}`,
        ),
      );
      view.on('unsubscribed', ({ reason }) => heard.push(`${name} unsubscribed: ${reason}`));
    }
    return heard;
  }

  test('a confirmation is an event on every view; a server that never answers changes nothing', () => {
    const s = socket();
    const raw: unknown[] = [];
    s.on('message', (data) => raw.push(data));
    ws().open();
    const got: unknown[] = [];
    const views = { a: s.channel('chat'), b: s.channel('chat') };
    views.a.on('message', (m) => got.push(m));
    const heard = answers(views);
    push({ type: 'message', channel: 'chat', data: 1 }); // before any answer: delivered all the same
    push({ type: 'subscribed', channel: 'chat' });
    push({ type: 'subscribed', channel: 'elsewhere' }); // not ours: swallowed, not a raw message
    expect(heard).toEqual(['a subscribed', 'b subscribed']);
    expect(got).toEqual([1]);
    expect(raw).toEqual([]);
  });

  test('a refusal is a SubscribeDeniedError on the views; it is not asked for again on reconnection', async () => {
    const s = socket();
    ws().open();
    const views = { a: s.channel('user:alice') };
    const heard = answers(views);
    const got: unknown[] = [];
    views.a.on('message', (m) => got.push(m));
    push({
      type: 'subscribed',
      channel: 'user:alice',
      error: { message: 'Not allowed to subscribe to "user:alice".', code: 'ERR_SUBSCRIBE_DENIED' },
    });
    expect(heard).toEqual([
      'a SubscribeDeniedError ERR_SUBSCRIBE_DENIED ERR_SUBSCRIBE_DENIED user:alice: Not allowed to subscribe to "user:alice".',
    ]);
    ws().fail();
    clock.advance(0);
    ws().open();
    await settle();
    expect(sent()).toEqual([]);
    // What the server sends this client on the channel anyway still arrives.
    push({ type: 'message', channel: 'user:alice', data: 'direct' });
    expect(got).toEqual(['direct']);
    // A new view asks again, for all the views of the channel.
    const again = s.channel('user:alice');
    expect(sent()).toEqual([{ type: 'subscribe', channel: 'user:alice' }]);
    answers({ again }, heard);
    push({ type: 'subscribed', channel: 'user:alice' });
    expect(heard.slice(1)).toEqual(['a subscribed', 'again subscribed']);
  });

  test('a subscription the server ended is an unsubscribed event; it is not asked for again', async () => {
    const s = socket();
    ws().open();
    const heard = answers({ room: s.channel('room') });
    push({ type: 'subscribed', channel: 'room' });
    push({ type: 'unsubscribed', channel: 'room', reason: 'kicked' });
    expect(heard).toEqual(['room subscribed', 'room unsubscribed: kicked']);
    ws().fail();
    clock.advance(0);
    ws().open();
    await settle();
    expect(sent()).toEqual([]);
  });

  test('a view opened from an error listener asks again and does not hear the old refusal', () => {
    const s = socket();
    ws().open();
    const first = s.channel('room');
    const heard = answers({ first });
    let second: ReturnType<ReliableSocket['channel']> | undefined;
    first.on('error', () => {
      second = s.channel('room');
      answers({ second }, heard);
    });
    push({ type: 'subscribed', channel: 'room', error: { message: 'no', code: 'ERR_SUBSCRIBE_DENIED' } });
    expect(heard).toEqual(['first SubscribeDeniedError ERR_SUBSCRIBE_DENIED ERR_SUBSCRIBE_DENIED room: no']);
    expect(sent()).toEqual([
      { type: 'subscribe', channel: 'room' },
      { type: 'subscribe', channel: 'room' },
    ]);
    push({ type: 'subscribed', channel: 'room' });
    expect(heard.slice(1)).toEqual(['first subscribed', 'second subscribed']);
  });

  test('only the answer to the last subscribe counts: earlier answers and notices in between are moot', () => {
    const s = socket();
    ws().open();
    const first = s.channel('room');
    first.close(); // unsubscribe
    const views = { second: s.channel('room') }; // a second subscribe
    const heard = answers(views);
    expect(sent().map((f) => (f as { type: string }).type)).toEqual([
      'subscribe',
      'unsubscribe',
      'subscribe',
    ]);
    // The first subscribe was refused; the server then ended nothing it had; the second is accepted.
    push({ type: 'subscribed', channel: 'room', error: { message: 'no', code: 'ERR_SUBSCRIBE_DENIED' } });
    push({ type: 'unsubscribed', channel: 'room', reason: '' });
    expect(heard).toEqual([]);
    push({ type: 'subscribed', channel: 'room' });
    expect(heard).toEqual(['second subscribed']);
  });
});

test.describe('routing', () => {
  test('channel messages go to every view of that channel; other frames go to the raw message event', () => {
    const s = socket();
    const events = record(s);
    ws().open();
    const got: unknown[] = [];
    s.channel('chat').on('message', (m) => got.push(['a', m]));
    s.channel('chat').on('message', (m) => got.push(['b', m]));
    s.channel('other').on('message', (m) => got.push(['other', m]));
    push({ type: 'message', channel: 'chat', data: { text: 'hi' } });
    push({ type: 'message', channel: 'unknown', data: 1 });
    ws().receive('plain text');
    ws().receive('{"type":"message","channel":5}');
    expect(got).toEqual([
      ['a', { text: 'hi' }],
      ['b', { text: 'hi' }],
    ]);
    expect(events.filter((e) => e.name === 'message').map((e) => e.args[0])).toEqual([
      '{"type":"message","channel":"unknown","data":1}',
      'plain text',
      '{"type":"message","channel":5}',
    ]);
  });

  test('__proto__, constructor and prototype keys never reach app objects, however they are spelled', () => {
    const s = socket();
    ws().open();
    const got: Array<Record<string, unknown>> = [];
    s.channel('x').on('message', (m) => got.push(m as Record<string, unknown>));
    ws().receive(
      '{"type":"message","channel":"x","data":{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":1}},"ok":1}}',
    );
    ws().receive(
      String.raw`{"type":"message","channel":"x","data":{"\u005f_proto__":{"polluted":true},"ok":2}}`,
    );
    ws().receive('{"type":"message","channel":"x","data":{"prototype ":1,"ok":3}}');
    expect(got).toHaveLength(3);
    for (const payload of got) {
      expect(Object.hasOwn(payload, '__proto__')).toBe(false);
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    expect(got[0]).toEqual({ a: {}, ok: 1 });
    expect(Object.hasOwn(got[0]?.a as object, 'constructor')).toBe(false);
    expect(got[1]).toEqual({ ok: 2 });
    expect(got[2]).toEqual({ 'prototype ': 1, ok: 3 }); // a look-alike key is ordinary data
  });
});

test.describe('validation', () => {
  const Price = z.object({ symbol: z.string(), price: z.number() });

  test('a Standard Schema (zod) delivers valid payloads and reports invalid ones, never both', () => {
    const s = socket();
    ws().open();
    const prices = s.channel('prices', { validate: Price });
    const valid: unknown[] = [];
    const invalid: unknown[] = [];
    prices.on('message', (p) => valid.push(p.price));
    prices.on('invalid', ({ data, issues }) => invalid.push([data, issues.map((i) => i.path)]));
    push({ type: 'message', channel: 'prices', data: { symbol: 'A', price: 1 } });
    push({ type: 'message', channel: 'prices', data: { symbol: 'B', price: 'free' } });
    expect(valid).toEqual([1]);
    expect(invalid).toEqual([[{ symbol: 'B', price: 'free' }, [['price']]]]);
  });

  test('a parse function: its result is delivered; a throw is an invalid event with its message', () => {
    const s = socket();
    ws().open();
    const parse = (data: unknown): number => {
      if (typeof data !== 'number') throw new Error('not a number');
      return data * 2;
    };
    const doubled = s.channel('n', { validate: parse });
    const got: unknown[] = [];
    doubled.on('message', (n) => got.push(n));
    doubled.on('invalid', ({ issues }) => got.push(issues[0]?.message));
    push({ type: 'message', channel: 'n', data: 21 });
    push({ type: 'message', channel: 'n', data: 'x' });
    expect(got).toEqual([42, 'not a number']);
  });

  test('asynchronous validation keeps arrival order', async () => {
    const s = socket();
    ws().open();
    // The first payload takes longer to validate than the second.
    const Slow = z.number().refine(async (n) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (n === 1) await new Promise((resolve) => setImmediate(resolve));
      return true;
    });
    const channel = s.channel('slow', { validate: Slow });
    const got: number[] = [];
    channel.on('message', (n) => got.push(n));
    for (const n of [1, 2, 3]) push({ type: 'message', channel: 'slow', data: n });
    for (let i = 0; i < 10 && got.length < 3; i++) await settle();
    expect(got).toEqual([1, 2, 3]);
  });
});

test.describe('requests', () => {
  test('resolves with the response to its id', async () => {
    const s = socket();
    ws().open();
    const rpc = s.channel('rpc');
    const a = rpc.request({ q: 1 });
    const b = rpc.request({ q: 2 });
    expect(sent()).toEqual([
      { type: 'subscribe', channel: 'rpc' }, // every view subscribes, request-only ones too
      { type: 'request', id: 1, channel: 'rpc', data: { q: 1 } },
      { type: 'request', id: 2, channel: 'rpc', data: { q: 2 } },
    ]);
    push({ type: 'response', id: 2, data: 'two' });
    push({ type: 'response', id: 1, data: 'one' });
    await expect(a).resolves.toBe('one');
    await expect(b).resolves.toBe('two');
    expect(clock.pending).toBe(0); // both timeout timers cleared
  });

  test('an error response rejects with RequestError carrying the server message and code', async () => {
    const s = socket();
    ws().open();
    const reply = s.channel('rpc').request(null);
    push({ type: 'response', id: 1, error: { message: 'no such user', code: 'E_USER' } });
    await expect(reply).rejects.toMatchObject({
      name: 'RequestError',
      code: 'ERR_REQUEST_FAILED',
      message: 'no such user',
      remoteCode: 'E_USER',
    });
  });

  test('no response in time: RequestTimeoutError; a late response then goes to the raw message event', async () => {
    const s = socket();
    const events = record(s);
    ws().open();
    const reply = s.channel('rpc').request(null, { timeoutMs: 500 });
    clock.advance(500);
    await expect(reply).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT', timeoutMs: 500 });
    push({ type: 'response', id: 1, data: 'late' });
    expect(events.filter((e) => e.name === 'message')).toHaveLength(1);
  });

  test('a request sent on a lost connection rejects with ConnectionLostError; one still queued survives', async () => {
    const s = socket();
    ws().open();
    const rpc = s.channel('rpc');
    const sentBefore = rpc.request('a');
    ws().fail();
    await expect(sentBefore).rejects.toMatchObject({ code: 'ERR_CONNECTION_LOST' });
    const queued = rpc.request('b');
    clock.advance(0);
    ws().open();
    expect(sent()).toEqual([
      { type: 'subscribe', channel: 'rpc' },
      { type: 'request', id: 2, channel: 'rpc', data: 'b' },
    ]);
    push({ type: 'response', id: 2, data: 'B' });
    await expect(queued).resolves.toBe('B');
  });

  test('close() rejects every pending request with SocketClosedError and leaves no timer', async () => {
    const s = socket();
    ws().open();
    const rpc = s.channel('rpc');
    const a = rpc.request('a');
    const b = rpc.request('b', { timeoutMs: Infinity });
    s.close();
    await expect(a).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    await expect(b).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    ws().serverClose(1000);
    expect(clock.pending).toBe(0);
    await expect(rpc.request('c')).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
  });

  test('a queued request dropped by overflow rejects with QueueFullError', async () => {
    const s = socket({ queue: { maxMessages: 1 } });
    const rpc = s.channel('rpc');
    const first = rpc.request('a');
    const second = rpc.request('b');
    await expect(first).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });
    ws().open();
    push({ type: 'response', id: 2, data: 'B' });
    await expect(second).resolves.toBe('B');
  });

  test('an AbortSignal rejects with its reason and clears the timer', async () => {
    const s = socket();
    ws().open();
    const controller = new AbortController();
    const reply = s.channel('rpc').request(null, { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(reply).rejects.toThrow('user left');
    expect(clock.pending).toBe(0);
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(s.channel('rpc').request(null, { signal: aborted })).rejects.toThrow('already');
  });

  test('the response is checked by the channel validator', async () => {
    const s = socket();
    ws().open();
    const rpc = s.channel('rpc', { validate: z.object({ ok: z.literal(true) }) });
    const good = rpc.request(null);
    const bad = rpc.request(null);
    push({ type: 'response', id: 1, data: { ok: true } });
    push({ type: 'response', id: 2, data: { ok: 'yes' } });
    await expect(good).resolves.toEqual({ ok: true });
    await expect(bad).rejects.toMatchObject({ code: 'ERR_INVALID_PAYLOAD' });
  });

  test('a bad timeoutMs is an error naming it', async () => {
    const s = socket();
    await expect(s.channel('rpc').request(null, { timeoutMs: 0 })).rejects.toThrow(
      /options\.timeoutMs .* got 0/,
    );
    await expect(s.channel('rpc').request(null, { timeoutMs: Number.NaN })).rejects.toThrow(TypeError);
  });
});

test.describe('requests and the queue', () => {
  const requestFrames = (): unknown[] =>
    FakeWebSocket.instances.flatMap((w) => w.sent).filter((f) => String(f).includes('"request"'));

  test('a request that times out while queued is taken out of the queue: the server never sees it', async () => {
    const s = socket();
    const late = s.channel('rpc').request('x', { timeoutMs: 100 });
    expect(s.queuedMessages).toBe(1);
    clock.advance(100);
    await expect(late).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
    expect(s.queuedMessages).toBe(0);
    ws().open();
    expect(requestFrames()).toEqual([]);
  });

  test('a request aborted while queued is taken out of the queue: the server never sees it', async () => {
    const s = socket();
    const controller = new AbortController();
    const aborted = s.channel('rpc').request('x', { signal: controller.signal });
    controller.abort(new Error('user left'));
    await expect(aborted).rejects.toThrow('user left');
    ws().open();
    expect(requestFrames()).toEqual([]);
  });

  test('a queued request that goes out on the next connection, then lost with it, fails ERR_CONNECTION_LOST', async () => {
    const s = socket();
    const pending = s.channel('rpc').request('x');
    ws().fail();
    clock.advance(0);
    ws().open(); // the queued request goes out on this connection…
    expect(requestFrames()).toHaveLength(1);
    ws().fail(); // …which is lost before the response came
    await expect(pending).rejects.toMatchObject({ code: 'ERR_CONNECTION_LOST' });
  });

  test('onOpen may await a request: it goes out at once on the new connection, ahead of the queue', async () => {
    let s!: ReliableSocket;
    s = socket({
      onOpen: async ({ send }) => {
        send('hello');
        const token = await s.channel('auth').request('who am i');
        send(`token ${String(token)}`);
      },
    });
    s.send('queued before open');
    ws().open();
    expect(ws().sent).toEqual(['hello', '{"type":"request","id":1,"channel":"auth","data":"who am i"}']);
    expect(s.state).toBe('connecting');
    push({ type: 'response', id: 1, data: 'ann' });
    await settle();
    expect(s.state).toBe('open');
    expect(ws().sent.slice(2)).toEqual([
      'token ann',
      '{"type":"subscribe","channel":"auth"}', // the view's subscription, like every channel's, after onOpen
      'queued before open',
    ]);
  });

  test('an onOpen request on a connection that fails is rejected with it; the retry sends one afresh', async () => {
    let s!: ReliableSocket;
    s = socket({ onOpen: async () => void (await s.channel('auth').request('login')) });
    const events = record(s);
    ws().open();
    ws().fail(); // lost while onOpen awaits its response
    await settle();
    // The loss is the news (a close event); onOpen's rejection (ERR_CONNECTION_LOST) is of a superseded attempt.
    expect(events.filter((e) => e.name === 'close' || e.name === 'error').map((e) => e.name)).toEqual([
      'close',
    ]);
    clock.advance(0);
    ws().open();
    // Only this connection's request: the failed attempt's did not pile up in the queue.
    expect(requestFrames()).toEqual([
      '{"type":"request","id":1,"channel":"auth","data":"login"}',
      '{"type":"request","id":2,"channel":"auth","data":"login"}',
    ]);
    expect(ws().sent).toEqual(['{"type":"request","id":2,"channel":"auth","data":"login"}']);
    push({ type: 'response', id: 2, data: null });
    await settle();
    expect(s.state).toBe('open');
    expect(s.queuedMessages).toBe(0);
  });
});
