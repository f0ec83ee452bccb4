import { defineConfig } from 'vitest/config';

/** `npm run test:data`: the checks that need the full data sets in ../shared (or ROADCAM_SHARED). */
export default defineConfig({
  test: {
    include: ['test/full-data/**/*.test.ts'],
    globalSetup: ['test/full-data/require-shared.ts', 'test/helpers/temp-root.ts'],
    environment: 'node',
    testTimeout: 900_000,
    hookTimeout: 900_000,
    maxWorkers: 2,
  },
});
