import { defineConfig } from '@playwright/test';
import { FIREFOX_PREFS, projectUse } from './scripts/browsers.mjs';
import type { LibraryOptions } from './test/fixture/test.js';
import { webkitPage } from './test/webdriver/fixtures.js';

/**
 * Browser specs that do not run in WebKit, each with the reason (CONTRIBUTING.md, "Browsers for the tests", lists
 * them too). WebKit is driven over WebDriver (test/webdriver/), which offers a subset of Playwright's page.
 */
const NOT_IN_WEBKIT = [
  // Drives the demo through Playwright locators, typing and web-first assertions (expect(locator)…), which
  // the WebDriver page does not emulate; the faults it shows are covered in WebKit by the library's specs.
  'demo.spec.ts',
];

/** Browser specs that also run against the development build (see the `chromium-development` project). */
const DEVELOPMENT_SPECS = [
  'builds.spec.ts',
  'lifecycle.spec.ts',
  'graphql-ws.spec.ts',
  'react.spec.ts',
  'channels.spec.ts',
  'refused-credentials.spec.ts',
  'websocket.spec.ts',
];

// `browserPage` is a fixture (test/fixture/test.ts) set to a fixture function here, which Playwright allows for
// options; its type says so.
export default defineConfig<LibraryOptions & { browserPage: unknown }>({
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  // A bound on the whole run, so CI fails instead of hanging: a full run (Node with the fault-schedule batch,
  // Chromium, Firefox, WebKit and the development build) takes about 10 min on two shared cores.
  globalTimeout: 20 * 60_000,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  outputDir: 'test-results',
  projects: [
    // Node only: unit tests of pure modules, the socket in Node with `ws`, and the docs' code blocks (no browser).
    {
      name: 'node',
      testDir: 'test',
      testMatch: ['unit/**/*.spec.ts', 'node/**/*.spec.ts', 'docs/**/*.spec.ts', 'schedule/**/*.spec.ts'],
    },
    { name: 'chromium', testDir: 'test/browser', use: projectUse('chromium') },
    { name: 'firefox', testDir: 'test/browser', use: projectUse('firefox', FIREFOX_PREFS) },
    // WebKitGTK's MiniBrowser over WebDriver, one per worker: `browserPage` (test/fixture/test.ts) is the
    // fixture that makes the WebDriver page the tests' `page`.
    {
      name: 'webkit',
      testDir: 'test/browser',
      testIgnore: NOT_IN_WEBKIT,
      use: { browserName: 'webkit', browserPage: webkitPage },
    },
    // The development build (the `development` export condition, the unminified UMD file), which the fixture
    // serves under the production names: the specs that check what only it does (its messages and warnings:
    // builds, lifecycle, graphql-ws, react) and those whose paths go through its extra checks (channels,
    // refusals, the drop-in socket). The rest of the suite runs against the production build in three engines;
    // running all of it a fourth time took CI past 14 minutes (reconnect and queue alone: 2 more minutes).
    {
      name: 'chromium-development',
      testDir: 'test/browser',
      testMatch: DEVELOPMENT_SPECS,
      use: { ...projectUse('chromium'), libraryBuild: 'development' },
    },
  ],
});
