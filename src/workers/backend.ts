/**
 * Starts tfjs in the worker: the wasm backend with the best binary the browser allows
 * (threaded SIMD when the page is cross-origin isolated, SIMD otherwise, plain wasm without
 * SIMD), the cpu backend only when wasm cannot start at all.
 */
import * as tf from '@tensorflow/tfjs-core';
// Gradients for Grad-CAM and activation maximization. tfjs-core's entry does not register them
// (tfjs-layers does, but it now loads only with a layers model).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmGradientKernels } from '../explain/kernels/wasm-gradients';
import type { BackendFlavour, BackendPreference, EngineInfo } from './protocol';
import { resolvePreference } from './worker-config';

const BINARY_FLAVOURS: [string, BackendFlavour][] = [
  ['tfjs-backend-wasm-threaded-simd.wasm', 'threaded-simd'],
  ['tfjs-backend-wasm-simd.wasm', 'simd'],
  ['tfjs-backend-wasm.wasm', 'plain'],
];

/** The binary actually fetched, from the worker's resource timing: evidence, not a guess. */
function fetchedFlavour(): BackendFlavour | null {
  const entries = performance.getEntriesByType('resource').map((e) => e.name);
  for (const [file, flavour] of BINARY_FLAVOURS) {
    if (entries.some((name) => name.endsWith('/' + file))) return flavour;
  }
  return null;
}

async function flagFlavour(): Promise<BackendFlavour> {
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  if (simd && threads) return 'threaded-simd';
  return simd ? 'simd' : 'plain';
}

/**
 * The threaded build caps the count given to setThreadsCount at half of
 * navigator.hardwareConcurrency, read by its wasm module as it starts (tfjs-backend-wasm 4.22:
 * on a 2-core machine ?threads=2 gave 1 thread). When more threads are asked for explicitly,
 * this worker's own navigator reports enough cores for them; nothing else reads it here, and
 * the page's navigator is untouched.
 */
function allowThreads(threads: number): void {
  const cores = self.navigator.hardwareConcurrency || 1;
  if (Math.floor(cores / 2) >= threads) return;
  try {
    Object.defineProperty(self.navigator, 'hardwareConcurrency', {
      configurable: true,
      get: () => threads * 2,
    });
  } catch {
    // A browser that refuses: the engine line then shows the threads that really run.
  }
}

export async function startBackend(
  wasmUrl: string,
  asked: BackendPreference,
  threads?: number,
): Promise<EngineInfo> {
  const started = performance.now();
  const preference = resolvePreference(asked, threads, self.navigator.hardwareConcurrency || 1);
  const isolated = self.crossOriginIsolated === true;
  let fallbackReason: string | undefined;
  if (preference !== 'cpu') {
    // The flags tfjs consults when it picks a binary; forcing them off picks a slower one.
    if (preference === 'simd' || preference === 'plain') {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
    if (preference === 'plain') tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
    setWasmPaths(wasmUrl);
    // Read once, when the threaded build starts its pool: it must be set before that.
    if (threads) {
      setThreadsCount(threads);
      allowThreads(threads);
    }
    registerWasmGradientKernels();
    try {
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return {
          backend: 'wasm',
          flavour: fetchedFlavour() ?? (await flagFlavour()),
          threads: getThreadsCount(),
          crossOriginIsolated: isolated,
          startMs: performance.now() - started,
        };
      }
      fallbackReason = 'the wasm backend did not start';
    } catch (error) {
      fallbackReason = `the wasm backend failed: ${String(error)}`;
    }
  } else {
    fallbackReason = 'cpu backend requested';
  }
  // The cpu backend's code loads only when it is needed: it is a large part of the worker.
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return {
    backend: 'cpu',
    flavour: 'cpu',
    threads: 1,
    crossOriginIsolated: isolated,
    fallbackReason,
    startMs: performance.now() - started,
  };
}
