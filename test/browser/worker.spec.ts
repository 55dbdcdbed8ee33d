/**
 * The socket in a dedicated Web Worker, in real browsers. A worker has no `window`: the network's `online` and
 * `offline` events fire on the worker's global scope (`self`), and `navigator.onLine` is the worker's own. While
 * offline, a retry waits for `online` instead of burning attempts, and `online` starts it at once; an open
 * socket probes its link on `online`.
 *
 * The network is taken away for real with `context.setOffline` (attempts fail). Playwright's emulation does not
 * fire `online`/`offline` inside workers (checked in Chromium 156 and Firefox 153: the page gets them, the
 * worker does not), so the test dispatches them on `self` as the browser does on a real network change; and
 * where the emulation does not reach the worker's `navigator.onLine` (Firefox), the worker stubs it.
 */
import type { Page } from '@playwright/test';
import type { FixtureServer } from '../fixture/fixture-server.js';
import { expect, test } from '../fixture/test.js';
import type { RecordedEvent } from './socket-probe.js';

declare global {
  interface Window {
    worker?: Worker;
    /** Everything the worker posted, in order. */
    fromWorker?: Array<Record<string, unknown>>;
  }
}

/** Starts test/pages/socket-worker.js in a fresh page and has it open a ReliableSocket to the fixture. */
async function startWorker(page: Page, server: FixtureServer, options: object): Promise<void> {
  await page.goto(`${server.httpUrl}/blank.html`);
  await page.evaluate(
    ({ url, options }) =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker('/socket-worker.js');
        window.worker = worker;
        window.fromWorker = [];
        worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
        worker.onmessage = ({ data }) => {
          window.fromWorker!.push(data);
          if (data.ready) {
            worker.postMessage({ command: 'connect', url, options });
            resolve();
          }
        };
      }),
    { url: server.wsUrl, options },
  );
}

/** Sends a command to the worker and resolves with the worker's answer, the first message with `key`. */
async function ask(page: Page, command: string, key: string, value?: unknown): Promise<unknown> {
  const before = await page.evaluate(() => window.fromWorker!.length);
  await page.evaluate(([command, value]) => window.worker!.postMessage({ command, value }), [command, value]);
  const answer = await page.waitForFunction(
    ([before, key]) => window.fromWorker!.slice(before).find((m) => key in m),
    [before, key] as const,
  );
  return ((await answer.jsonValue()) as Record<string, unknown>)[key];
}

/** The socket's events, as the worker reported them. */
const events = async (page: Page, name: RecordedEvent['name']): Promise<unknown[][]> =>
  page.evaluate(
    (name) => window.fromWorker!.filter((m) => m.event === name).map((m) => m.args as unknown[]),
    name,
  );

const waitForEvent = (page: Page, name: RecordedEvent['name'], count = 1) =>
  page.waitForFunction(
    ([name, count]) => window.fromWorker!.filter((m) => m.event === name).length >= count,
    [name, count] as const,
  );

/**
 * Takes the network away for real where the browser can (Playwright's network emulation; WebKit over WebDriver
 * has none), and makes sure the worker's `navigator.onLine` says so.
 */
async function setOffline(page: Page, offline: boolean): Promise<void> {
  if (test.info().project.name !== 'webkit') await page.context().setOffline(offline);
}

async function goOffline(page: Page): Promise<void> {
  await setOffline(page, true);
  if ((await ask(page, 'onLine', 'onLine')) !== false) await ask(page, 'stubOnLine', 'stubbed', false);
  expect(await ask(page, 'onLine', 'onLine')).toBe(false);
}

async function goOnline(page: Page): Promise<void> {
  await setOffline(page, false);
  if ((await ask(page, 'onLine', 'onLine')) !== true) await ask(page, 'stubOnLine', 'stubbed', true);
}

test('in a worker, retries wait while offline, and `online` on self starts one at once', async ({
  page,
  server,
}) => {
  await startWorker(page, server, {
    heartbeat: false,
    reconnect: { initialDelayMs: 200, factor: 1, jitter: 'none', stableAfterMs: 60_000 },
  });
  await waitForEvent(page, 'open');

  await goOffline(page);
  server.kill();
  await waitForEvent(page, 'reconnecting');
  expect(await events(page, 'reconnecting')).toEqual([[{ attempt: 1, delayMs: 200 }]]);

  await page.waitForTimeout(1500); // proving a negative: no attempt in 7 backoff periods
  expect(await events(page, 'reconnecting')).toHaveLength(1);
  expect((await events(page, 'state')).map(([change]) => (change as { to: string }).to)).toEqual([
    'open',
    'reconnecting',
  ]);
  expect(server.handshakes).toHaveLength(1);

  // The attempt starts inside the event's own task: the state right after dispatching it says so. (onLine
  // and the event change together, in one task of the worker: a retry that looks again after its delay must
  // not get there first.)
  expect(await ask(page, 'comeOnline', 'cameOnline')).toBe('connecting');
  await goOnline(page);
  await waitForEvent(page, 'open', 2);
  expect(server.handshakes).toHaveLength(2);
  expect(await ask(page, 'close', 'closed')).toMatch(/^clos/);
});

test('in a worker, an open socket probes its link at once on `online` (a ping long before the interval)', async ({
  page,
  server,
}) => {
  await startWorker(page, server, { heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 } });
  await waitForEvent(page, 'open');
  expect(await ask(page, 'dispatch', 'state', 'online')).toBe('open');
  await server.waitFor(() => server.received.some((f) => f.heartbeat), 'the probe ping', 5000);
  await waitForEvent(page, 'heartbeat');
  expect(await ask(page, 'close', 'closed')).toMatch(/^clos/);
});
