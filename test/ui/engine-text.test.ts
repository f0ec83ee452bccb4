import { describe, expect, it } from 'vitest';
import { engineText } from '../../src/ui/engine-text';
import type { EngineInfo } from '../../src/workers/protocol';

const wasm = (flavour: EngineInfo['flavour'], threads: number): EngineInfo => ({
  backend: 'wasm',
  flavour,
  threads,
  crossOriginIsolated: flavour === 'threaded-simd',
  startMs: 10,
});

describe('engineText', () => {
  it('says which wasm binary runs and on how many threads', () => {
    expect(engineText(wasm('threaded-simd', 2))).toBe('wasm (threaded-SIMD), 2 threads');
    expect(engineText(wasm('threaded-simd', 1))).toBe('wasm (threaded-SIMD), 1 thread');
    expect(engineText(wasm('simd', 1))).toBe('wasm (SIMD), 1 thread');
    expect(engineText(wasm('plain', 1))).toBe('wasm (plain), 1 thread');
  });

  it('says the cpu fallback is slow, and why it was needed', () => {
    const cpu: EngineInfo = { ...wasm('cpu', 1), backend: 'cpu' };
    expect(engineText(cpu)).toBe('cpu (slow fallback), 1 thread');
    expect(engineText({ ...cpu, fallbackReason: 'no WebAssembly' })).toBe(
      'cpu (slow fallback: no WebAssembly), 1 thread',
    );
  });

  it('says "starting…" until the engine runs', () => {
    expect(engineText(null)).toBe('starting…');
  });
});
