/**
 * The part of Playwright's page API that our browser specs rely on behaves the same in every engine: in
 * Chromium and Firefox this is Playwright's own page, in WebKit the WebDriver page of test/webdriver/. If
 * these pass in all three, a spec written against this subset means the same thing in each.
 */
import { errors } from '@playwright/test';
import { expect, test } from '../fixture/test.js';

declare global {
  interface Window {
    initLog?: unknown[];
    kept?: { count: number };
  }
}

test.beforeEach(async ({ page, server }) => {
  await page.goto(`${server.httpUrl}/blank.html`);
});

test('evaluate: values cross both ways as Playwright serialises them', async ({ page }) => {
  const values = {
    missing: undefined,
    nothing: null,
    nan: Number.NaN,
    negativeZero: -0,
    infinite: Number.NEGATIVE_INFINITY,
    big: 12345678901234567890n,
    date: new Date(Date.UTC(2026, 0, 2)),
    pattern: /a+b/gi,
    nested: { list: [1, 'two', undefined, { three: true }] },
  };
  const back = await page.evaluate(
    (values) => ({ ...values, types: Object.values(values).map((v) => typeof v) }),
    values,
  );
  expect(back).toEqual({
    ...values,
    types: ['undefined', 'object', 'number', 'number', 'number', 'bigint', 'object', 'object', 'object'],
  });
  expect(Object.is(back.negativeZero, -0)).toBe(true);
  expect(await page.evaluate(() => undefined)).toBeUndefined();
  expect(await page.evaluate(() => [undefined, null])).toEqual([undefined, null]);
  expect(await page.evaluate(async () => ({ later: await Promise.resolve(42) }))).toEqual({ later: 42 });
  expect(await page.evaluate('1 + 1')).toBe(2);
  const cyclic = await page.evaluate(() => {
    const node: { self?: unknown; name: string } = { name: 'loop' };
    node.self = node;
    return node;
  });
  expect(cyclic.self).toBe(cyclic);
});

test('evaluate: an exception in the page rejects the call with its message', async ({ page }) => {
  await expect(page.evaluate(() => JSON.parse('{nope'))).rejects.toThrow(/SyntaxError/);
  await expect(
    page.evaluate(async () => {
      throw new RangeError('out of range on purpose');
    }),
  ).rejects.toThrow('out of range on purpose');
});

test('handles: evaluateHandle keeps the object in the page; handles inside arguments are that object', async ({
  page,
}) => {
  const handle = await page.evaluateHandle(() => ({ count: 0 }));
  await handle.evaluate((kept) => {
    kept.count++;
  });
  expect(await handle.evaluate((kept, by: number) => (kept.count += by), 10)).toBe(11);
  expect(await page.evaluate(([kept, extra]) => kept.count + extra, [handle, 100] as const)).toBe(111);
  expect(await handle.jsonValue()).toEqual({ count: 11 });
});

test('waitForFunction: resolves once the condition holds; rejects with a TimeoutError when it never does', async ({
  page,
}) => {
  await page.evaluate(() => {
    setTimeout(() => {
      window.kept = { count: 1 };
    }, 200);
  });
  await page.waitForFunction(() => window.kept?.count === 1, undefined, { timeout: 5000, polling: 20 });
  const never = page.waitForFunction((n) => window.kept?.count === n, 2, { timeout: 300, polling: 20 });
  await expect(never).rejects.toThrow(errors.TimeoutError);
  await expect(never).rejects.toThrow(/Timeout 300ms exceeded/);
});

test('addInitScript: runs before the page’s own scripts, in every document loaded after it', async ({
  page,
  server,
}) => {
  await page.addInitScript((tag) => {
    window.initLog = [tag, (window as { RS?: unknown }).RS !== undefined];
  }, 'init');
  for (const build of ['esm', 'umd']) {
    await page.goto(`${server.httpUrl}/${build}.html`);
    await page.waitForFunction(() => document.documentElement.dataset.loaded !== undefined);
    // The library was not there yet when the init script ran, and is now.
    expect(await page.evaluate(() => [...(window.initLog ?? []), window.RS !== undefined])).toEqual([
      'init',
      false,
      true,
    ]);
  }
});

test('pageerror: an uncaught exception and an unhandled rejection are reported', async ({
  page,
  pageErrors,
}) => {
  await page.evaluate(() => {
    setTimeout(() => {
      throw new Error('thrown in a timer');
    }, 0);
    void Promise.reject(new Error('rejected and not handled'));
  });
  await expect.poll(() => pageErrors.length).toBe(2);
  expect(
    pageErrors
      .splice(0)
      .map((error) => error.message)
      .sort(),
  ).toEqual(['rejected and not handled', 'thrown in a timer']);
});

test('response: goto reports the document’s status', async ({ page, server }) => {
  const statuses: number[] = [];
  page.on('response', (response) => {
    if (response.url().endsWith('.html')) statuses.push(response.status());
  });
  expect((await page.goto(`${server.httpUrl}/esm.html`))?.status()).toBe(200);
  expect((await page.goto(`${server.httpUrl}/missing.html`))?.status()).toBe(404);
  expect(statuses).toEqual([200, 404]);
});

test('clock: a paused clock fires timers only when run; setSystemTime moves Date.now() and fires nothing', async ({
  page,
  server,
}) => {
  await page.clock.install({ time: 1_000_000 });
  await page.goto(`${server.httpUrl}/blank.html`);
  await page.clock.pauseAt(2_000_000);
  await page.evaluate(() => {
    window.initLog = [];
    setTimeout(() => window.initLog?.push(Date.now()), 1000);
  });
  await page.clock.runFor(999);
  expect(await page.evaluate(() => window.initLog)).toEqual([]);
  await page.clock.runFor(1);
  expect(await page.evaluate(() => window.initLog)).toEqual([2_001_000]);

  await page.evaluate(() => setTimeout(() => window.initLog?.push('late'), 1000));
  await page.clock.setSystemTime(5_000_000);
  expect(await page.evaluate(() => [Date.now(), window.initLog])).toEqual([5_000_000, [2_001_000]]);
  await page.clock.runFor(1000);
  expect(await page.evaluate(() => window.initLog)).toEqual([2_001_000, 'late']);
});

test('a second page from page.context() has a window of its own', async ({ page, server }) => {
  const other = await page.context().newPage();
  await other.goto(`${server.httpUrl}/blank.html`);
  await page.evaluate(() => {
    window.kept = { count: 1 };
  });
  expect(await other.evaluate(() => window.kept)).toBeUndefined();
  expect(await page.evaluate(() => window.kept)).toEqual({ count: 1 });
  await other.close();
});

test('screenshot: a PNG of the page', async ({ page }) => {
  const png = await page.screenshot();
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
});
