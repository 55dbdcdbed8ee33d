/**
 * The webkit project's fixtures. `webkitWorker` is registered in test/fixture/test.ts (worker scope, started
 * only when a test of the webkit project asks for a page); {@link webkitPage} replaces Playwright's page
 * there through the `browserPage` option, set in playwright.config.ts, so Playwright never launches a
 * browser of its own for WebKit.
 */
import type { Page } from '@playwright/test';
import { WebDriverContext, WebKitWorker } from './context.js';
import { WebDriverPage } from './page.js';

/** Worker fixture: the worker's WebKit, started before its first test (not on that test's time), stopped with the worker. */
// biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixture's dependencies from this pattern.
export async function webkitWorker({}, use: (worker: WebKitWorker) => Promise<void>): Promise<void> {
  const worker = new WebKitWorker();
  await worker.freshBrowser();
  await use(worker);
  await worker.close();
}

/** The test's page: the worker's MiniBrowser window, reset; every page the test opened is closed after it. */
export async function webkitPage(
  { webkitWorker }: { webkitWorker: WebKitWorker },
  use: (page: Page) => Promise<void>,
): Promise<void> {
  const context = new WebDriverContext();
  await use(await context.mainPage(webkitWorker));
  await context.close();
}

/** WebDriver pages report page errors by polling: collects the last ones before a test checks them. */
export async function flushPageErrors(page: Page): Promise<void> {
  if (page instanceof WebDriverPage) await page.flushPageErrors();
}
