import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_URL,
  MAX_WASM_THREADS,
  resolvePreference,
  workerConfigFrom,
} from '../../src/workers/worker-config';

describe('worker config', () => {
  const at = (search: string) =>
    workerConfigFrom({ href: `https://roads.example/${search}`, search });

  it('uses the default model and wasm folder of the app', () => {
    expect(at('')).toEqual({
      modelUrl: `https://roads.example${DEFAULT_MODEL_URL}`,
      wasmUrl: 'https://roads.example/wasm/',
      backend: 'auto',
    });
  });

  it('takes another same-origin model and a forced backend from the URL, and nothing else', () => {
    expect(at('?model=/test-models/tiny/manifest.json&backend=simd')).toMatchObject({
      modelUrl: 'https://roads.example/test-models/tiny/manifest.json',
      backend: 'simd',
    });
    expect(at('?model=https://evil.example/m.json&backend=gpu')).toMatchObject({
      modelUrl: `https://roads.example${DEFAULT_MODEL_URL}`,
      backend: 'auto',
    });
  });

  it('takes the wasm thread count from ?threads=, a whole number from 1 to the maximum', () => {
    expect(at('?threads=2').threads).toBe(2);
    expect(at(`?threads=${MAX_WASM_THREADS}`).threads).toBe(MAX_WASM_THREADS);
    // Anything else leaves the choice to tfjs, as without the parameter.
    for (const bad of ['0', '-1', '1.5', 'two', '', `${MAX_WASM_THREADS + 1}`, '2e1']) {
      expect(at(`?threads=${bad}`)).not.toHaveProperty('threads');
    }
    expect(at('')).not.toHaveProperty('threads');
  });

  it('takes threaded-simd as a forced backend', () => {
    expect(at('?backend=threaded-simd').backend).toBe('threaded-simd');
  });

  it('auto runs SIMD where the threaded build would start one thread, threaded SIMD where more', () => {
    // tfjs's threaded build starts half the cores' threads.
    expect(resolvePreference('auto', undefined, 1)).toBe('simd');
    expect(resolvePreference('auto', undefined, 2)).toBe('simd');
    expect(resolvePreference('auto', undefined, 3)).toBe('simd');
    expect(resolvePreference('auto', undefined, 4)).toBe('threaded-simd');
    expect(resolvePreference('auto', undefined, 8)).toBe('threaded-simd');
    // Threads asked for by name, or a binary asked for, are what runs.
    expect(resolvePreference('auto', 1, 2)).toBe('auto');
    expect(resolvePreference('threaded-simd', undefined, 2)).toBe('threaded-simd');
    expect(resolvePreference('simd', undefined, 8)).toBe('simd');
  });
});
