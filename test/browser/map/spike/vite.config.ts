/** Builds the map spike page (test/browser/map.test.ts) into MAP_SPIKE_OUT. */
import { defineConfig } from 'vite';

export default defineConfig({
  root: __dirname,
  logLevel: 'warn',
  build: {
    outDir: process.env.MAP_SPIKE_OUT,
    emptyOutDir: true,
    target: 'es2022',
  },
});
