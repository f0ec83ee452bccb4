import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_URL, workerConfigFrom } from '../../src/model/worker-config';
import { parseRoute, routePath } from '../../src/app/router';

describe('routes', () => {
  it('round-trips every page, and sends unknown paths to the survey page', () => {
    const id = '0b6f3c1e-2a4d-4c5e-8f90-123456789abc';
    for (const route of [
      { name: 'survey' },
      { name: 'list' },
      { name: 'detail', id },
      { name: 'about' },
    ] as const) {
      expect(parseRoute(routePath(route))).toEqual(route);
    }
    expect(parseRoute('/surveys/../../etc')).toEqual({ name: 'survey' });
    expect(parseRoute('/nowhere')).toEqual({ name: 'survey' });
  });
});

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
