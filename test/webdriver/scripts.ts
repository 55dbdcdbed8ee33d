/**
 * The scripts a WebDriver page runs in the browser (bodies of WebDriver "execute" functions), built from the
 * self-contained sources of the codec and the page runtime.
 */
import { createCodec } from './codec.js';
import { installRuntime, RUNTIME_KEY } from './page-runtime.js';

/** An expression that creates a fresh runtime in the current document. */
const NEW_RUNTIME = `(${installRuntime.toString()})(window, ${createCodec.toString()})`;

/** Keeps the runtime on `window` without making it an enumerable global the page would see in a loop. */
const KEEP_RUNTIME = `Object.defineProperty(window, '${RUNTIME_KEY}', { value: runtime, configurable: true });`;

/**
 * A path on the page's own server that we expect to run no script: the 404 page of a test server. Navigation
 * goes through it (see {@link LOAD}), so it must not be a real page.
 */
export const BLANK_PATH = '/__webdriver-page-blank__';

/**
 * execute/async, args `[request: CallRequest]`: runs one evaluation (setting up the runtime in a document that
 * has none yet, e.g. one the page navigated to by itself) and answers with its CallResult.
 */
export const CALL = `
const done = arguments[arguments.length - 1];
let runtime = window['${RUNTIME_KEY}'];
if (!runtime) {
  runtime = ${NEW_RUNTIME};
  ${KEEP_RUNTIME}
}
runtime.call(arguments[0]).then(done, (error) => done({ failed: String(error) }));`;

/** execute/sync: the page errors recorded since the last call (none if the document has no runtime). */
export const DRAIN_ERRORS = `
const runtime = window['${RUNTIME_KEY}'];
return runtime ? runtime.drainErrors() : [];`;

/** execute/sync, args `[ref: HandleRef]`: forgets a handle. */
export const DISPOSE = `
const runtime = window['${RUNTIME_KEY}'];
if (runtime && runtime.documentId === arguments[0].doc) runtime.dispose(arguments[0].id);`;

/**
 * execute/async in a blank document of the target's origin, args `[url, initScripts]`: loads the page so that
 * the init scripts run before any script of the page, as Playwright's `addInitScript()` does.
 *
 * WebDriver classic has no "run this script in every new document" (WebDriver BiDi has, and WebKitGTK's
 * WebDriver 2.50 does not offer BiDi), so the page is written into the blank document instead: fetch it,
 * take its URL (`history.replaceState`, same origin), `document.open()` (which keeps the window, its globals
 * included, and drops the blank document's listeners), set up the runtime and run the init scripts in that
 * window, then `document.write()` the page and wait for its load event. The page's scripts, classic and
 * module, run as they would after a navigation, in a window the init scripts have already prepared.
 */
export const LOAD = `
const [url, initScripts] = arguments;
const done = arguments[arguments.length - 1];
(async () => {
  const response = await fetch(url, { credentials: 'same-origin' });
  const html = await response.text();
  const finalUrl = new URL(response.url || url);
  if (finalUrl.origin !== location.origin) {
    throw new Error(url + ' redirected to another origin (' + finalUrl.href + '): not supported');
  }
  history.replaceState(null, '', finalUrl.href);
  document.open();
  const runtime = ${NEW_RUNTIME};
  ${KEEP_RUNTIME}
  for (const source of initScripts) {
    try {
      (0, eval)(source);
    } catch (error) {
      runtime.reportError(error);
    }
  }
  const loaded = new Promise((resolve) => window.addEventListener('load', resolve, { once: true }));
  document.write(html);
  document.close();
  await loaded;
  return {
    url: location.href,
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    errors: runtime.drainErrors(),
  };
})().then(done, (error) => done({ failed: String((error && error.message) || error) }));`;

/** What {@link LOAD} answers. */
export type LoadResult =
  | { failed: string }
  | {
      url: string;
      status: number;
      statusText: string;
      headers: Array<[string, string]>;
      errors: Array<{ name: string; message: string; stack: string }>;
    };
