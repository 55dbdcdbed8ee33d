// Subscriptions refused for capacity (`ERR_TOO_MANY_SUBSCRIPTIONS`), driven in Node with the fake WebSocket;
// the test plays the server. Such a view still wants its channel: it is asked for again — once — when one of
// the socket's own subscriptions ends (the app closes its last view, or the server ends it), and on every new
// connection; each refusal is one SubscribeDeniedError. A refusal of rights or of the name stays final.
import { expect, test } from '@playwright/test';
import type { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, settle, withFakeTime } from './fakes.js';
import { drop as dropConnection, type Frame, push, sent, socket, welcome } from './v2-client.js';

const clock = withFakeTime();

const full = (channel: string) => ({
  type: 'subscribed',
  channel,
  error: {
    message: 'A client may subscribe to 2 channels at once on this server.',
    code: 'ERR_TOO_MANY_SUBSCRIPTIONS',
  },
});
const denied = (channel: string, code = 'ERR_SUBSCRIBE_DENIED') => ({
  type: 'subscribed',
  channel,
  error: { message: 'no', code },
});

/** Subscription frames the client sent since the hello, as `subscribe x` / `unsubscribe x`. */
const asked = (): string[] =>
  sent()
    .filter((f: Frame) => f.type === 'subscribe' || f.type === 'unsubscribe')
    .map((f) => `${f.type} ${f.channel}`);

/** Opens views of `names` on a welcomed connection; records what each hears. */
async function setUp(names: string[], options?: Parameters<typeof socket>[0]) {
  const s = socket(options);
  const heard: string[] = [];
  const views: Record<string, ReturnType<ReliableSocket['channel']>> = {};
  for (const name of names) {
    const view = s.channel(name);
    view.on('subscribed', () => heard.push(`${name} subscribed`));
    view.on('error', (error) => heard.push(`${name} ${error.code} ${error.remoteCode}`));
    view.on('unsubscribed', () => heard.push(`${name} unsubscribed`));
    view.on('message', (data) => heard.push(`${name} ${data}`));
    views[name] = view;
  }
  await welcome(false, 0);
  return { s, heard, views };
}

test('closing a subscribed view asks again for the channel refused for capacity, after the unsubscribe', async () => {
  const { heard, views } = await setUp(['a', 'b', 'c']);
  push({ type: 'subscribed', channel: 'a' });
  push({ type: 'subscribed', channel: 'b' });
  push(full('c'));
  expect(heard).toEqual([
    'a subscribed',
    'b subscribed',
    'c ERR_SUBSCRIBE_DENIED ERR_TOO_MANY_SUBSCRIPTIONS',
  ]);
  expect(asked()).toEqual(['subscribe a', 'subscribe b', 'subscribe c']);
  views.a!.close();
  expect(asked().slice(3)).toEqual(['unsubscribe a', 'subscribe c']);
  push({ type: 'subscribed', channel: 'c' });
  push({ type: 'message', channel: 'c', data: 'hi' });
  expect(heard.slice(3)).toEqual(['c subscribed', 'c hi']);
});

test('one re-ask per subscription freed: the first refused goes first; a refusal again asks nothing more', async () => {
  const { heard, views } = await setUp(['a', 'b', 'c', 'd']);
  for (const name of ['a', 'b']) push({ type: 'subscribed', channel: name });
  push(full('c'));
  push(full('d'));
  views.a!.close();
  expect(asked().slice(4)).toEqual(['unsubscribe a', 'subscribe c']);
  // Taken meanwhile (another tab of the same user, say): refused again — heard once more, and no spin.
  push(full('c'));
  expect(asked()).toHaveLength(6);
  expect(heard.filter((h) => h.startsWith('c '))).toEqual([
    'c ERR_SUBSCRIBE_DENIED ERR_TOO_MANY_SUBSCRIPTIONS',
    'c ERR_SUBSCRIBE_DENIED ERR_TOO_MANY_SUBSCRIPTIONS',
  ]);
  views.b!.close();
  expect(asked().slice(6)).toEqual(['unsubscribe b', 'subscribe c']);
  push({ type: 'subscribed', channel: 'c' });
  expect(asked()).toHaveLength(8); // d waits for the next subscription to end
});

test('the server ending a subscription asks for one refused, before the views hear of the end', async () => {
  const { s, heard, views } = await setUp(['a', 'b', 'c', 'd']);
  for (const name of ['a', 'b']) push({ type: 'subscribed', channel: name });
  push(full('c'));
  push(full('d'));
  const askedWhenHeard: string[][] = [];
  views.a!.on('unsubscribed', () => askedWhenHeard.push(asked().slice(4)));
  push({ type: 'unsubscribed', channel: 'a', reason: 'moved' });
  expect(askedWhenHeard).toEqual([['subscribe c']]);
  push({ type: 'subscribed', channel: 'c' });
  expect(heard.slice(4)).toEqual(['a unsubscribed', 'c subscribed']);
  // A listener may close the socket as it hears of the end: d was asked for first, and nothing breaks.
  views.b!.on('unsubscribed', () => s.close());
  push({ type: 'unsubscribed', channel: 'b', reason: '' });
  expect(asked().slice(5)).toEqual(['subscribe d']);
  expect(s.state).toBe('closing');
});

test('asked for again on every new connection; refusals of rights or of the name are not', async () => {
  const { heard } = await setUp(['a', 'b', 'c', 'secret', 'x'.repeat(300)]);
  for (const name of ['a', 'b']) push({ type: 'subscribed', channel: name });
  push(full('c'));
  push(denied('secret'));
  push(denied('x'.repeat(300), 'ERR_CHANNEL_NAME_TOO_LONG'));
  dropConnection(clock);
  await welcome(true, 5);
  expect(asked()).toEqual(['subscribe a', 'subscribe b', 'subscribe c']);
  push(full('c'));
  // Each refusal heard: the first connection's and the second's.
  expect(heard.filter((h) => h.startsWith('c '))).toHaveLength(2);
});

test('closing a view that held no subscription (refused, or ended) frees nothing', async () => {
  const { views } = await setUp(['a', 'b', 'c', 'd', 'e']);
  for (const name of ['a', 'b']) push({ type: 'subscribed', channel: name });
  push(full('c'));
  push(full('d'));
  push(denied('e'));
  views.d!.close();
  views.e!.close();
  expect(asked().slice(5)).toEqual(['unsubscribe d', 'unsubscribe e']);
  push({ type: 'unsubscribed', channel: 'b', reason: '' });
  views.b!.close();
  expect(asked().slice(7)).toEqual(['subscribe c', 'unsubscribe b']);
});

test('a subscription freed while disconnected: nothing sent then; the new connection asks for all', async () => {
  const { s, views } = await setUp(['a', 'b', 'c']);
  for (const name of ['a', 'b']) push({ type: 'subscribed', channel: name });
  push(full('c'));
  FakeWebSocket.last().fail();
  views.a!.close();
  clock.advance(0);
  await welcome(true, 3);
  expect(asked()).toEqual(['subscribe b', 'subscribe c']);
  s.close();
});

test('protocol v1 too', async () => {
  const s = socket({ delivery: false });
  const views = { a: s.channel('a'), b: s.channel('b') };
  const heard: string[] = [];
  views.b.on('subscribed', () => heard.push('b subscribed'));
  FakeWebSocket.last().open();
  await settle();
  push({ type: 'subscribed', channel: 'a' });
  push(full('b'));
  views.a.close();
  expect(sent()).toEqual([
    { type: 'subscribe', channel: 'a' },
    { type: 'subscribe', channel: 'b' },
    { type: 'unsubscribe', channel: 'a' },
    { type: 'subscribe', channel: 'b' },
  ]);
  push({ type: 'subscribed', channel: 'b' });
  expect(heard).toEqual(['b subscribed']);
});
