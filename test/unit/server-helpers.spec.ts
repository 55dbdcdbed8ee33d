// The companion server's pure helpers: the token bucket behind `rateLimit`, the per-channel ordering of
// subscription frames, and the origin check.
import type { IncomingMessage } from 'node:http';
import { expect, test } from '@playwright/test';
import { KeyedQueue } from '../../src/server/keyed-queue.js';
import { isOrigin, isSameOrigin, originAllowed } from '../../src/server/origin.js';
import { TokenBucket } from '../../src/server/token-bucket.js';

test.describe('TokenBucket', () => {
  test('starts full, goes into debt, and waits until the debt is repaid at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now); // 10 per second: one every 100 ms
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(100); // one in debt
    expect(bucket.take()).toBe(200);
    now = 150;
    expect(bucket.waitMs()).toBe(50);
    now = 200;
    expect(bucket.waitMs()).toBe(0);
    now = 10_000; // refills to the burst, no further
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0, 100]);
  });
});

test.describe('KeyedQueue', () => {
  test('runs a step at once when its key is idle, synchronously when the step is', () => {
    const queue = new KeyedQueue(10, () => {});
    const ran: string[] = [];
    expect(queue.run('a', () => void ran.push('a1'))).toBe(true);
    expect(queue.run('a', () => void ran.push('a2'))).toBe(true);
    expect(ran).toEqual(['a1', 'a2']);
    expect(queue.busy).toBe(0);
  });

  test('steps behind an asynchronous one wait, per key; at most `max` wait', async () => {
    const tracked: Array<Promise<void>> = [];
    const queue = new KeyedQueue(2, (work) => tracked.push(work));
    const ran: string[] = [];
    let finish!: () => void;
    queue.run('a', () => new Promise<void>((resolve) => (finish = resolve)).then(() => void ran.push('a1')));
    expect(queue.run('a', () => void ran.push('a2'))).toBe(true);
    expect(queue.run('b', () => void ran.push('b1'))).toBe(true); // another key does not wait
    expect(queue.run('a', () => void ran.push('a3'))).toBe(true);
    expect(queue.run('a', () => void ran.push('a4'))).toBe(false); // two wait already
    expect(ran).toEqual(['b1']);
    expect([queue.busy, queue.has('a'), queue.has('b')]).toEqual([1, true, false]);
    finish();
    await Promise.all(tracked);
    expect(ran).toEqual(['b1', 'a1', 'a2', 'a3']);
    expect(queue.busy).toBe(0);
  });
});

test.describe('origins', () => {
  const request = (headers: Record<string, string>, url = '/') =>
    ({ headers, url }) as unknown as IncomingMessage;

  test('same origin: the Origin host and port are the Host header’s, the default port implied', () => {
    expect(isSameOrigin('https://app.example', 'app.example')).toBe(true);
    expect(isSameOrigin('https://app.example', 'app.example:443')).toBe(true);
    expect(isSameOrigin('http://app.example', 'APP.example:80')).toBe(true);
    expect(isSameOrigin('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true);
    expect(isSameOrigin('http://[::1]:8080', '[::1]:8080')).toBe(true);
    expect(isSameOrigin('http://app.example:8080', 'app.example')).toBe(false);
    expect(isSameOrigin('https://app.example.evil', 'app.example')).toBe(false);
    expect(isSameOrigin('null', 'app.example')).toBe(false);
    expect(isSameOrigin('https://app.example', undefined)).toBe(false);
  });

  test('originAllowed: no Origin, the own origin, a listed one, or what the function says', () => {
    expect(originAllowed(request({ host: 'a.example' }), [])).toBe(true);
    expect(originAllowed(request({ host: 'a.example', origin: 'https://a.example' }), [])).toBe(true);
    expect(originAllowed(request({ host: 'a.example', origin: 'https://b.example' }), [])).toBe(false);
    expect(
      originAllowed(request({ host: 'a.example', origin: 'https://b.example' }), ['https://b.example']),
    ).toBe(true);
    expect(originAllowed(request({ host: 'a.example', origin: 'https://b.example' }), () => true)).toBe(true);
    // Only `true` admits: a truthy value from an untyped function does not.
    expect(
      originAllowed(request({ host: 'a.example', origin: 'https://b.example' }), (() => 1) as never),
    ).toBe(false);
  });

  test('isOrigin: an origin as browsers serialise it', () => {
    for (const good of ['https://a.example', 'http://127.0.0.1:8080', 'null'])
      expect(isOrigin(good), good).toBe(true);
    for (const bad of ['https://a.example/', 'a.example', 'https://A.example', '', 1])
      expect(isOrigin(bad)).toBe(false);
  });
});
