import { expect, test } from '@playwright/test';
import { BoundedQueue, type QueueLimits } from '../../src/bounded-queue.js';
import type { OutgoingData } from '../../src/events.js';
import { byteLength, type Queued, queued } from '../../src/send-queue.js';

/** The send queue as the socket uses it: frames go in through `queued()`; what comes out is their data. */
class SendQueue {
  readonly queue: BoundedQueue<Queued>;
  constructor(limits: QueueLimits) {
    this.queue = new BoundedQueue(limits);
  }
  get length(): number {
    return this.queue.length;
  }
  get bytes(): number {
    return this.queue.bytes;
  }
  push(data: OutgoingData): { queued: boolean; dropped: OutgoingData[] } | undefined {
    const pushed = this.queue.push(queued(data));
    return pushed && { queued: pushed.kept, dropped: pushed.dropped.map((entry) => entry.data) };
  }
  drain(): OutgoingData[] {
    return this.queue.takeWhile().map((entry) => entry.data);
  }
}

test('byteLength counts UTF-8 bytes of text and the size of binary data', () => {
  expect(byteLength('abc')).toBe(3);
  expect(byteLength('é')).toBe(2); // U+00E9
  expect(byteLength('€')).toBe(3); // U+20AC
  expect(byteLength('😀')).toBe(4); // a surrogate pair
  expect(byteLength('a😀é€')).toBe(new TextEncoder().encode('a😀é€').length);
  expect(byteLength(new Uint8Array(7))).toBe(7);
  expect(byteLength(new ArrayBuffer(9))).toBe(9);
  expect(byteLength(new Blob(['12345']))).toBe(5);
});

test('keeps frames in order and drains them oldest first', () => {
  const queue = new SendQueue({ maxMessages: 10, maxBytes: 1000, overflow: 'drop-oldest' });
  for (const frame of ['a', 'b', 'c']) expect(queue.push(frame)).toEqual({ queued: true, dropped: [] });
  expect([queue.length, queue.bytes]).toEqual([3, 3]);
  expect(queue.drain()).toEqual(['a', 'b', 'c']);
  expect([queue.length, queue.bytes]).toEqual([0, 0]);
});

test('drop-oldest makes room by dropping the oldest frames, by count', () => {
  const queue = new SendQueue({ maxMessages: 3, maxBytes: 1000, overflow: 'drop-oldest' });
  for (const frame of ['1', '2', '3']) queue.push(frame);
  expect(queue.push('4')).toEqual({ queued: true, dropped: ['1'] });
  expect(queue.drain()).toEqual(['2', '3', '4']);
});

test('drop-oldest makes room by bytes, dropping as many as needed', () => {
  const queue = new SendQueue({ maxMessages: 100, maxBytes: 10, overflow: 'drop-oldest' });
  for (const frame of ['aaaa', 'bbbb']) queue.push(frame); // 8 bytes
  expect(queue.push('cccccc')).toEqual({ queued: true, dropped: ['aaaa'] }); // 4 + 6 = 10 fits
  expect(queue.push('dddddddd')).toEqual({ queued: true, dropped: ['bbbb', 'cccccc'] });
  expect(queue.bytes).toBe(8);
});

test('drop-newest keeps the queue and drops the frame being added', () => {
  const queue = new SendQueue({ maxMessages: 2, maxBytes: 1000, overflow: 'drop-newest' });
  queue.push('1');
  queue.push('2');
  expect(queue.push('3')).toEqual({ queued: false, dropped: ['3'] });
  expect(queue.drain()).toEqual(['1', '2']);
});

test('throw leaves the queue unchanged and tells the caller', () => {
  const queue = new SendQueue({ maxMessages: 1, maxBytes: 1000, overflow: 'throw' });
  queue.push('1');
  expect(queue.push('2')).toBeUndefined();
  expect(queue.drain()).toEqual(['1']);
});

test('a frame that can never fit is dropped itself, whatever the policy', () => {
  const queue = new SendQueue({ maxMessages: 10, maxBytes: 4, overflow: 'drop-oldest' });
  queue.push('ab');
  expect(queue.push('too long')).toEqual({ queued: false, dropped: ['too long'] });
  expect(queue.drain()).toEqual(['ab']); // the small frame was not sacrificed for nothing
  const none = new SendQueue({ maxMessages: 0, maxBytes: 1000, overflow: 'drop-oldest' });
  expect(none.push('x')).toEqual({ queued: false, dropped: ['x'] });
});

test('take() finds the oldest match, takeWhile() stops at the first miss, unshift() puts back in front', () => {
  const queue = new BoundedQueue<{ name: string; bytes: number }>({
    maxMessages: 10,
    maxBytes: 100,
    overflow: 'drop-oldest',
  });
  for (const [name, bytes] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
    ['d', 4],
  ] as const)
    queue.push({ name, bytes });
  expect(queue.take((entry) => entry.bytes > 1)?.name).toBe('b');
  expect(queue.take((entry) => entry.bytes > 9)).toBeUndefined();
  expect([queue.length, queue.bytes]).toEqual([3, 8]);
  expect(queue.takeWhile((entry) => entry.name !== 'd').map((entry) => entry.name)).toEqual(['a', 'c']);
  queue.unshift({ name: 'x', bytes: 5 }, { name: 'y', bytes: 6 }); // even past the limits
  expect(queue.entries.map((entry) => entry.name)).toEqual(['x', 'y', 'd']);
  expect(queue.bytes).toBe(15);
  expect(queue.take()?.name).toBe('x');
});

test('queued() copies binary data, so a buffer reused after send() changes nothing', () => {
  const buffer = new Uint8Array([1, 2, 3]);
  const entry = queued(buffer.subarray(1));
  buffer.fill(9);
  expect([...(entry.data as Uint8Array)]).toEqual([2, 3]);
  expect(entry.bytes).toBe(2);
  const text = queued('é');
  expect(text).toEqual({ data: 'é', bytes: 2 });
});
