// A channel view's once() (issue 22): the listener hears the next event only, and the function it returns
// removes it before that.
import { expect, test } from '@playwright/test';
import type { ReliableSocketOptions } from '../../src/options.js';
import { ReliableSocket } from '../../src/reliable-socket.js';
import { FakeWebSocket, withFakeTime } from './fakes.js';

withFakeTime();

const push = (frame: object): void => FakeWebSocket.last().receive(JSON.stringify(frame));

test('once() hears the next message only; its remover takes it off before then', () => {
  const socket = new ReliableSocket('ws://127.0.0.1:1/', {
    WebSocket: FakeWebSocket as unknown as ReliableSocketOptions['WebSocket'],
    heartbeat: false,
    delivery: false,
  });
  FakeWebSocket.last().open();
  const chat = socket.channel('chat');
  const once: unknown[] = [];
  const every: unknown[] = [];
  chat.once('message', (m) => once.push(m));
  chat.on('message', (m) => every.push(m));
  const off = chat.once('message', (m) => once.push(['removed', m]));
  off();
  push({ type: 'message', channel: 'chat', data: 1 });
  push({ type: 'message', channel: 'chat', data: 2 });
  expect(once).toEqual([1]);
  expect(every).toEqual([1, 2]);
  socket.close();
});
