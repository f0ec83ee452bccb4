import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
import { ExplainError } from '../errors';
import { assertScalarMap, type ScalarMap } from '../heatmap/scalar-map';

export type PerturbationMode = 'deletion' | 'insertion';

export interface PerturbationCurveOptions {
  /** The (already normalised) model input for one photo, [H, W, C]. */
  image: Tensor3D;
  /** The explanation at the image's size (upsample a CAM grid first). */
  map: ScalarMap;
  /** What "removed" pixels become, [H, W, C]: zeros, the mean colour, a blurred copy... */
  baseline: Tensor3D;
  mode: PerturbationMode;
  /** Number of steps from 0 to all pixels; the curve has steps + 1 points. Default 20. */
  steps?: number;
  /**
   * The caller's model and target: one score per image of the batch [N, H, W, C] -> [N], e.g.
   * the pothole probability. Tensors it returns are disposed here.
   */
  score: (batch: Tensor4D) => Tensor1D;
  /** Perturbed images scored per call. Default 8. */
  batchSize?: number;
  /** Stops between batches with ExplainError('cancelled'). */
  signal?: AbortSignal;
}

export interface PerturbationCurve {
  mode: PerturbationMode;
  /** Share of the pixels removed (deletion) or revealed (insertion) at each point, 0..1. */
  fractions: number[];
  scores: number[];
  /** Trapezoidal area under scores over fractions in [0, 1]. */
  areaUnderCurve: number;
}

/**
 * Pixels ordered by decreasing map value; ties keep row-major order, and NaN counts as -Infinity
 * so an undefined cell is perturbed last.
 */
export function pixelOrderByMap(map: ScalarMap): Int32Array {
  const { data } = map;
  const key = (i: number) => (Number.isNaN(data[i]) ? -Infinity : data[i]);
  const order = Array.from({ length: data.length }, (_, i) => i);
  order.sort((a, b) => key(b) - key(a) || a - b);
  return Int32Array.from(order);
}

/** Trapezoidal integral of y over x (x ascending). */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return area;
}

function badInput(message: string, detail: string): ExplainError {
  return new ExplainError('bad-input-shape', message, detail);
}

/**
 * Deletion and insertion curves (Petsiuk et al., RISE, 2018). Deletion replaces the most salient
 * pixels (by the map) with the baseline, step by step: a faithful map makes the score fall fast
 * (small area). Insertion starts from the baseline and reveals the most salient pixels first: a
 * faithful map makes the score rise fast (large area). At step k, round(k * H * W / steps) pixels
 * are changed, all channels of a pixel together. The score function is the caller's, so this
 * knows nothing of the model. Perturbed images are built and scored in batches; every tensor made
 * here is disposed, `image` and `baseline` stay the caller's.
 */
export async function perturbationCurve(
  options: PerturbationCurveOptions,
): Promise<PerturbationCurve> {
  const { image, map, baseline, mode, score, signal } = options;
  const steps = options.steps ?? 20;
  const batchSize = options.batchSize ?? 8;
  assertScalarMap(map);
  if (image.rank !== 3) {
    throw badInput(
      'The image must be one photo [height, width, channels].',
      `image.shape=${image.shape}`,
    );
  }
  const [height, width, channels] = image.shape;
  if (baseline.shape.join() !== image.shape.join()) {
    throw badInput(
      'The baseline image must have the same size as the image.',
      `image.shape=${image.shape}, baseline.shape=${baseline.shape}`,
    );
  }
  if (map.width !== width || map.height !== height) {
    throw badInput(
      `The heatmap (${map.width}x${map.height}) must be at the image's size (${width}x${height}).`,
      'upsample the CAM grid with upsampleBilinear before perturbationCurve',
    );
  }
  if (mode !== 'deletion' && mode !== 'insertion') {
    throw badInput(
      `Unknown perturbation mode "${String(mode)}".`,
      'mode must be deletion or insertion',
    );
  }
  if (!Number.isInteger(steps) || steps < 1 || !Number.isInteger(batchSize) || batchSize < 1) {
    throw badInput(
      'Steps and batch size must be whole numbers of at least 1.',
      `steps=${steps}, batchSize=${batchSize}`,
    );
  }

  const pixels = width * height;
  // rankOf[i]: position of pixel i in the order; pixel i is changed at step k when rankOf[i] < n_k.
  const rankOf = new Int32Array(pixels);
  pixelOrderByMap(map).forEach((pixel, rank) => (rankOf[pixel] = rank));
  const counts = Array.from({ length: steps + 1 }, (_, k) => Math.round((k * pixels) / steps));

  // Deletion moves from the image towards the baseline, insertion the other way.
  const [start, end] = mode === 'deletion' ? [image, baseline] : [baseline, image];
  const scores: number[] = [];
  for (let first = 0; first <= steps; first += batchSize) {
    if (signal?.aborted) {
      throw new ExplainError('cancelled', 'The evaluation was cancelled.', 'perturbationCurve');
    }
    const stepCounts = counts.slice(first, first + batchSize);
    const masks = new Float32Array(stepCounts.length * pixels);
    stepCounts.forEach((n, b) => {
      const offset = b * pixels;
      for (let i = 0; i < pixels; i++) if (rankOf[i] < n) masks[offset + i] = 1;
    });
    const batchScores = tf.tidy(() => {
      const mask = tf.tensor4d(masks, [stepCounts.length, height, width, 1]);
      // start * (1 - m) + end * m is exact for m in {0, 1}: changed pixels equal `end`.
      const batch = tf.add(tf.mul(start, tf.sub(1, mask)), tf.mul(end, mask)) as Tensor4D;
      const s = score(batch);
      if (s.rank !== 1 || s.shape[0] !== stepCounts.length) {
        throw badInput(
          'The score function must return one number per image of the batch.',
          `batch of ${stepCounts.length} (${height}x${width}x${channels}) gave scores of shape ${s.shape}`,
        );
      }
      return tf.cast(s, 'float32');
    });
    try {
      scores.push(...(await batchScores.data()));
    } finally {
      batchScores.dispose();
    }
  }
  const fractions = counts.map((n) => n / pixels);
  return { mode, fractions, scores, areaUnderCurve: trapezoidArea(fractions, scores) };
}
