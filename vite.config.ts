import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';
import { appPageHeaders, crossOriginIsolationHeaders } from './server/security-headers';
import { bundledManifestsPlugin } from './tools/build/bundled-manifests-plugin';
import { tfjsWasmPlugin } from './tools/build/tfjs-wasm-plugin';

/** The largest file the service worker precaches (the default models, the wasm binaries). */
const MAX_PRECACHE_FILE_BYTES = 30 * 1024 * 1024;

/**
 * ROADCAM_EXTRA_MODELS=<dir> adds that folder's models to the build under /test-models/ (and so
 * to the precache). The browser tests use it for the small models they make, so that nothing
 * fake is ever committed under public/models.
 */
function extraModelsPlugin(dir: string | undefined): Plugin {
  return {
    name: 'roadcam:extra-models',
    apply: 'build',
    generateBundle() {
      if (!dir) return;
      const walk = (from: string): string[] =>
        readdirSync(from).flatMap((name) => {
          const full = path.join(from, name);
          return statSync(full).isDirectory() ? walk(full) : [full];
        });
      for (const file of walk(dir)) {
        this.emitFile({
          type: 'asset',
          fileName: path.posix.join(
            'test-models',
            path.relative(dir, file).split(path.sep).join('/'),
          ),
          source: readFileSync(file),
        });
      }
    },
  };
}

export default defineConfig({
  plugins: [
    tfjsWasmPlugin(),
    // The dev server serves the workers' modules through these plugins (the build bundles the
    // workers apart, with `worker.plugins` below).
    bundledManifestsPlugin(),
    extraModelsPlugin(process.env.ROADCAM_EXTRA_MODELS),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/sw',
      filename: 'sw.ts',
      // The page registers the worker itself (src/app/sw-update.ts) to drive the update prompt.
      injectRegister: false,
      registerType: 'prompt',
      // The manifest's icons are matched by the glob below already.
      includeManifestIcons: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,wasm,bin,json,png,svg}'],
        // The training split lists the photos a model was trained on, and the reliability
        // diagram illustrates its card: for tools and readers, not phones.
        // The office's page is not the phones': it is never precached.
        globIgnores: [
          '**/split.json',
          '**/models/*/reliability.png',
          'office.html',
          'assets/office-*',
        ],
        maximumFileSizeToCacheInBytes: MAX_PRECACHE_FILE_BYTES,
      },
      manifest: {
        id: '/',
        name: 'RoadCAM road survey',
        short_name: 'RoadCAM',
        description:
          'Photograph a road: the phone says pothole or good road and shows why, with a heatmap. Works offline.',
        theme_color: '#1b2a3a',
        background_color: '#1b2a3a',
        display: 'standalone',
        orientation: 'portrait',
        start_url: '/',
        scope: '/',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          {
            src: '/icons/maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
    }),
  ],
  // Cross-origin isolation lets tfjs use the threaded-SIMD wasm binary (SharedArrayBuffer).
  // The dev server cannot take the CSP (Vite's HMR injects <style> elements); the preview of
  // the build gets exactly the headers the sync server sends with the app.
  // `npm run dev` beside `npm run server`: the sync API is proxied, so the app and its server
  // share one origin as they do in production.
  server: {
    headers: { ...crossOriginIsolationHeaders },
    proxy: { '/api': process.env.ROADCAM_SERVER_URL ?? 'http://127.0.0.1:8787' },
  },
  preview: { headers: { ...appPageHeaders } },
  // Workers are bundled apart, with their own plugins: the analysis worker reads the manifests.
  worker: { format: 'es', plugins: () => [bundledManifestsPlugin()] },
  build: {
    target: 'es2022',
    sourcemap: true,
    // Two entries: the field app, and the office's pages served by the sync server (src/office).
    rollupOptions: {
      input: {
        index: path.resolve(import.meta.dirname, 'index.html'),
        office: path.resolve(import.meta.dirname, 'office.html'),
      },
    },
  },
});
