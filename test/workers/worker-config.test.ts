import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL_URL,
  MAX_WASM_THREADS,
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
});
