import { defineConfig } from 'vitest/config';

/**
 * What starts processes (the Node server, scripts, workerd, Chromium, the Python validators, jing,
 * xmllint): `npm run test:e2e`. Everything else runs in process: `npm test`. A test file is in exactly
 * one of the two.
 */
const STARTS_PROCESSES = ['test/e2e/**/*.test.ts', 'test/workerd/**/*.test.ts', 'test/scripts/**/*.test.ts'];

export default defineConfig({
  test: {
    // Whole values in test names (`it.each` with `$path`), so no two cases read alike in the report.
    chaiConfig: { truncateThreshold: 0 },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: STARTS_PROCESSES,
          // One module graph per worker instead of one per file: importing the sources again for each
          // of some thirty files cost more than all their tests. Tests share no state through modules.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: STARTS_PROCESSES,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
