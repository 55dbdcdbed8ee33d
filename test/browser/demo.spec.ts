// The live demo (demo/, what `npm start` serves), tested like the product: both pages (UMD and ESM builds) in
// both browsers, against the real demo server, with the real fault buttons. Each test starts its own demo
// server on a free port of 127.0.0.1 and saves a screenshot of the page as an artifact.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { startDemo } from '../../demo/server.mjs';
import { test as base, expect } from '../fixture/test.js';

declare global {
  interface Window {
    /** Every state the connection panel showed since {@link recordStates}, in order. */
    shownStates?: string[];
  }
}

type Demo = Awaited<ReturnType<typeof startDemo>>;

/** The demo page's heartbeat (demo/app.ts): a dead link is noticed within interval + timeout. */
const HEARTBEAT = { intervalMs: 5000, timeoutMs: 3000 };
const HALF_OPEN_MS = 10_000;
const DOWN_MS = 5000;

const BUILDS = [
  { build: 'umd', path: '/', label: 'UMD build' },
  { build: 'esm', path: '/esm.html', label: 'ESM build' },
] as const;

/** The fixture's test plus a demo server. The page depends on it, so the page closes first. */
const test = base.extend<{ demo: Demo }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
  demo: async ({}, use) => {
    const demo = await startDemo({ port: 0 });
    await use(demo);
    await demo.close();
  },
  page: async ({ page, demo }, use) => {
    void demo; // a dependency only: set up before the page, torn down after it
    await use(page);
  },
});

const state = (page: Page): Locator => page.locator('#socket-state');
const chatLine = (page: Page, text: string): Locator =>
  page.locator('#chat-history li').filter({ has: page.locator('.line-text', { hasText: text }) });
const logEntries = (page: Page, event: string): Locator =>
  page.locator(`#event-log li[data-event="${event}"]`);

async function openDemo(page: Page, demo: Demo, pagePath: string, label: string): Promise<void> {
  await page.goto(new URL(pagePath, demo.url).href);
  await expect(page.locator('.build strong')).toHaveText(label);
  await expect(state(page)).toHaveText('open');
}

/** Types a line into the chat form and presses Enter. */
async function say(page: Page, text: string): Promise<void> {
  const input = page.getByLabel('Message', { exact: true });
  await input.fill(text);
  await input.press('Enter');
}

/** Starts recording every state the panel shows (it shows each change synchronously, so none is missed). */
async function recordStates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const element = document.getElementById('socket-state');
    if (!element) throw new Error('no #socket-state');
    const shown: string[] = [];
    window.shownStates = shown;
    new MutationObserver(() => shown.push(element.textContent ?? '')).observe(element, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
}

const shownStates = (page: Page): Promise<string> =>
  page.evaluate(() => (window.shownStates ?? []).join(' → '));

/** Attaches a full-page screenshot to the report and writes it to test-results/<name>.png for a human. */
async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const body = await page.screenshot({ fullPage: true });
  await testInfo.attach('demo', { body, contentType: 'image/png' });
  await writeFile(path.join(testInfo.project.outputDir, `${name}.png`), body);
}

for (const { build, path: pagePath, label } of BUILDS) {
  test(`${build} build: a chat line, "kill", reconnecting, open again, another line; both in the history`, async ({
    page,
    demo,
  }, testInfo) => {
    await openDemo(page, demo, pagePath, label);
    const first = `first line from ${testInfo.project.name} (${build})`;
    const second = `second line from ${testInfo.project.name} (${build})`;

    await say(page, first);
    await expect(chatLine(page, first)).toHaveAttribute('data-status', 'delivered');

    await recordStates(page);
    await page.getByRole('button', { name: 'Kill all connections' }).click();
    await expect(page.locator('#fault-answer')).toContainText('Cut 1 connection without a close frame');
    await expect(logEntries(page, 'close').first()).toContainText('code 1006');
    await expect.poll(() => shownStates(page)).toMatch(/^reconnecting → (.+ → )?open$/);
    await expect(state(page)).toHaveText('open');

    await say(page, second);
    await expect(chatLine(page, second)).toHaveAttribute('data-status', 'delivered');
    await expect(page.locator('#chat-history li[data-status="delivered"] .line-text')).toHaveText([
      first,
      second,
    ]);
    await expect(page.locator('[data-stat="outage"]')).toHaveText(/^(\d+ ms|\d+\.\d s)$/);
    await saveScreenshot(page, testInfo, `demo-${testInfo.project.name}-${build}`);
  });
}

test('half-open: the heartbeat notices, a line typed meanwhile is queued, delivered after the window, and arrives once', async ({
  page,
  demo,
}, testInfo) => {
  test.setTimeout(40_000);
  const other = await page.context().newPage();
  await openDemo(other, demo, '/', 'UMD build');
  await openDemo(page, demo, '/', 'UMD build');
  await say(page, 'before the fault');
  await expect(chatLine(page, 'before the fault')).toHaveAttribute('data-status', 'delivered');

  await recordStates(page);
  const pressed = Date.now();
  await page.getByRole('button', { name: 'Half-open for 10 s' }).click();
  await expect(page.locator('#fault-answer')).toContainText('Froze 2 connections for 10 s');
  // The next ping goes out within one interval; no answer within the timeout and the link is declared dead.
  await expect(state(page)).not.toHaveText('open', {
    timeout: HEARTBEAT.intervalMs + HEARTBEAT.timeoutMs + 1000 - (Date.now() - pressed),
  });
  await expect(logEntries(page, 'close').first()).toContainText('heartbeat timeout');

  await say(page, 'typed during the fault');
  const queued = chatLine(page, 'typed during the fault');
  await expect(queued).toHaveAttribute('data-status', 'queued');
  await expect(queued.locator('.line-status')).toHaveText('queued');
  await expect(page.locator('[data-stat="unacked"]')).not.toHaveText('0');

  // New connections hang while the server is half-open: open again only once the window is over.
  await expect(state(page)).toHaveText('open', { timeout: HALF_OPEN_MS + 5000 });
  expect(Date.now() - pressed).toBeGreaterThanOrEqual(HALF_OPEN_MS);
  expect(await shownStates(page)).toMatch(/^reconnecting → .* → open$/);
  await expect(queued).toHaveAttribute('data-status', 'delivered');
  await expect(page.locator('[data-stat="unacked"]')).toHaveText('0');
  await expect(page.locator('#chat-history li[data-status="delivered"] .line-text')).toHaveText([
    'before the fault',
    'typed during the fault',
  ]);
  // The other page (frozen too) got the line once, after the window: replayed or live, never twice.
  await expect(other.locator('#chat-history .line-text')).toHaveText([
    'before the fault',
    'typed during the fault',
  ]);
  await saveScreenshot(page, testInfo, `demo-${testInfo.project.name}-half-open`);
});

test('restart and down: 1012 to the next instance with the history kept; failed attempts, then open', async ({
  page,
  demo,
}) => {
  test.setTimeout(40_000);
  await openDemo(page, demo, '/esm.html', 'ESM build');
  await say(page, 'kept across restarts');
  await expect(chatLine(page, 'kept across restarts')).toHaveAttribute('data-status', 'delivered');

  await recordStates(page);
  await page.getByRole('button', { name: 'Restart with 1012' }).click();
  await expect(logEntries(page, 'close').first()).toContainText('code 1012');
  await expect.poll(() => shownStates(page)).toMatch(/^reconnecting → (.+ → )?open$/);
  await page.reload();
  await expect(state(page)).toHaveText('open');
  await expect(chatLine(page, 'kept across restarts')).toHaveAttribute('data-status', 'delivered');

  await recordStates(page);
  await page.getByRole('button', { name: 'Down for 5 s' }).click();
  await expect(page.locator('#fault-answer')).toContainText('Down for 5 s');
  // While down, every attempt fails and the next one is scheduled: attempt 2 shows that one failed.
  await expect(logEntries(page, 'reconnecting').first()).toContainText(/attempt [2-9]/, { timeout: DOWN_MS });
  await expect(state(page)).toHaveText('open', { timeout: DOWN_MS + 8000 + 2000 });
  expect(await shownStates(page)).toMatch(/^reconnecting → connecting → reconnecting → .* → open$/);
});

test('the demo server serves the demo and nothing else, and takes faults only by POST from its own page', async ({
  demo,
}) => {
  const get = async (pathname: string): Promise<number> =>
    (await fetch(new URL(pathname, demo.url), { redirect: 'manual' })).status;
  for (const pathname of [
    '/',
    '/esm.html',
    '/style.css',
    '/build/app.js',
    '/dist/index.js',
    '/dist/reliable-socket.umd.min.js',
    '/vendor/eventemitter3.esm.js',
  ]) {
    expect(await get(pathname), pathname).toBe(200);
  }
  // URLs normalise `..` and `%2e%2e` segments away, so traversal goes out with an encoded slash, as an attacker
  // would send it.
  for (const pathname of [
    '/package.json',
    '/demo/server.mjs',
    '/dist/..%2fpackage.json',
    '/dist/..%2fnode_modules%2fws%2findex.js',
    '/build/..%2f..%2fnode_modules/ws/index.js',
    '/build/%2e%2e%2fserver.mjs',
    '/dist/index.d.ts',
    '/vendor/eventemitter3.umd.js',
    '/%E0%A4%A',
  ]) {
    expect(await get(pathname), pathname).toBe(404);
  }
  expect(await get('/api/fault/kill')).toBe(405);
  const post = (pathname: string, headers: Record<string, string> = {}) =>
    fetch(new URL(pathname, demo.url), { method: 'POST', headers });
  expect((await post('/api/fault/nope')).status).toBe(404);
  expect((await post('/api/fault/kill', { origin: 'https://evil.example' })).status).toBe(403);
  const kill = await post('/api/fault/kill', { origin: new URL(demo.url).origin });
  expect(kill.status).toBe(200);
  expect(await kill.json()).toMatchObject({ fault: 'kill', killed: 0 });
});
