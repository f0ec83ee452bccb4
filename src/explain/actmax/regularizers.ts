/**
 * Regularisers: penalties on the optimised images (0..1, before any modifier), one value per
 * image, subtracted from the objective with their weight. Total variation discourages
 * pixel-to-pixel noise; L2 keeps colours from saturating.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExplainError } from '../errors';

export interface Regularizer {
  readonly name: string;
  readonly weight: number;
  /** Unweighted penalty per image: [N]. */
  penalty(images: tf.Tensor4D): tf.Tensor1D;
}

function checkWeight(weight: number, what: string): void {
  if (!Number.isFinite(weight) || weight < 0) {
    throw new ExplainError(
      'bad-argument',
      `The ${what} weight must be a number of at least 0; got ${weight}.`,
    );
  }
}

/**
 * Mean absolute difference between neighbouring pixels, across and down, per image (0 for a flat
 * image, about 0.67 for uniform noise in 0..1). Also the measure of smoothness the tests use.
 */
export function totalVariationPerImage(images: tf.Tensor4D): tf.Tensor1D {
  return tf.tidy(() => {
    const [, h, w] = images.shape;
    const parts: tf.Tensor1D[] = [];
    if (w > 1) {
      const across = tf.sub(
        tf.slice(images, [0, 0, 1, 0], [-1, -1, w - 1, -1]),
        tf.slice(images, [0, 0, 0, 0], [-1, -1, w - 1, -1]),
      );
      parts.push(tf.mean(tf.abs(across), [1, 2, 3]) as tf.Tensor1D);
    }
    if (h > 1) {
      const down = tf.sub(
        tf.slice(images, [0, 1, 0, 0], [-1, h - 1, -1, -1]),
        tf.slice(images, [0, 0, 0, 0], [-1, h - 1, -1, -1]),
      );
      parts.push(tf.mean(tf.abs(down), [1, 2, 3]) as tf.Tensor1D);
    }
    if (parts.length === 0) return tf.zeros([images.shape[0]]) as tf.Tensor1D;
    return (parts.length === 1 ? parts[0] : tf.add(parts[0], parts[1])) as tf.Tensor1D;
  });
}

/** Total variation (anisotropic, mean absolute neighbour difference). */
export function totalVariation(weight: number): Regularizer {
  checkWeight(weight, 'total variation');
  return { name: 'total variation', weight, penalty: totalVariationPerImage };
}

/** Mean squared distance of the pixels from mid-grey. */
export function l2(weight: number): Regularizer {
  checkWeight(weight, 'L2');
  return {
    name: 'L2',
    weight,
    penalty: (images) =>
      tf.tidy(() => tf.mean(tf.square(tf.sub(images, 0.5)), [1, 2, 3]) as tf.Tensor1D),
  };
}
