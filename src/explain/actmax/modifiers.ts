/**
 * Input modifiers: random, differentiable transformations applied to the images (0..1) before
 * the model sees them, a new draw every step ("transformation robustness", Lucid). An image that
 * excites a filter only at one exact pixel alignment is adversarial noise; one that survives
 * shifts, zooms and small rotations shows a feature. Every modifier keeps the image size, because
 * the model's input size is fixed. All images of a batch get the same draw, so a batched run
 * gives each image the same transformations as a run of its own.
 *
 * Jitter, scale and rotate are geometric: each draws an affine map, and consecutive geometric
 * modifiers are composed and sampled once (one gatherNd forward, one scatterNd backward), which
 * on wasm is several times faster than pad + slice + resize + rotate one after another.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ExplainError } from '../errors';
import { randomInt, randomUniform, type RandomSource } from './random';

/**
 * Where output pixel (y, x) reads the input: (a y + b x + c, d y + e x + f), in pixels.
 * Stored as [a, b, c, d, e, f].
 */
export type SourceMap = readonly [number, number, number, number, number, number];

export const IDENTITY_MAP: SourceMap = [1, 0, 0, 0, 1, 0];

export interface InputModifier {
  readonly name: string;
  /** Transformed images, same shape; differentiable with respect to `images`. */
  apply(images: tf.Tensor4D, random: RandomSource): tf.Tensor4D;
  /** Geometric modifiers: this step's map from output to input pixels (consumes the draw). */
  drawMap?(random: RandomSource, height: number, width: number): SourceMap;
}

/** Grey, the value the borders uncovered by a shift, a zoom-out or a rotation read (as Lucid). */
export const FILL = 0.5;

function checkNumber(value: number, what: string, min: number, max: number): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ExplainError(
      'bad-argument',
      `${what} must be between ${min} and ${max}; got ${value}.`,
    );
  }
}

/** `first` then `second`: the source map of applying `first`, then `second`, to an image. */
export function composeMaps(first: SourceMap, second: SourceMap): SourceMap {
  // second reads first's output at second(p); first's output there reads the input at first(.)
  const [a1, b1, c1, d1, e1, f1] = first;
  const [a2, b2, c2, d2, e2, f2] = second;
  return [
    a1 * a2 + b1 * d2,
    a1 * b2 + b1 * e2,
    a1 * c2 + b1 * f2 + c1,
    d1 * a2 + e1 * d2,
    d1 * b2 + e1 * e2,
    d1 * c2 + e1 * f2 + f1,
  ];
}

function isIdentity(map: SourceMap): boolean {
  return map.every((v, i) => Math.abs(v - IDENTITY_MAP[i]) < 1e-9);
}

/** A linear map about the image centre: source = centre + [[a, b], [d, e]] (p - centre). */
function aboutCentre(a: number, b: number, d: number, e: number, h: number, w: number): SourceMap {
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  return [a, b, cy - a * cy - b * cx, d, e, cx - d * cy - e * cx];
}

function geometric(name: string, drawMap: NonNullable<InputModifier['drawMap']>): InputModifier {
  return {
    name,
    drawMap,
    apply(images, random) {
      const [, h, w] = images.shape;
      return sampleAffine(images, drawMap(random, h, w));
    },
  };
}

/** Shifts the images by a whole number of pixels, up to `pixels` in x and in y. */
export function jitter(pixels: number): InputModifier {
  checkNumber(pixels, 'Jitter (pixels)', 0, 1000);
  const d = Math.round(pixels);
  return geometric(`jitter(${d})`, (random) => {
    const dy = randomInt(random, -d, d);
    const dx = randomInt(random, -d, d);
    return [1, 0, -dy, 0, 1, -dx];
  });
}

/** Zooms about the centre by a random factor in [min, max] (above 1 enlarges). */
export function randomScale(min: number, max: number): InputModifier {
  checkNumber(min, 'Smallest scale', 0.25, 4);
  checkNumber(max, 'Largest scale', min, 4);
  return geometric(`scale(${min}..${max})`, (random, h, w) => {
    const factor = randomUniform(random, min, max);
    return aboutCentre(1 / factor, 0, 0, 1 / factor, h, w);
  });
}

/** Rotates about the centre by a random angle in [-maxDegrees, maxDegrees]. */
export function randomRotate(maxDegrees: number): InputModifier {
  checkNumber(maxDegrees, 'Rotation (degrees)', 0, 180);
  return geometric(`rotate(±${maxDegrees}°)`, (random, h, w) => {
    const theta = (randomUniform(random, -maxDegrees, maxDegrees) * Math.PI) / 180;
    return rotationMap(theta, h, w);
  });
}

/** Rotation by `theta` radians (counter-clockwise as displayed, y pointing down). */
function rotationMap(theta: number, h: number, w: number): SourceMap {
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // The output at offset p from the centre reads the input at the inverse rotation of p.
  return aboutCentre(cos, sin, -sin, cos, h, w);
}

/** Rotates by `degrees` about the centre (bilinear, grey outside the image). */
export function rotateImages(images: tf.Tensor4D, degrees: number): tf.Tensor4D {
  const [, h, w] = images.shape;
  return sampleAffine(images, rotationMap((degrees * Math.PI) / 180, h, w));
}

/**
 * Applies the modifiers in order. Runs of geometric modifiers are composed into one map and
 * sampled once; the draws happen in the same order either way.
 */
export function applyModifiers(
  images: tf.Tensor4D,
  modifiers: readonly InputModifier[],
  random: RandomSource,
): tf.Tensor4D {
  const [, h, w] = images.shape;
  let out = images;
  let pending: SourceMap | null = null;
  const flush = () => {
    if (pending && !isIdentity(pending)) out = sampleAffine(out, pending);
    pending = null;
  };
  for (const modifier of modifiers) {
    if (modifier.drawMap) {
      const map = modifier.drawMap(random, h, w);
      pending = pending ? composeMaps(pending, map) : map;
    } else {
      flush();
      out = modifier.apply(out, random);
    }
  }
  flush();
  return out;
}

/**
 * Bilinear resampling: output (y, x) = input at map(y, x), grey (FILL) outside the image.
 * Forward: one gatherNd of the 4 neighbours; backward: its exact adjoint, one scatterNd that adds
 * each output's gradient into its 4 neighbours (scatterNd sums repeated indices). Pixels are rows
 * of [H W, N C], so both move whole rows: on wasm gatherNd takes 4 ms where gather takes 270 ms
 * for four 224 px images, and gather's automatic gradient needs UnsortedSegmentSum, which
 * tfjs-backend-wasm 4.22 lacks.
 */
export function sampleAffine(images: tf.Tensor4D, map: SourceMap): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  const [a, b, c0, d, e, f0] = map;
  const pixels = h * w;
  const indices = new Int32Array(4 * pixels);
  const weights = new Float32Array(4 * pixels);
  const fill = new Float32Array(pixels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sy = a * y + b * x + c0;
      const sx = d * y + e * x + f0;
      const y0 = Math.floor(sy);
      const x0 = Math.floor(sx);
      const fy = sy - y0;
      const fx = sx - x0;
      const p = y * w + x;
      // Layout [corner, pixel], so that the gathered rows reshape to [4, pixels, N C].
      for (let k = 0; k < 4; k++) {
        const cy = y0 + (k >> 1);
        const cx = x0 + (k & 1);
        const weight = (k >> 1 ? fy : 1 - fy) * (k & 1 ? fx : 1 - fx);
        if (cy >= 0 && cy < h && cx >= 0 && cx < w) {
          indices[k * pixels + p] = cy * w + cx;
          weights[k * pixels + p] = weight;
        } else {
          fill[p] += weight; // reads grey, passes no gradient
        }
      }
    }
  }
  const toRows = (t: tf.Tensor) => tf.reshape(tf.transpose(t, [1, 2, 0, 3]), [pixels, n * c]);
  const fromRows = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [h, w, n, c]), [2, 0, 1, 3]);
  return tf.tidy(() => {
    const index = tf.tensor2d(indices, [4 * pixels, 1], 'int32');
    const weight = tf.tensor3d(weights, [4, pixels, 1]);
    const grey = tf.tensor2d(
      fill.map((v) => v * FILL),
      [pixels, 1],
    );
    // The backward pass runs after this scope has ended: index and weight reach it through
    // `save`, which keeps copies until the gradient is computed.
    const resample = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([index, weight]);
      const corners = tf.reshape(tf.gatherND(toRows(x), index), [4, pixels, n * c]);
      const value = fromRows(tf.add(tf.sum(tf.mul(corners, weight), 0), grey));
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedIndex, savedWeight] = saved;
        const spread = tf.mul(tf.reshape(toRows(dy), [1, pixels, n * c]), savedWeight);
        const rows = tf.reshape(spread, [4 * pixels, n * c]);
        return fromRows(tf.scatterND(savedIndex, rows, [pixels, n * c]));
      };
      return { value, gradFunc };
    });
    return resample(images) as tf.Tensor4D;
  });
}
