// The resend buffer (protocol v2, client side) in Node, as the bounded queue it is: acknowledged a few frames at
// a time, a large backlog is cut lazily (the array's front is cut only once what was taken is as long as the
// rest), so every other operation must see only what is still there, whether or not the cut has happened yet;
// and the ResendBuffer on top of it: only frames waiting for a connection are bounded; resume and restart.
import { expect, test } from '@playwright/test';
import { BoundedQueue } from '../../src/bounded-queue.js';
import type { SequencedFrame } from '../../src/protocol.js';
import { ResendBuffer, stamp, type Unacked, unacked } from '../../src/resend-buffer.js';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const frame = (n: number): SequencedFrame => ({ type: 'message', channel: 'c', data: n });
const numbers = (entries: readonly Unacked[]): unknown[] =>
  entries.map((entry) => (entry.frame as { data?: unknown }).data ?? entry.frame.type);
const acknowledge = (buffer: BoundedQueue<Unacked>, seq: number): Unacked[] =>
  buffer.takeWhile((entry) => entry.seq !== undefined && entry.seq <= seq);

/** A buffer holding frames 1…count, written with seqs 1…count. */
function written(count: number, maxMessages = count, maxBytes = 1e9): BoundedQueue<Unacked> {
  const buffer = new BoundedQueue<Unacked>({ maxMessages, maxBytes, overflow: 'drop-oldest' });
  for (let n = 1; n <= count; n++) {
    const entry = unacked(frame(n));
    buffer.push(entry);
    stamp(entry, n);
  }
  return buffer;
}

test('a large backlog acknowledged three frames at a time: each once, in order; the rest kept in order', () => {
  const buffer = written(1000);
  const acked: unknown[] = [];
  for (let seq = 3; seq <= 600; seq += 3) acked.push(...numbers(acknowledge(buffer, seq)));
  expect(acked).toEqual(range(1, 600));
  expect(buffer.length).toBe(400);
  expect(numbers(buffer.entries)).toEqual(range(601, 1000));
  expect(acknowledge(buffer, 600)).toEqual([]); // acknowledged again: nothing more
});

test('before the acknowledged part is cut off, nothing else sees it: length, overflow, take, takeWhile', () => {
  // 10 frames, 4 acknowledged: fewer than the rest, so they are still at the array's front.
  const buffer = written(10);
  expect(numbers(acknowledge(buffer, 4))).toEqual([1, 2, 3, 4]);
  expect(buffer.length).toBe(6);
  // Room for four more; the fifth drops the oldest unacknowledged frame, not an acknowledged one.
  for (const n of [11, 12, 13, 14]) expect(buffer.push(unacked(frame(n)))!.dropped).toEqual([]);
  expect(numbers(buffer.push(unacked(frame(15)))!.dropped)).toEqual([5]);
  expect(numbers(buffer.entries)).toEqual(range(6, 15));

  const other = written(10);
  acknowledge(other, 4);
  expect(other.take((entry) => entry.seq === 2)).toBeUndefined();
  expect(numbers([other.take((entry) => entry.seq === 7)!])).toEqual([7]);
  expect(numbers(other.takeWhile())).toEqual([5, 6, 8, 9, 10]);
  expect(other.length).toBe(0);
});

/** A ResendBuffer with frames 1…count written (seqs 1…count) and `waiting` more waiting. */
function resendBuffer(count: number, waiting: number[] = [], maxMessages = 1000): ResendBuffer {
  const buffer = new ResendBuffer({ maxMessages, maxBytes: 1e9, overflow: 'drop-oldest' });
  for (let n = 1; n <= count; n++) {
    const entry = unacked(frame(n));
    stamp(entry, n);
    buffer.written.push(entry);
  }
  for (const n of waiting) buffer.waiting.push(unacked(frame(n)));
  return buffer;
}

test('only frames waiting for a connection are bounded: written ones are never pushed out', () => {
  const buffer = resendBuffer(50, [], 2);
  expect(buffer.waiting.push(unacked(frame(51)))!.dropped).toEqual([]);
  expect(buffer.waiting.push(unacked(frame(52)))!.dropped).toEqual([]);
  expect(numbers(buffer.waiting.push(unacked(frame(53)))!.dropped)).toEqual([51]);
  expect(buffer.length).toBe(52);
  expect(numbers(buffer.acknowledge(50))).toEqual(range(1, 50));
});

test('withdraw: a frame never written is forgotten; a written one keeps its seq, marked withdrawn', () => {
  const buffer = resendBuffer(3, [4]);
  buffer.withdraw((f) => (f as { data?: unknown }).data === 4);
  buffer.withdraw((f) => (f as { data?: unknown }).data === 2);
  expect(numbers(buffer.entries())).toEqual([1, 2, 3]);
  expect(buffer.entries().map((entry) => entry.withdrawn)).toEqual([false, true, false]);
});

test('resumed: subscriptions never written are forgotten; written ones keep their seq as a no-op unsubscribe', () => {
  const buffer = resendBuffer(1);
  const subscribe = unacked({ type: 'subscribe', channel: 'c' });
  stamp(subscribe, 2);
  buffer.written.push(subscribe);
  buffer.waiting.push(unacked({ type: 'subscribe', channel: 'd' }));
  buffer.waiting.push(unacked(frame(3)));
  buffer.resumed();
  expect(buffer.entries().map((entry) => entry.text)).toEqual([
    '{"type":"message","channel":"c","data":1,"seq":1}',
    '{"type":"unsubscribe","channel":"c","seq":2}',
    '{"type":"message","channel":"c","data":3}',
  ]);
});

test('acknowledged frames free their bytes: what did not fit fits once they are acknowledged', () => {
  const size = written(1).entries[0]!.bytes; // every frame of 1…9 has the same size
  const buffer = written(9, 100, 9 * size);
  acknowledge(buffer, 2); // not cut off yet: 2 of 9
  const kept = buffer.push(unacked(frame(1))); // as large as frames 1…9
  expect(numbers(kept!.dropped)).toEqual([]);
  expect(buffer.length).toBe(8);
});

test('a lost session after a partial acknowledgement: earlier requests, then what was written, wait again as redelivered; what never went out is not flagged', () => {
  const buffer = resendBuffer(6, [7]);
  buffer.acknowledge(2);
  const request: SequencedFrame = { type: 'request', id: 1, channel: 'c', data: 'r' };
  buffer.restart([request]);
  expect(numbers(buffer.entries())).toEqual(['r', 3, 4, 5, 6, 7]);
  expect(buffer.entries().every((entry) => entry.seq === undefined)).toBe(true);
  expect(buffer.entries().map((entry) => entry.redelivered)).toEqual([true, true, true, true, true, false]);
  const first = buffer.waiting.take()!;
  stamp(first, 1);
  expect(first.text).toBe('{"type":"request","id":1,"channel":"c","data":"r","seq":1,"redelivered":true}');
});
