/**
 * The wasm Minimum / Maximum kernels (src/explain/kernels/scalar-min-max.ts) against the cpu
 * backend: the tensor-with-scalar case that tfjs-layers' ReLU6 calls (one SIMD pass), and the
 * cases it hands to the shipped kernel. Equal means bit for bit here, NaN and -0 included.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { scalarLoops } from '../../src/explain/kernels/scalar-min-max';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { onBothBackends } from './wasm-compare';

const SPECIAL = [NaN, -Infinity, Infinity, -1, -0, 0, 3, 5.999999, 6, 6.000001, 7, 1e30, -1e-30];

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = i < SPECIAL.length ? SPECIAL[i] : Math.sin(i * 12.9898 + seed) * 9;
  }
  return out;
}

function expectIdentical(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    // Object.is tells NaN from NaN-free values and -0 from +0.
    if (!Object.is(actual[i], expected[i])) {
      expect.fail(`${what}: element ${i} is ${actual[i]} on wasm, ${expected[i]} on cpu`);
    }
  }
}

describe('wasm Minimum / Maximum with a scalar, against cpu', () => {
  it('uses the SIMD loop on this backend', async () => {
    await useBackend('wasm');
    expect(scalarLoops(tf.backend())).not.toBeNull();
  });

  // Sizes around the 4-wide vector: tails of 0-3 elements, empty, and a MobileNet feature map.
  it.each([
    { shape: [13], scalar: [] as number[] },
    { shape: [1], scalar: [] },
    { shape: [0, 3], scalar: [] },
    { shape: [2, 3, 5, 7], scalar: [1] },
    { shape: [3], scalar: [1, 1] },
    { shape: [1, 80, 80, 16], scalar: [] },
  ])('shape $shape with a scalar of shape $scalar, both orders', async ({ shape, scalar }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const [op, constant] of [
      ['minimum', 6],
      ['maximum', 0],
      ['minimum', -0],
      ['maximum', NaN],
    ] as const) {
      const { cpu, wasm } = await onBothBackends(
        [
          { values: values(n, 1), shape },
          { values: Float32Array.of(constant), shape: scalar },
        ],
        (x, c) => [tf[op](x, c), tf[op](c, x)],
      );
      expectIdentical(wasm[0], cpu[0], `${op}(x, ${constant}) ${shape}`);
      expectIdentical(wasm[1], cpu[1], `${op}(${constant}, x) ${shape}`);
    }
  });

  it('broadcasts the shape as the op defines it', async () => {
    await useBackend('wasm');
    const [ones, half] = [tf.ones([3]), tf.tensor2d([[0.5]])];
    const y = tf.minimum(ones, half);
    expect(y.shape).toEqual([1, 3]);
    expect(Array.from(y.dataSync())).toEqual([0.5, 0.5, 0.5]);
    tf.dispose([ones, half, y]);
  });

  it('leaves two tensors, and int32, to the shipped kernel (same results as cpu)', async () => {
    const { cpu, wasm } = await onBothBackends(
      [
        { values: values(24, 2), shape: [4, 6] },
        { values: values(6, 3), shape: [6] },
        { values: Int32Array.from([5, -3, 9, 0]), shape: [4], dtype: 'int32' },
        { values: Int32Array.of(2), shape: [], dtype: 'int32' },
      ],
      (a, b, i, s) => [tf.minimum(a, b), tf.maximum(b, a), tf.minimum(i, s), tf.maximum(s, i)],
    );
    cpu.forEach((expected, k) => {
      // The shipped kernel's NaN handling is its own: compare where cpu has a number.
      const numbers = Array.from(expected).map((v, i) => (Number.isNaN(v) ? wasm[k][i] : v));
      expectIdentical(wasm[k], numbers, `case ${k}`);
    });
  });

  it("makes tfjs-layers' ReLU6 (minimum(6, relu(x))) and its gradient equal cpu's", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [9, 9, 2], filters: 3, kernelSize: 3, name: 'c' }),
        tfl.layers.activation({ activation: 'relu6' }),
      ],
    });
    model.getLayer('c').setWeights([tf.fill([3, 3, 2, 3], 0.7), tf.tensor1d([-2, 0, 2])]);
    const x = values(2 * 9 * 9 * 2, 4).map((v) => (Number.isFinite(v) ? v : 1));
    const { cpu, wasm } = await onBothBackends([{ values: x, shape: [2, 9, 9, 2] }], (input) => {
      const out = model.apply(input) as tf.Tensor;
      const grad = tf.grad((t: tf.Tensor) => tf.sum(model.apply(t) as tf.Tensor))(input);
      return [out, grad];
    });
    expect(Math.max(...cpu[0])).toBe(6); // the clamp is exercised
    for (let k = 0; k < 2; k++) {
      const scale = Math.max(...cpu[k].map(Math.abs));
      cpu[k].forEach((v, i) => expect(Math.abs(wasm[k][i] - v)).toBeLessThanOrEqual(1e-5 * scale));
    }
    model.dispose();
  });
});
