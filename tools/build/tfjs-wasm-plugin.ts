import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Plugin } from 'vite';

/** The three binaries tfjs-backend-wasm chooses between at run time. */
export const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

export function tfjsWasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
}

/** Copies the binaries into public/wasm so that dev, build and the service worker's precache
 * all see them, without committing a second copy. Skips files that are already up to date. */
export function copyTfjsWasm(publicDir: string): void {
  const from = tfjsWasmDir();
  const to = path.join(publicDir, 'wasm');
  mkdirSync(to, { recursive: true });
  for (const file of TFJS_WASM_FILES) {
    const src = path.join(from, file);
    const dst = path.join(to, file);
    if (!isUpToDate(src, dst)) copyFileSync(src, dst);
  }
}

function isUpToDate(src: string, dst: string): boolean {
  if (!existsSync(dst)) return false;
  const [a, b] = [statSync(src), statSync(dst)];
  return a.size === b.size && b.mtimeMs >= a.mtimeMs;
}

export function tfjsWasmPlugin(): Plugin {
  return {
    name: 'roadcam:tfjs-wasm',
    configResolved(config) {
      copyTfjsWasm(config.publicDir);
    },
  };
}
