import { defineConfig } from '@playwright/test';
import { FIREFOX_PREFS, projectUse } from './scripts/browsers.mjs';
import type { LibraryOptions } from './test/fixture/test.js';

export default defineConfig<LibraryOptions>({
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  // A bound on the whole run, so CI fails instead of hanging: a full run takes 3–6 min here with Chromium,
  // Firefox and Node on two shared cores; WebKit will add to it.
  globalTimeout: 12 * 60_000,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  outputDir: 'test-results',
  projects: [
    // Node only: unit tests of pure modules, and the socket in Node with `ws` (no browser launched).
    { name: 'node', testDir: 'test', testMatch: ['unit/**/*.spec.ts', 'node/**/*.spec.ts'] },
    { name: 'chromium', testDir: 'test/browser', use: projectUse('chromium') },
    { name: 'firefox', testDir: 'test/browser', use: projectUse('firefox', FIREFOX_PREFS) },
    // The browser suite once more against the development build (the `development` export condition, the
    // unminified UMD file), which the fixture serves under the production names. The demo serves its own files
    // and the fixture's spec loads no build: they run in the production projects only.
    {
      name: 'chromium-development',
      testDir: 'test/browser',
      testIgnore: ['demo.spec.ts', 'fixture.spec.ts'],
      use: { ...projectUse('chromium'), libraryBuild: 'development' },
    },
  ],
});
