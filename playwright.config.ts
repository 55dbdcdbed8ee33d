import { defineConfig, type LaunchOptions } from '@playwright/test';
import { findBrowser } from './scripts/browsers.mjs';

/** Launch options for a browser; `npm test` runs scripts/ensure-browsers.mjs first, so it is there. */
function browser(name: 'chromium' | 'firefox', extra: LaunchOptions = {}) {
  const found = findBrowser(name);
  if (!found) throw new Error(`No ${name} found: run \`node scripts/ensure-browsers.mjs\` (npm test does).`);
  const { channel, ...launchOptions } = found.use ?? {};
  return {
    browserName: name,
    ...(channel ? { channel } : {}),
    launchOptions: { ...launchOptions, ...extra },
  };
}

export default defineConfig({
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  outputDir: 'test-results',
  projects: [
    // Node only: unit tests of pure modules, and the socket in Node with `ws` (no browser launched).
    { name: 'node', testDir: 'test', testMatch: ['unit/**/*.spec.ts', 'node/**/*.spec.ts'] },
    { name: 'chromium', testDir: 'test/browser', use: browser('chromium') },
    {
      name: 'firefox',
      testDir: 'test/browser',
      // Firefox holds back a reconnect to a host whose connection just failed, growing to 60 s
      // (network.websocket.delay-failed-reconnects); tests that count our own retries need it off.
      use: browser('firefox', { firefoxUserPrefs: { 'network.websocket.delay-failed-reconnects': false } }),
    },
  ],
});
