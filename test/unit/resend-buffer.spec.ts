// The resend buffer (protocol v2, client side) in Node: acknowledged a few frames at a time, a large backlog
// is cut lazily (an array's front is cut only once the acknowledged part is as long as the rest), so every other
// operation must see only what is still unacknowledged, whether or not the cut has happened yet.
import { expect, test } from '@playwright/test';
import type { SequencedFrame } from '../../src/protocol.js';
import { ResendBuffer, type Unacked } from '../../src/resend-buffer.js';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const frame = (n: number): SequencedFrame => ({ type: 'message', channel: 'c', data: n });
const numbers = (entries: readonly Unacked[]): unknown[] =>
  entries.map((entry) => (entry.frame as { data?: unknown }).data ?? entry.frame.type);

/** A buffer holding frames 1…count, written with seqs 1…count. */
function written(count: number, maxMessages = count, maxBytes = 1e9): ResendBuffer {
  const buffer = new ResendBuffer(maxMessages, maxBytes, 'drop-oldest');
  for (let n = 1; n <= count; n++) buffer.stamp(buffer.push(frame(n))!.entry!, n);
  return buffer;
}

test('a large backlog acknowledged three frames at a time: each once, in order; the rest kept in order', () => {
  const buffer = written(1000);
  const acked: unknown[] = [];
  for (let seq = 3; seq <= 600; seq += 3) acked.push(...numbers(buffer.acknowledge(seq)));
  expect(acked).toEqual(range(1, 600));
  expect(buffer.length).toBe(400);
  expect(numbers(buffer.entries)).toEqual(range(601, 1000));
  expect(buffer.acknowledge(600)).toEqual([]); // acknowledged again: nothing more
});

test('before the acknowledged part is cut off, nothing else sees it: length, overflow, withdraw, pushFirst, clear', () => {
  // 10 frames, 4 acknowledged: fewer than the rest, so they are still at the array's front.
  const buffer = written(10);
  expect(numbers(buffer.acknowledge(4))).toEqual([1, 2, 3, 4]);
  expect(buffer.length).toBe(6);
  // Room for four more; the fifth drops the oldest unacknowledged frame, not an acknowledged one.
  for (const n of [11, 12, 13, 14]) expect(buffer.push(frame(n))!.dropped).toEqual([]);
  expect(numbers(buffer.push(frame(15))!.dropped)).toEqual([5]);
  expect(numbers(buffer.entries)).toEqual(range(6, 15));

  const other = written(10);
  other.acknowledge(4);
  expect(other.withdraw((entry) => entry.seq === 2)).toBeUndefined();
  expect(numbers([other.withdraw((entry) => entry.seq === 7)!])).toEqual([7]);
  other.pushFirst({ type: 'subscribe', channel: 'c' });
  expect(numbers(other.entries)).toEqual([5, 6, 8, 9, 10, 'subscribe']);
  expect(numbers(other.clear())).toEqual([5, 6, 8, 9, 10, 'subscribe']);
  expect(other.length).toBe(0);
});

test('acknowledged frames free their bytes: what did not fit fits once they are acknowledged', () => {
  const size = written(1).entries[0]!.bytes; // every frame of 1…9 has the same size
  const buffer = written(9, 100, 9 * size);
  buffer.acknowledge(2); // not cut off yet: 2 of 9
  const kept = buffer.push(frame(1)); // as large as frames 1…9 before their seqs
  expect(numbers(kept!.dropped)).toEqual([]);
  expect(buffer.length).toBe(8);
});

test('a lost session after a partial acknowledgement renumbers only what was not acknowledged', () => {
  const buffer = written(10);
  buffer.acknowledge(3);
  buffer.forgetSeqs([{ type: 'request', id: 1, channel: 'c', data: 'r' }]);
  expect(numbers(buffer.entries)).toEqual(['r', ...range(4, 10)]);
  expect(buffer.entries.every((entry) => entry.seq === undefined && entry.redelivered)).toBe(true);
});
