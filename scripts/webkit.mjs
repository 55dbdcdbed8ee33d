// @ts-check
// Where WebKit comes from for the tests: WebKitGTK's WebDriver (`WebKitWebDriver`) driving its MiniBrowser,
// under a virtual X server (`xvfb-run`), as Debian's `webkit2gtk-driver` and `xvfb` packages install them.
// Playwright's own WebKit build cannot be downloaded on machines without general internet access, and
// Playwright cannot drive WebKitGTK's MiniBrowser, so test/webdriver/ drives it over W3C WebDriver instead.
// Used by test/webdriver/ (launching) and scripts/ensure-browsers.mjs (provisioning).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** The Debian packages that provide everything {@link findWebKit} looks for. */
export const WEBKIT_DEBIAN_PACKAGES = ['webkit2gtk-driver', 'xvfb'];

/**
 * @typedef {{ driver: string, miniBrowser: string, xvfbRun: string }} WebKit
 */

/** The first of `paths` that exists. @param {string[]} paths */
const first = (paths) => paths.find((candidate) => existsSync(candidate));

/** MiniBrowser ships inside libwebkit2gtk: Debian puts it under the multiarch directory, Fedora in libexec. */
function miniBrowserCandidates() {
  /** @type {string[]} */
  const libDirs = ['/usr/lib', '/usr/libexec'];
  try {
    for (const entry of readdirSync('/usr/lib', { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name.endsWith('-linux-gnu'))
        libDirs.push(path.join('/usr/lib', entry.name));
    }
  } catch {
    // No /usr/lib (not Linux): nothing to find.
  }
  return libDirs.flatMap((dir) =>
    ['webkit2gtk-4.1', 'webkitgtk-6.0'].map((api) => path.join(dir, api, 'MiniBrowser')),
  );
}

/**
 * Finds WebKitWebDriver, MiniBrowser and xvfb-run, or returns undefined when any is missing.
 * @returns {WebKit | undefined}
 */
export function findWebKit() {
  const driver = first(['/usr/bin/WebKitWebDriver', '/usr/local/bin/WebKitWebDriver']);
  const miniBrowser = first(miniBrowserCandidates());
  const xvfbRun = first(['/usr/bin/xvfb-run', '/usr/local/bin/xvfb-run']);
  return driver && miniBrowser && xvfbRun ? { driver, miniBrowser, xvfbRun } : undefined;
}
