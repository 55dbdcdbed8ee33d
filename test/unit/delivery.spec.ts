// Protocol v2 on the client, driven in Node with the fake WebSocket and clock; the test plays the server. The
// session handshake, sequence numbers and the resend buffer, acks (batched, lost in flight, partial on resume),
// the server's session frames deduplicated, a lost session (renumbered, redelivered), history positions and
// gaps, overflow, close, and the fall back to v1.
import { expect, test } from '@playwright/test';
import { FakeWebSocket, record, settle, withFakeTime } from './fakes.js';
import { drop as dropConnection, ofType, push, sent, socket, welcome, ws } from './v2-client.js';

const clock = withFakeTime();

const drop = (): void => dropConnection(clock);

test.describe('session handshake', () => {
  test('hello goes first on every connection; nothing sequenced goes out before welcome', async () => {
    const s = socket();
    const chat = s.channel('chat');
    ws().open();
    expect(sent()).toEqual([{ type: 'hello', v: 2, attempt: 1, received: 0 }]);
    chat.send('early');
    expect(sent()).toHaveLength(1); // held until welcome
    expect(s.state).toBe('connecting'); // open waits for the session
    await welcome(false, 0);
    expect(s.state).toBe('open');
    // The subscription first: what the app sends after opening a channel comes after it.
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat', seq: 1 },
      { type: 'message', channel: 'chat', data: 'early', seq: 2 },
    ]);
    drop();
    ws().open();
    expect(sent()).toEqual([{ type: 'hello', v: 2, attempt: 2, received: 0, session: 's1' }]);
  });

  test('welcomed while onOpen still runs: a channel opened then is subscribed on that connection at once, one closed then is unsubscribed', async () => {
    let release!: () => void;
    const s = socket({ onOpen: () => new Promise<void>((resolve) => (release = resolve)) });
    const chat = s.channel('chat');
    await welcome(false, 0);
    expect(s.state).toBe('connecting'); // onOpen holds the open event
    s.channel('late');
    chat.close();
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat', seq: 1 },
      { type: 'subscribe', channel: 'late', seq: 2 },
      { type: 'unsubscribe', channel: 'chat', seq: 3 },
    ]);
    release();
    await settle();
    expect(s.state).toBe('open');
    expect(ofType('subscribe')).toHaveLength(2); // nothing asked for twice once open
  });

  test('a lost session is heard even if the connection that learnt it is lost before it opens', async () => {
    let hold = false;
    let release: (() => void) | undefined;
    const s = socket({
      onOpen: () => (hold ? new Promise<void>((resolve) => (release = resolve)) : undefined),
    });
    const chat = s.channel('chat');
    const gaps: unknown[] = [];
    chat.on('gap', (gap) => gaps.push(gap));
    await welcome(false, 0);
    hold = true;
    drop();
    await welcome(false, 0, 's2'); // the old session is lost: a new one…
    expect(s.state).toBe('connecting'); // …but onOpen holds the open event
    drop(); // …and this connection is lost before it opens
    hold = false;
    await welcome(true, 0, 's2'); // the new session is resumed
    expect(s.state).toBe('open');
    expect(gaps).toEqual([{ channel: 'chat', reason: 'session' }]);
    release?.();
  });

  test('a server that answers hello with an error frame: v1 on that connection, ERR_PROTOCOL_FALLBACK once', async () => {
    const s = socket();
    const events = record(s);
    const chat = s.channel('chat');
    chat.send('before');
    ws().open();
    push({ type: 'error', code: 'ERR_MALFORMED_FRAME', message: 'unknown type' });
    await settle();
    expect(s.state).toBe('open');
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat' },
      { type: 'message', channel: 'chat', data: 'before' },
    ]);
    await expect(chat.sendConfirmed('x')).rejects.toMatchObject({ code: 'ERR_PROTOCOL_FALLBACK' });
    drop();
    ws().open();
    push({ type: 'error', message: 'unknown type' });
    await settle();
    const errors = events.filter((e) => e.name === 'error').map((e) => (e.args[0] as { code: string }).code);
    expect(errors).toEqual(['ERR_PROTOCOL_FALLBACK']);
    expect(events.filter((e) => e.name === 'message')).toEqual([]); // the error frames were the answers to hello
  });

  test('a server that never answers hello: no fall back to v1; the attempt fails at connectTimeoutMs', async () => {
    const s = socket();
    s.channel('chat').send('waiting');
    ws().open();
    clock.advance(9999);
    expect(s.state).toBe('connecting');
    clock.advance(1);
    await settle();
    expect(FakeWebSocket.instances).toHaveLength(2); // dropped, and tried again (the retry delay is 0 here)
    expect(sent(FakeWebSocket.instances[0]).map((f) => f.type)).toEqual(['hello']);
  });
});

test.describe('client → server: sequence, acks, resend', () => {
  test('acks empty the resend buffer; sendConfirmed resolves on its ack', async () => {
    const s = socket();
    const chat = s.channel('chat');
    await welcome(false, 0);
    let confirmed = false;
    const confirmation = chat.sendConfirmed('a').then(() => (confirmed = true));
    chat.send('b');
    expect(s.unacknowledged).toBe(3); // subscribe, a, b
    push({ type: 'ack', seq: 1 });
    await settle();
    expect([s.unacknowledged, confirmed]).toEqual([2, false]);
    push({ type: 'ack', seq: 3 });
    await confirmation;
    expect(s.unacknowledged).toBe(0);
  });

  test('a resumed session whose welcome acknowledges part of the buffer: only the rest is re-sent, same seqs, then a fresh subscribe', async () => {
    const s = socket();
    const chat = s.channel('chat');
    await welcome(false, 0);
    for (const text of ['1', '2', '3', '4']) chat.send(text); // seqs 2–5 (1 is the subscribe)
    push({ type: 'ack', seq: 2 });
    drop();
    const hello = await welcome(true, 4); // the server processed 3 and 4; their acks were lost in flight
    expect(hello).toEqual({ type: 'hello', v: 2, attempt: 2, session: 's1', received: 0 });
    expect(sent().slice(1)).toEqual([
      { type: 'message', channel: 'chat', data: '4', seq: 5 },
      { type: 'subscribe', channel: 'chat', seq: 6 },
    ]);
  });

  test('acks all lost in flight: welcome says everything arrived, and nothing is sent twice', async () => {
    const s = socket();
    const chat = s.channel('chat');
    await welcome(false, 0);
    chat.send('only once');
    drop();
    await welcome(true, 2);
    expect(ofType('message')).toEqual([]);
    expect(s.unacknowledged).toBe(1); // the new subscribe
  });

  test('a lost session: unacknowledged frames get new seqs, flagged redelivered, after requests it acknowledged but never answered; views hear a gap', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const gaps: unknown[] = [];
    chat.on('gap', (gap) => gaps.push(gap));
    await welcome(false, 0);
    const answered = chat.request('acked, unanswered'); // seq 2
    push({ type: 'ack', seq: 2 });
    chat.send('unacked'); // seq 3
    drop();
    await welcome(false, 0, 's2'); // the server restarted without shared state
    expect(sent().slice(1)).toEqual([
      { type: 'subscribe', channel: 'chat', seq: 1 },
      { type: 'request', id: 1, channel: 'chat', data: 'acked, unanswered', seq: 2, redelivered: true },
      { type: 'message', channel: 'chat', data: 'unacked', seq: 3, redelivered: true },
    ]);
    expect(gaps).toEqual([{ channel: 'chat', reason: 'session' }]);
    push({ type: 'response', id: 1, data: 'done', seq: 1 });
    await expect(answered).resolves.toBe('done');
  });

  test('requests survive reconnection: the answer comes on the next connection; a timeout still applies', async () => {
    const s = socket();
    const rpc = s.channel('rpc');
    await welcome(false, 0);
    const slow = rpc.request('slow', { timeoutMs: 60_000 });
    const late = rpc.request('late', { timeoutMs: 1000 });
    drop();
    clock.advance(1000);
    await expect(late).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
    await welcome(true, 1); // only the subscribe had arrived
    // The timed-out request was written: it keeps its seq (no hole), and its late answer will be dropped.
    expect(ofType('request')).toEqual([
      { type: 'request', id: 1, channel: 'rpc', data: 'slow', seq: 2 },
      { type: 'request', id: 2, channel: 'rpc', data: 'late', seq: 3 },
    ]);
    push({ type: 'response', id: 1, data: 'ok', seq: 1 });
    await expect(slow).resolves.toBe('ok');
  });

  test('a full resend buffer applies the queue policy to what waits and says so: drop event, request and confirmation rejected', async () => {
    const s = socket({ queue: { maxMessages: 2 } });
    const events = record(s);
    const chat = s.channel('chat');
    await welcome(false, 0); // the subscribe is written: it does not count
    drop();
    const confirmation = chat.sendConfirmed('first');
    const request = chat.request('second');
    chat.send('third'); // 'first' is dropped to make room (drop-oldest)…
    chat.send('fourth'); // …then 'second'
    await expect(confirmation).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });
    await expect(request).rejects.toMatchObject({ code: 'ERR_QUEUE_FULL' });
    const drops = events
      .filter((e) => e.name === 'drop')
      .map((e) => [JSON.parse(String(e.args[0])).data, e.args[1]]);
    expect(drops).toEqual([
      ['first', 'overflow'],
      ['second', 'overflow'],
    ]);
  });

  test('close(): what the server never acknowledged is reported dropped, confirmations rejected', async () => {
    const s = socket();
    const events = record(s);
    const chat = s.channel('chat');
    await welcome(false, 0);
    push({ type: 'ack', seq: 1 });
    const confirmation = chat.sendConfirmed('unacked');
    s.close();
    await expect(confirmation).rejects.toMatchObject({ code: 'ERR_SOCKET_CLOSED' });
    expect(events.filter((e) => e.name === 'drop').map((e) => e.args[1])).toEqual(['closed']);
    ws().serverClose(1000);
    expect(clock.pending).toBe(0);
  });
});

test.describe('server → client: session frames', () => {
  test('deduplicated by seq, acknowledged in one batch after 50 ms; hello on the next connection says what arrived', async () => {
    const s = socket();
    const direct: unknown[] = [];
    s.channel('notice').on('message', (data) => direct.push(data));
    await welcome(false, 0);
    push({ type: 'message', channel: 'notice', data: 'a', seq: 1 });
    push({ type: 'message', channel: 'notice', data: 'b', seq: 2 });
    push({ type: 'message', channel: 'notice', data: 'a', seq: 1 }); // a duplicate
    expect(ofType('ack')).toEqual([]);
    clock.advance(50);
    expect(ofType('ack')).toEqual([{ type: 'ack', seq: 2 }]);
    expect(direct).toEqual(['a', 'b']);
    drop();
    ws().open();
    expect(sent()[0]).toEqual({ type: 'hello', v: 2, attempt: 2, session: 's1', received: 2 });
  });

  test('a steady stream is acknowledged every 50 ms, not only once it pauses', async () => {
    const s = socket();
    s.channel('notice');
    await welcome(false, 0);
    // One frame every 40 ms: the first ack is due 50 ms after the first frame, whatever came since.
    for (let seq = 1; seq <= 5; seq++) {
      push({ type: 'message', channel: 'notice', data: seq, seq });
      clock.advance(40);
    }
    expect(ofType('ack')).toEqual([
      { type: 'ack', seq: 2 },
      { type: 'ack', seq: 4 },
    ]);
  });
});

test.describe('channel history positions', () => {
  test('duplicates by offset are ignored; the position goes into the resubscription; recovered: false is a gap', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const got: unknown[] = [];
    const gaps: unknown[] = [];
    chat.on('message', (data) => got.push(data));
    chat.on('gap', (gap) => gaps.push(gap));
    await welcome(false, 0);
    push({ type: 'subscribed', channel: 'chat', offset: 10, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 'x', offset: 11, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 'x again', offset: 11, epoch: 'e1' });
    expect(got).toEqual(['x']);
    drop();
    await welcome(true, 1);
    expect(ofType('subscribe')).toEqual([
      { type: 'subscribe', channel: 'chat', seq: 2, since: { offset: 11, epoch: 'e1' } },
    ]);
    push({
      type: 'subscribed',
      channel: 'chat',
      recovered: false,
      reason: 'trimmed',
      offset: 90,
      epoch: 'e1',
    });
    push({ type: 'message', channel: 'chat', data: 'y', offset: 91, epoch: 'e1' });
    expect(gaps).toEqual([{ channel: 'chat', reason: 'trimmed' }]);
    expect(got).toEqual(['x', 'y']);
  });

  test('a skip (a publication this client is the except of) moves the position without a message or a gap', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const events: unknown[] = [];
    chat.on('message', (data) => events.push(data));
    chat.on('gap', (gap) => events.push(gap));
    await welcome(false, 0);
    push({ type: 'subscribed', channel: 'chat', offset: 0, epoch: 'e1' });
    push({ type: 'skip', channel: 'chat', offset: 1, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 'next', offset: 2, epoch: 'e1' });
    expect(events).toEqual(['next']);
  });

  test('a live publication in a new epoch, or past a hole, is a gap — each one', async () => {
    const s = socket();
    const chat = s.channel('chat');
    const gaps: unknown[] = [];
    chat.on('gap', (gap) => gaps.push(gap));
    await welcome(false, 0);
    push({ type: 'subscribed', channel: 'chat', offset: 0, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 1, offset: 1, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 3, offset: 3, epoch: 'e1' });
    push({ type: 'message', channel: 'chat', data: 1, offset: 1, epoch: 'e2' });
    expect(gaps).toEqual([
      { channel: 'chat', reason: 'missed' },
      { channel: 'chat', reason: 'epoch' },
    ]);
    drop();
    await welcome(true, 1);
    push({ type: 'message', channel: 'chat', data: 1, offset: 1, epoch: 'e3' });
    expect(gaps).toEqual([
      { channel: 'chat', reason: 'missed' },
      { channel: 'chat', reason: 'epoch' },
      { channel: 'chat', reason: 'epoch' },
    ]);
  });
});
