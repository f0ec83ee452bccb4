/**
 * Where the page finds its model and the wasm binaries, for the field app's worker and the
 * lab's alike. One constant for the default model; a `?model=` URL parameter points the app at
 * another manifest (tests, a model builder trying a model), `?backend=threaded-simd|simd|plain|cpu`
 * forces a binary (benchmarks, diagnosis), `?threads=N` sets the threaded wasm build's thread count
 * (the app benchmark measures 1 and 2; without it tfjs picks, which is 1 on a 2-core machine).
 */
import type { BackendPreference, WorkerConfig } from './protocol';

/** The road-damage model (damage types, not-a-road); the pothole model stays beside it. */
export const DEFAULT_MODEL_URL = '/models/road-damage/manifest.json';
/** The first field model (pothole / good road), selectable with ?model=. */
export const POTHOLE_MODEL_URL = '/models/pothole/manifest.json';
export const WASM_PATH = '/wasm/';

const BACKENDS: BackendPreference[] = ['auto', 'threaded-simd', 'simd', 'plain', 'cpu'];
/** More threads than this only adds start-up time on any phone or laptop we know. */
export const MAX_WASM_THREADS = 16;

/** A whole number of threads from 1 to MAX_WASM_THREADS, or undefined (tfjs chooses). */
export function threadsFrom(text: string | null): number | undefined {
  if (text === null || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= MAX_WASM_THREADS ? n : undefined;
}

export function workerConfigFrom(location: { href: string; search: string }): WorkerConfig {
  const params = new URLSearchParams(location.search);
  const model = params.get('model');
  const backend = params.get('backend') as BackendPreference | null;
  const threads = threadsFrom(params.get('threads'));
  const base = new URL(import.meta.env.BASE_URL ?? '/', location.href);
  return {
    // Only same-origin models: the service worker caches them and isolation allows them.
    modelUrl: new URL(model && model.startsWith('/') ? model : DEFAULT_MODEL_URL, base).href,
    wasmUrl: new URL(WASM_PATH.replace(/^\//, ''), base).href,
    backend: backend && BACKENDS.includes(backend) ? backend : 'auto',
    ...(threads ? { threads } : {}),
  };
}

/**
 * The threads tfjs's threaded build starts by itself: half the cores (see allowThreads). With
 * one, the SIMD build does the same work and starts in ~60 ms instead of ~330 ms
 * (docs/BENCHMARKS.md, bench:app on 2 cores).
 */
export function defaultThreads(cores: number): number {
  return Math.max(1, Math.floor(cores / 2));
}

/** What `auto` becomes: SIMD when the threaded build would run a single thread. */
export function resolvePreference(
  preference: BackendPreference,
  threads: number | undefined,
  cores: number,
): BackendPreference {
  if (preference !== 'auto' || threads) return preference;
  return defaultThreads(cores) > 1 ? 'threaded-simd' : 'simd';
}
