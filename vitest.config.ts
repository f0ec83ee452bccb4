import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Checks on the full data sets: `npm run test:data` (vitest.data.config.ts).
    exclude: [...configDefaults.exclude, 'test/full-data/**'],
    // npm test runs on a clone with no ../shared: reaching for it fails loudly (tools/lib/paths.ts).
    env: { ROADCAM_NO_SHARED: '1' },
    // One temporary folder per run, removed at its end (test/helpers/temp-root.ts).
    globalSetup: ['test/helpers/temp-root.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores here: more workers only make the wasm tests fight for them.
    maxWorkers: 2,
  },
});
