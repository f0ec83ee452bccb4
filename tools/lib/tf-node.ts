/**
 * TensorFlow.js in Node for the tools and tests: tfjs-core with the wasm backend (SIMD binary,
 * single-threaded here) or the cpu backend for comparison. tfjs-node is not used: it downloads a
 * native binary at install time, which these machines cannot do.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node bundle registers no gradients; tfjs-layers registers them all on import.
import '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmGradientKernels } from '../../src/explain/kernels/wasm-gradients';

export type NodeBackend = 'wasm' | 'cpu';

let wasmPathsSet = false;

export async function useBackend(name: NodeBackend = 'wasm'): Promise<void> {
  if (name === 'wasm') {
    if (!wasmPathsSet) {
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
      setWasmPaths(path.join(dir, 'dist') + path.sep);
      wasmPathsSet = true;
    }
    registerWasmGradientKernels();
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`Could not start the tfjs '${name}' backend`);
  await tf.ready();
}

export { tf };
