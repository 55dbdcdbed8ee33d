import { defineConfig } from '@playwright/test';
import { findBrowser } from './scripts/browsers.mjs';

/** Launch options for a browser; `npm test` runs scripts/ensure-browsers.mjs first, so it is there. */
function browser(name: 'chromium' | 'firefox') {
  const found = findBrowser(name);
  if (!found) throw new Error(`No ${name} found: run \`node scripts/ensure-browsers.mjs\` (npm test does).`);
  const { channel, ...launchOptions } = found.use ?? {};
  return { browserName: name, ...(channel ? { channel } : {}), launchOptions };
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
    { name: 'node', testDir: 'test/unit' },
    { name: 'chromium', testDir: 'test/browser', use: browser('chromium') },
    { name: 'firefox', testDir: 'test/browser', use: browser('firefox') },
  ],
});
