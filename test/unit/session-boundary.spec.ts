// Issue 20, the client's half: delivery that holds at the session boundary. Driven in Node with the fake
// WebSocket and clock; the test plays the server. A channel opened once the socket is open; a new session is a
// new seq space and a hole in the server's seqs resyncs; v1 only on proof; frames before `welcome` held; the
// resend buffer bounds only what was never written; a gap per hole in offsets; requests paced under the
// server's limit; `redelivered` only for what was written.
import { expect, test } from '@playwright/test';
import { FakeWebSocket, record, settle, transitions, withFakeTime } from './fakes.js';
import {
  drop as dropConnection,
  ofType,
  push,
  sent,
  socket,
  welcome,
  welcomeFrame,
  ws,
} from './v2-client.js';

const clock = withFakeTime();

const drop = (): void => dropConnection(clock);

test.describe('1. a channel opened once the socket is open', () => {
  test('greets the open connection; its subscribe, sends and requests go after welcome, and work', async () => {
    const s = socket();
    const events = record(s);
    ws().open();
    await settle();
    expect(s.state).toBe('open');
    expect(sent()).toEqual([]); // no channel, no protocol
    const chat = s.channel('chat');
    expect(sent()).toEqual([{ type: 'hello', v: 2, attempt: 1, received: 0 }]);
    expect(chat.send('hi')).toBe('queued');
    const answer = chat.request('q');
    push(welcomeFrame(false, 0));
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat', seq: 1 },
      { type: 'message', channel: 'chat', data: 'hi', seq: 2 },
      { type: 'request', id: 1, channel: 'chat', data: 'q', seq: 3 },
    ]);
    expect(chat.send('now')).toBe('sent');
    push({ type: 'response', id: 1, data: 'a', seq: 1 });
    await expect(answer).resolves.toBe('a');
    expect(s.state).toBe('open');
    expect(events.filter((e) => e.name === 'error')).toEqual([]);
  });

  test('with delivery: false (v1 only): subscribed once, at once, on the open connection', async () => {
    const s = socket({ delivery: false });
    ws().open();
    await settle();
    const chat = s.channel('chat');
    chat.send('hi');
    expect(sent()).toEqual([
      { type: 'subscribe', channel: 'chat' },
      { type: 'message', channel: 'chat', data: 'hi' },
    ]);
  });

  test('a raw frame that arrives while it greets is held, and delivered after welcome', async () => {
    const s = socket();
    const raw: unknown[] = [];
    s.on('message', (data) => raw.push(data));
    ws().open();
    await settle();
    s.channel('chat');
    ws().receive('plain text');
    expect(raw).toEqual([]);
    push(welcomeFrame(false, 0));
    expect(raw).toEqual(['plain text']);
    expect(ofType('subscribe')).toEqual([{ type: 'subscribe', channel: 'chat', seq: 1 }]);
  });

  test('a v1 server answers hello with an error: v1 on the open connection, subscribed at once', async () => {
    const s = socket();
    ws().open();
    await settle();
    const chat = s.channel('chat');
    chat.send('hi');
    push({ type: 'error', code: 'ERR_MALFORMED_FRAME', message: 'unknown type' });
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat' },
      { type: 'message', channel: 'chat', data: 'hi' },
    ]);
    expect(s.state).toBe('open');
  });

  test('no welcome within connectTimeoutMs: the connection is dropped and tried again, no fall back', async () => {
    const s = socket({ connectTimeoutMs: 3000 });
    const events = record(s);
    ws().open();
    await settle();
    s.channel('chat');
    clock.advance(2999);
    expect(s.state).toBe('open');
    clock.advance(1); // the retry delay is 0: dropped, and trying again
    expect(transitions(events).slice(-2)).toEqual(['open→reconnecting', 'reconnecting→connecting']);
    expect(FakeWebSocket.instances.length).toBe(2);
    expect(events.filter((e) => e.name === 'error')).toEqual([]);
  });
});

test.describe('2. seq spaces: a new session starts at 1 both ways; a hole resyncs', () => {
  test("a hole in the server's seqs: nothing past it is delivered or acknowledged; the connection is dropped, hello says what arrived", async () => {
    const s = socket();
    const got: unknown[] = [];
    s.channel('notice').on('message', (data) => got.push(data));
    await welcome(false, 0);
    push({ type: 'message', channel: 'notice', data: 'a', seq: 1 });
    const first = ws();
    push({ type: 'message', channel: 'notice', data: 'c', seq: 3 });
    expect(got).toEqual(['a']);
    expect(s.state).toBe('reconnecting');
    clock.advance(1000);
    expect(ofType('ack', first)).toEqual([]);
    expect(FakeWebSocket.instances.length).toBe(2);
    ws().open();
    expect(sent()[0]).toEqual({ type: 'hello', v: 2, attempt: 2, session: 's1', received: 1 });
  });

  test('a duplicate is dropped and acknowledged again', async () => {
    const s = socket();
    const got: unknown[] = [];
    s.channel('notice').on('message', (data) => got.push(data));
    await welcome(false, 0);
    push({ type: 'message', channel: 'notice', data: 'a', seq: 1 });
    clock.advance(50);
    push({ type: 'message', channel: 'notice', data: 'a', seq: 1 });
    clock.advance(50);
    expect(ofType('ack')).toEqual([
      { type: 'ack', seq: 1 },
      { type: 'ack', seq: 1 },
    ]);
    expect(got).toEqual(['a']);
  });

  test("a new session after a lost one: the server's seq 1 is new again; the client's seqs start at 1", async () => {
    const s = socket();
    const chat = s.channel('chat');
    const got: unknown[] = [];
    chat.on('message', (data) => got.push(data));
    await welcome(false, 0);
    push({ type: 'message', channel: 'chat', data: 'old 1', seq: 1 });
    push({ type: 'message', channel: 'chat', data: 'old 2', seq: 2 });
    push({ type: 'ack', seq: 1 });
    drop();
    await welcome(false, 0, 's2');
    push({ type: 'message', channel: 'chat', data: 'new 1', seq: 1 });
    expect(got).toEqual(['old 1', 'old 2', 'new 1']);
    expect(ofType('subscribe')).toEqual([{ type: 'subscribe', channel: 'chat', seq: 1 }]);
    drop();
    ws().open();
    expect(sent()[0]).toEqual({ type: 'hello', v: 2, attempt: 3, session: 's2', received: 1 });
  });
});

test.describe('6. v1 only on proof', () => {
  test('silence: no welcome within connectTimeoutMs fails the attempt, and the socket tries again with v2', async () => {
    const s = socket({ connectTimeoutMs: 8000 });
    const events = record(s);
    s.channel('chat').send('waiting');
    ws().open();
    clock.advance(7999);
    await settle();
    expect([s.state, sent().length]).toEqual(['connecting', 1]); // still waiting for welcome: no v1
    clock.advance(1); // the retry delay is 0: dropped, and trying again
    await settle();
    expect(transitions(events)).toEqual(['connecting→reconnecting', 'reconnecting→connecting']);
    expect(events.filter((e) => e.name === 'error')).toEqual([]);
    expect(FakeWebSocket.instances.length).toBe(2);
    ws().open();
    expect(sent()).toEqual([{ type: 'hello', v: 2, attempt: 2, received: 0 }]);
  });

  test('an echo server (hello comes back) is a v1 server', async () => {
    const s = socket();
    s.channel('chat').send('x');
    ws().open();
    ws().receive(String(ws().sent[0]));
    await settle();
    expect(s.state).toBe('open');
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat' },
      { type: 'message', channel: 'chat', data: 'x' },
    ]);
  });
});

test.describe('7. a server frame before welcome', () => {
  test('is held and handled after welcome: v2 stays', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const got: unknown[] = [];
    chat.on('message', (data) => got.push(data));
    ws().open();
    push({ type: 'message', channel: 'chat', data: 'early' });
    expect(got).toEqual([]);
    push(welcomeFrame(false, 0));
    await settle();
    expect(got).toEqual(['early']);
    expect(s.state).toBe('open');
    chat.send('x');
    expect(ofType('message')).toEqual([{ type: 'message', channel: 'chat', data: 'x', seq: 2 }]);
  });
});

test.describe('9. the resend buffer bounds only frames not yet written', () => {
  test('1,510 sends on an open socket with the default queue: no drop, no QueueFullError, all written in seq order', async () => {
    const s = socket({ queue: { overflow: 'throw' } });
    const events = record(s);
    const chat = s.channel('chat');
    await welcome(false, 0);
    for (let n = 1; n <= 1510; n++) expect(chat.send(n)).toBe('sent');
    expect(events.filter((e) => e.name === 'drop')).toEqual([]);
    const seqs = ofType('message').map((f) => f.seq);
    expect(seqs).toEqual(Array.from({ length: 1510 }, (_, i) => i + 2));
    expect(s.unacknowledged).toBe(1511);
    push({ type: 'ack', seq: 1511 });
    expect(s.unacknowledged).toBe(0);
  });

  test('offline, the bound applies to frames waiting for a connection only; written ones are never dropped', async () => {
    const s = socket({ queue: { maxMessages: 3 } });
    const events = record(s);
    const chat = s.channel('chat');
    await welcome(false, 0);
    for (let n = 1; n <= 5; n++) chat.send(n); // written: seqs 2–6
    drop();
    for (let n = 6; n <= 10; n++) chat.send(n); // waiting: 6 and 7 are dropped
    const dropped = events
      .filter((e) => e.name === 'drop')
      .map((e) => (JSON.parse(String(e.args[0])) as { data: number }).data);
    expect(dropped).toEqual([6, 7]);
    await welcome(true, 1);
    expect(ofType('message').map((f) => [f.data, f.seq])).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
      [8, 8],
      [9, 9],
      [10, 10],
    ]);
  });

  test('a request that timed out after it was written keeps its seq slot: re-sent on resume, no hole', async () => {
    const s = socket();
    const rpc = s.channel('rpc');
    await welcome(false, 0);
    const late = rpc.request('q', { timeoutMs: 1000 }); // seq 2
    drop();
    clock.advance(1000);
    await expect(late).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
    rpc.send('after'); // waits
    await welcome(true, 1);
    expect(sent().slice(1)).toEqual([
      { type: 'request', id: 1, channel: 'rpc', data: 'q', seq: 2 },
      { type: 'subscribe', channel: 'rpc', seq: 3 },
      { type: 'message', channel: 'rpc', data: 'after', seq: 4 },
    ]);
  });

  test('a subscribe written on the last connection and not acknowledged keeps its slot (as a no-op unsubscribe)', async () => {
    const s = socket();
    s.channel('chat');
    await welcome(false, 0); // subscribe: seq 1, never acknowledged
    drop();
    await welcome(true, 0);
    expect(sent().slice(1)).toEqual([
      { type: 'unsubscribe', channel: 'chat', seq: 1 },
      { type: 'subscribe', channel: 'chat', seq: 2 },
    ]);
  });
});

test.describe('13. every hole in channel offsets is a gap', () => {
  test('offsets 1, 3, 6 on one connection: two gaps (missed), every message delivered', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const events: unknown[] = [];
    chat.on('message', (data) => events.push(data));
    chat.on('gap', (gap) => events.push(gap));
    await welcome(false, 0);
    push({ type: 'subscribed', channel: 'chat', offset: 0, epoch: 'e1' });
    for (const offset of [1, 3, 6])
      push({ type: 'message', channel: 'chat', data: offset, offset, epoch: 'e1' });
    expect(events).toEqual([
      1,
      { channel: 'chat', reason: 'missed' },
      3,
      { channel: 'chat', reason: 'missed' },
      6,
    ]);
  });
});

test.describe('12. no false gap', () => {
  test('a position at offset 0, then the first publication of a new epoch: delivered, no gap; a later jump still is one', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const events: unknown[] = [];
    chat.on('message', (data) => events.push(data));
    chat.on('gap', (gap) => events.push(gap));
    await welcome(false, 0);
    push({ type: 'subscribed', channel: 'chat', offset: 0, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 'first', offset: 1, epoch: 'e2' });
    push({ type: 'message', channel: 'chat', data: 'reset', offset: 1, epoch: 'e3' });
    expect(events).toEqual(['first', { channel: 'chat', reason: 'epoch' }, 'reset']);
  });
});

test.describe('14. requests paced under the server limit', () => {
  test('welcome says limits.requests = 2: two requests in flight at a time; what follows waits, in order', async () => {
    const s = socket();
    const rpc = s.channel('rpc');
    const answers = [1, 2, 3, 4].map((n) => rpc.request(n));
    rpc.send('after');
    await welcome(false, 0, 's1', { limits: { requests: 2 } });
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'rpc', seq: 1 },
      { type: 'request', id: 1, channel: 'rpc', data: 1, seq: 2 },
      { type: 'request', id: 2, channel: 'rpc', data: 2, seq: 3 },
    ]);
    expect(rpc.send('later')).toBe('queued');
    push({ type: 'response', id: 1, data: 'one', seq: 1 });
    expect(ofType('request').map((f) => f.id)).toEqual([1, 2, 3]);
    push({ type: 'response', id: 2, data: 'two', seq: 2 });
    push({ type: 'response', id: 3, data: 'three', seq: 3 });
    expect(sent().slice(4)).toEqual([
      { type: 'request', id: 3, channel: 'rpc', data: 3, seq: 4 },
      { type: 'request', id: 4, channel: 'rpc', data: 4, seq: 5 },
      { type: 'message', channel: 'rpc', data: 'after', seq: 6 },
      { type: 'message', channel: 'rpc', data: 'later', seq: 7 },
    ]);
    push({ type: 'response', id: 4, data: 'four', seq: 4 });
    await expect(Promise.all(answers)).resolves.toEqual(['one', 'two', 'three', 'four']);
  });

  test('without limits in welcome, nothing is paced', async () => {
    const s = socket();
    const rpc = s.channel('rpc');
    for (let n = 1; n <= 5; n++) void rpc.request(n).catch(() => {});
    await welcome(false, 0);
    expect(ofType('request')).toHaveLength(5);
    s.close();
  });
});

test.describe('15. redelivered only for frames that were written', () => {
  test('after a lost session, a frame that never went out is sent without redelivered', async () => {
    const s = socket();
    const chat = s.channel('chat');
    await welcome(false, 0);
    chat.send('written'); // seq 2, never acknowledged
    drop();
    chat.send('never written');
    await welcome(false, 0, 's2');
    expect(ofType('message')).toEqual([
      { type: 'message', channel: 'chat', data: 'written', seq: 2, redelivered: true },
      { type: 'message', channel: 'chat', data: 'never written', seq: 3 },
    ]);
  });
});

test.describe('close code 4409 (session taken over)', () => {
  test('is not final: the socket reconnects', async () => {
    const s = socket();
    s.channel('chat');
    await welcome(false, 0);
    ws().serverClose(4409, 'session taken over');
    expect(s.state).toBe('reconnecting');
    clock.advance(0);
    expect([FakeWebSocket.instances.length, s.state]).toEqual([2, 'connecting']);
  });
});
