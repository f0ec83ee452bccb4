/**
 * Shared by the wasm-*.test.ts files: run the same computation on the cpu and the wasm backend
 * from identical input values and compare the results.
 */
import { expect } from 'vitest';
import { tf, useBackend, type NodeBackend } from '../../tools/lib/tf-node';
// tfjs-core's Node build registers no gradients; tfjs-layers' Node build registers them all.
import '@tensorflow/tfjs-layers';

export interface InputSpec {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

export interface BackendResults {
  cpu: Array<Float32Array | Int32Array>;
  wasm: Array<Float32Array | Int32Array>;
}

/**
 * Runs `compute` under 'cpu' then 'wasm' on tensors made from `inputs`, returns the output
 * values, and checks that no tensor outlives the computation on either backend.
 */
export async function onBothBackends(
  inputs: InputSpec[],
  compute: (...tensors: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<BackendResults> {
  const results: Partial<Record<NodeBackend, Array<Float32Array | Int32Array>>> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    const tensorsBefore = tf.memory().numTensors;
    const outputs = tf.tidy(() => {
      const tensors = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
      const out = compute(...tensors);
      return Array.isArray(out) ? out : [out];
    });
    results[backend] = await Promise.all(
      outputs.map((t) => t.data() as Promise<Float32Array | Int32Array>),
    );
    tf.dispose(outputs);
    expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensorsBefore);
  }
  return { cpu: results.cpu ?? [], wasm: results.wasm ?? [] };
}

/**
 * Asserts that two results agree to float32 accuracy: each element within 1e-4 of the expected
 * one, relative to the largest expected magnitude (summation orders differ between backends).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  relativeTolerance = 1e-4,
): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  expect(scale, `${what}: the expected result is all zeros, which proves nothing`).toBeGreaterThan(
    0,
  );
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= worst)) {
      worst = diff;
      worstAt = i;
    }
  }
  expect(
    worst,
    `${what}: element ${worstAt} is ${actual[worstAt]} on wasm, ${expected[worstAt]} on cpu (scale ${scale})`,
  ).toBeLessThanOrEqual(relativeTolerance * scale);
}

export type Fill = 'normal' | 'relu' | 'small-integers' | 'zeros' | 'negative' | 'specials';

/**
 * Deterministic test values (mulberry32 + Box-Muller): 'relu' has many exact zeros, and
 * 'small-integers' many exact ties, which is what max-pool gradients must get right; 'specials'
 * mixes in NaN and infinities.
 */
export function randomValues(shape: number[], seed: number, fill: Fill = 'normal'): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    switch (fill) {
      case 'normal':
        out[i] = normal();
        break;
      case 'relu':
        out[i] = Math.max(0, normal());
        break;
      case 'small-integers':
        out[i] = Math.floor(uniform() * 3);
        break;
      case 'zeros':
        out[i] = 0;
        break;
      case 'negative':
        out[i] = -Math.abs(normal()) - 0.5 * Math.floor(uniform() * 2);
        break;
      case 'specials': {
        const u = uniform();
        out[i] = u < 0.15 ? NaN : u < 0.3 ? -Infinity : u < 0.35 ? Infinity : normal();
        break;
      }
    }
  }
  return out;
}
