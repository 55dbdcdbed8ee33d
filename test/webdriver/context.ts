/**
 * Pages for the webkit project. Each Playwright worker owns one WebKit browser (WebKitWorker), reset for every
 * test: the test's page is its window, back on about:blank. A test's `page.context().newPage()` starts a
 * browser of its own for the extra page (a driver serves one session), stopped when the test ends.
 */
import type { Page } from '@playwright/test';
import { WebDriverPage } from './page.js';
import { withUnsupported } from './unsupported.js';
import { WebKitBrowser } from './webkit-browser.js';

/** The worker's browser: launched on first use, relaunched if it stopped answering. */
export class WebKitWorker {
  #browser: WebKitBrowser | undefined;

  /** The worker's browser on about:blank, ready for a new test. */
  async freshBrowser(): Promise<WebKitBrowser> {
    if (this.#browser) {
      try {
        await this.#browser.session.navigate('about:blank');
        return this.#browser;
      } catch {
        // It crashed or hangs: start over.
        await this.#browser.close();
      }
    }
    this.#browser = await WebKitBrowser.launch();
    return this.#browser;
  }

  close(): Promise<void> {
    return this.#browser?.close() ?? Promise.resolve();
  }
}

/** A test's pages: Playwright's BrowserContext, the part of it specs use. */
export class WebDriverContext {
  /** Each page, with the guarded stand-in handed out for it (so `pages()` returns the same objects). */
  readonly #pages: Array<{ page: WebDriverPage; guarded: Page }> = [];
  #closed = false;

  /** The test's page, on the worker's browser (left open for the next test when the page closes). */
  async mainPage(worker: WebKitWorker): Promise<Page> {
    const browser = await worker.freshBrowser();
    return this.#adopt(
      new WebDriverPage(browser.session, this.#self(), async () => {
        // What one test leaves, the next must not see. Storage and cache are per origin, and every test's
        // servers have ports of their own; cookies are per host (127.0.0.1 for all), so they go. Leaving the
        // page closes its sockets before the test's servers stop.
        await browser.session.command('DELETE', '/cookie').catch(() => {});
        await browser.session.navigate('about:blank').catch(() => {});
      }),
    );
  }

  /** Another page, in a browser of its own. */
  async newPage(): Promise<Page> {
    if (this.#closed)
      throw new Error('browserContext.newPage: Target page, context or browser has been closed');
    const browser = await WebKitBrowser.launch();
    return this.#adopt(new WebDriverPage(browser.session, this.#self(), () => browser.close()));
  }

  pages(): Page[] {
    return this.#pages.filter(({ page }) => !page.isClosed()).map(({ guarded }) => guarded);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#pages.map(({ page }) => page.close()));
  }

  #adopt(page: WebDriverPage): Page {
    const guarded = withUnsupported(page, 'page') as unknown as Page;
    this.#pages.push({ page, guarded });
    return guarded;
  }

  #self(): WebDriverContext {
    return withUnsupported(this, 'browserContext');
  }
}
