// Benchmarks, not tests: `npm run bench`. Serial (one worker) so measurements do not compete for the
// machine's two cores; each *.bench.ts records its figures, and report.ts prints one table at the end.
import { defineConfig } from '@playwright/test';
import { FIREFOX_PREFS, projectUse } from '../scripts/browsers.mjs';

/** Benchmarks of the server side, run once in Node rather than in each browser. */
const NODE_ONLY = 'broker.bench.ts';

export default defineConfig({
  testDir: '.',
  testMatch: '*.bench.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 240_000,
  reporter: 'list',
  outputDir: 'results/playwright',
  globalSetup: './reset.ts',
  globalTeardown: './report.ts',
  projects: [
    { name: 'chromium', testIgnore: NODE_ONLY, use: projectUse('chromium') },
    { name: 'firefox', testIgnore: NODE_ONLY, use: projectUse('firefox', FIREFOX_PREFS) },
    // Server side, no browser: the brokers' fan-out across two nodes.
    { name: 'node', testMatch: NODE_ONLY },
  ],
});
