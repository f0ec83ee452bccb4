import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_URL, workerConfigFrom } from '../../src/workers/worker-config';

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
});
