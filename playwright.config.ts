import { defineConfig } from '@playwright/test';
import { FIREFOX_PREFS, projectUse } from './scripts/browsers.mjs';

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
    { name: 'chromium', testDir: 'test/browser', use: projectUse('chromium') },
    { name: 'firefox', testDir: 'test/browser', use: projectUse('firefox', FIREFOX_PREFS) },
  ],
});
