// Benchmarks, not tests: `npm run bench`. Serial (one worker) so measurements do not compete for the
// machine's two cores; each *.bench.ts records its figures, and report.ts prints one table at the end.
import { defineConfig } from '@playwright/test';
import { FIREFOX_PREFS, projectUse } from '../scripts/browsers.mjs';

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
    { name: 'chromium', use: projectUse('chromium') },
    { name: 'firefox', use: projectUse('firefox', FIREFOX_PREFS) },
  ],
});
