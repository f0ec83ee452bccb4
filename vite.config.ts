import { defineConfig } from 'vite';
import { tfjsWasmPlugin } from './tools/build/tfjs-wasm-plugin';

// Cross-origin isolation lets tfjs use the threaded-SIMD wasm binary (SharedArrayBuffer).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [tfjsWasmPlugin()],
  server: { headers: isolationHeaders },
  preview: { headers: isolationHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
});
