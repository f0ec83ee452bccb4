/**
 * Where the page finds its model and the wasm binaries, for the field app's worker and the
 * lab's alike. One constant for the default model; a `?model=` URL parameter points the app at
 * another manifest (tests, a model builder trying a model), `?backend=simd|plain|cpu` forces a
 * slower backend (benchmarks, diagnosis).
 */
import type { BackendPreference, WorkerConfig } from './protocol';

export const DEFAULT_MODEL_URL = '/models/pothole/manifest.json';
export const WASM_PATH = '/wasm/';

const BACKENDS: BackendPreference[] = ['auto', 'simd', 'plain', 'cpu'];

export function workerConfigFrom(location: { href: string; search: string }): WorkerConfig {
  const params = new URLSearchParams(location.search);
  const model = params.get('model');
  const backend = params.get('backend') as BackendPreference | null;
  const base = new URL(import.meta.env.BASE_URL ?? '/', location.href);
  return {
    // Only same-origin models: the service worker caches them and isolation allows them.
    modelUrl: new URL(model && model.startsWith('/') ? model : DEFAULT_MODEL_URL, base).href,
    wasmUrl: new URL(WASM_PATH.replace(/^\//, ''), base).href,
    backend: backend && BACKENDS.includes(backend) ? backend : 'auto',
  };
}
