/**
 * Held-out MNIST digits as PNG files, so that `roadcam explain` reads them as a user's photos:
 * the same `mnist` package split that trained public/models/mnist (tools/data/mnist.ts), test
 * part only.
 */
import path from 'node:path';
import sharp from 'sharp';
import { MNIST_SIDE, type MnistSet } from '../data/mnist';

/** The first digit of each class 0..9 in the set, in class order. */
export function firstOfEachDigit(set: MnistSet): { index: number; label: number }[] {
  const out: { index: number; label: number }[] = [];
  for (let digit = 0; digit <= 9; digit++) {
    const index = set.labels.indexOf(digit);
    if (index >= 0) out.push({ index, label: digit });
  }
  return out;
}

/** Writes digit `index` of the set as a 28x28 grey PNG (grey 0..1 -> 0..255). */
export async function writeDigitPng(set: MnistSet, index: number, file: string): Promise<void> {
  const pixels = MNIST_SIDE * MNIST_SIDE;
  if (!Number.isInteger(index) || index < 0 || index >= set.count) {
    throw new RangeError(`Digit ${index} does not exist: the set has ${set.count} digits.`);
  }
  const grey = Buffer.alloc(pixels);
  for (let p = 0; p < pixels; p++) {
    grey[p] = Math.round(Math.min(1, Math.max(0, set.images[index * pixels + p])) * 255);
  }
  await sharp(grey, { raw: { width: MNIST_SIDE, height: MNIST_SIDE, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(file);
}

/** Writes one digit of each class into `dir` as `digit-<label>.png`; returns the files. */
export async function writeDigitSamples(
  set: MnistSet,
  dir: string,
): Promise<{ file: string; label: number }[]> {
  const picked = firstOfEachDigit(set);
  return Promise.all(
    picked.map(async ({ index, label }) => {
      const file = path.join(dir, `digit-${label}.png`);
      await writeDigitPng(set, index, file);
      return { file, label };
    }),
  );
}
