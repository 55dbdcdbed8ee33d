// @ts-check
// Where the test browsers come from. Two sources, in this order:
//  1. the system's: Debian's `chromium` and `firefox-esr` (apt-get), the only ones that install on machines
//     without general internet access;
//  2. Playwright's own downloads (`npx playwright install chromium firefox`), the usual on a laptop.
// Used by playwright.config.ts (launch options) and scripts/ensure-browsers.mjs (provisioning).
import { existsSync } from 'node:fs';
import { chromium, firefox } from '@playwright/test';

const SYSTEM = {
  chromium: { path: '/usr/bin/chromium', debianPackage: 'chromium' },
  firefox: { path: '/usr/bin/firefox-esr', debianPackage: 'firefox-esr' },
};

/** Chromium flags that keep it off the network it would otherwise probe (refused here, slow elsewhere). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * @typedef {'chromium' | 'firefox'} BrowserName
 * @typedef {{ source: 'system' | 'playwright', use: import('@playwright/test').LaunchOptions }} Found
 */

/**
 * Finds a browser, or returns undefined when neither source has it.
 * @param {BrowserName} name
 * @returns {Found | undefined}
 */
export function findBrowser(name) {
  const system = SYSTEM[name].path;
  if (existsSync(system)) {
    return name === 'chromium'
      ? { source: 'system', use: { executablePath: system, args: CHROMIUM_ARGS } }
      : // Debian's Firefox is driven over WebDriver BiDi, which the 'moz-firefox' channel selects.
        { source: 'system', use: { channel: 'moz-firefox', executablePath: system } };
  }
  const bundled = name === 'chromium' ? chromium.executablePath() : firefox.executablePath();
  if (existsSync(bundled))
    return { source: 'playwright', use: name === 'chromium' ? { args: CHROMIUM_ARGS } : {} };
  return undefined;
}

/** @param {BrowserName} name */
export function debianPackage(name) {
  return SYSTEM[name].debianPackage;
}

/**
 * Playwright `use` options for a project in this browser; throws with a fix when it is missing.
 * @param {BrowserName} name
 * @param {import('@playwright/test').LaunchOptions} [extra] merged into the launch options
 */
export function projectUse(name, extra = {}) {
  const found = findBrowser(name);
  if (!found) throw new Error(`No ${name} found: run \`node scripts/ensure-browsers.mjs\` (npm test does).`);
  const { channel, ...launchOptions } = found.use ?? {};
  return {
    browserName: name,
    ...(channel ? { channel } : {}),
    launchOptions: { ...launchOptions, ...extra },
  };
}

/**
 * Firefox holds back a reconnect to a host whose connection just failed, growing to 60 s
 * (network.websocket.delay-failed-reconnects); tests and benchmarks that count our own retries need it off.
 */
export const FIREFOX_PREFS = { firefoxUserPrefs: { 'network.websocket.delay-failed-reconnects': false } };
