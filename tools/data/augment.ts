/**
 * Training-time augmentation on a batch, in tfjs so it runs where the model runs: a random
 * crop of random area and aspect (resized to the model's input), a horizontal flip, and colour
 * jitter (brightness, contrast, saturation). Pixels stay in 0..255.
 */
import { tf } from '../lib/tf-node';
import type { Rng } from './rng';

export interface AugmentOptions {
  /** Smallest share of the photo's area a crop keeps. */
  minArea: number;
  /** Largest width:height (or height:width) ratio of a crop, relative to the photo. */
  maxAspect: number;
  flip: boolean;
  /** Each factor is drawn from [1 - x, 1 + x]. */
  brightness: number;
  contrast: number;
  saturation: number;
}

export const DEFAULT_AUGMENT: AugmentOptions = {
  minArea: 0.5,
  maxAspect: 4 / 3,
  flip: true,
  brightness: 0.25,
  contrast: 0.25,
  saturation: 0.3,
};

/**
 * Crops of pothole photos that have boxes. A positive crop keeps most of one box, so a crop
 * labelled "pothole" shows one; with probability `negativeRate` a crop that touches no box
 * (with a margin) is taken instead and labelled "normal": the same kind of photo, the same
 * road, no pothole. That tells the model the surroundings are not the evidence.
 */
export interface BoxCropOptions {
  negativeRate: number;
  /** Area range of a positive crop (it must keep `keepShare` of a box). */
  positiveArea: [number, number];
  keepShare: number;
  /** Area range and largest width:height (or height:width) of a negative crop. */
  negativeArea: [number, number];
  negativeMaxAspect: number;
  /** Margin around boxes, as a share of the photo's side, that a negative crop avoids. */
  margin: number;
}

export const DEFAULT_BOX_CROPS: BoxCropOptions = {
  negativeRate: 0.25,
  positiveArea: [0.3, 1],
  keepShare: 0.6,
  negativeArea: [0.1, 0.5],
  negativeMaxAspect: 2,
  margin: 0.03,
};

/** [x1, y1, x2, y2] as shares of the photo's width and height. */
export type NormalizedBox = [number, number, number, number];

function sampleCrop(rng: Rng, area: [number, number], maxAspect: number): NormalizedBox {
  const a = area[0] + (area[1] - area[0]) * rng();
  const aspect = Math.exp((rng() * 2 - 1) * Math.log(maxAspect));
  const w = Math.min(1, Math.sqrt(a * aspect));
  const h = Math.min(1, Math.sqrt(a / aspect));
  const x1 = (1 - w) * rng();
  const y1 = (1 - h) * rng();
  return [x1, y1, x1 + w, y1 + h];
}

function overlap(a: NormalizedBox, b: NormalizedBox): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * A crop for a pothole photo with boxes: { box: [y1, x1, y2, x2] for cropAndResize (mirrored
 * when flipped), pothole: whether it shows one }. Falls back to the whole photo (a pothole) when
 * no crop fits after a few tries.
 */
export function boxAwareCrop(
  boxes: readonly NormalizedBox[],
  rng: Rng,
  options: AugmentOptions = DEFAULT_AUGMENT,
  crops: BoxCropOptions = DEFAULT_BOX_CROPS,
): { box: number[]; pothole: boolean } {
  const flip = options.flip && rng() < 0.5;
  const toCropBox = ([x1, y1, x2, y2]: NormalizedBox) =>
    flip ? [y1, x2, y2, x1] : [y1, x1, y2, x2];
  if (rng() < crops.negativeRate) {
    const m = crops.margin;
    const grown = boxes.map(
      ([x1, y1, x2, y2]) => [x1 - m, y1 - m, x2 + m, y2 + m] as NormalizedBox,
    );
    // The room beside the boxes is often a band: try many sizes and places (cheap).
    for (let tries = 0; tries < 100; tries++) {
      const c = sampleCrop(rng, crops.negativeArea, crops.negativeMaxAspect);
      if (grown.every((b) => overlap(c, b) === 0)) return { box: toCropBox(c), pothole: false };
    }
  }
  for (let tries = 0; tries < 20; tries++) {
    const c = sampleCrop(rng, crops.positiveArea, options.maxAspect);
    const keeps = boxes.some((b) => {
      const area = (b[2] - b[0]) * (b[3] - b[1]);
      return area > 0 && overlap(c, b) >= crops.keepShare * area;
    });
    if (keeps) return { box: toCropBox(c), pothole: true };
  }
  return { box: toCropBox([0, 0, 1, 1]), pothole: true };
}

/** Normalised crop boxes [y1, x1, y2, x2]; x1 > x2 makes cropAndResize mirror the crop. */
export function randomCropBoxes(n: number, rng: Rng, options: AugmentOptions): number[][] {
  const boxes: number[][] = [];
  const logMax = Math.log(options.maxAspect);
  for (let i = 0; i < n; i++) {
    const area = options.minArea + (1 - options.minArea) * rng();
    const aspect = Math.exp((rng() * 2 - 1) * logMax);
    const w = Math.min(1, Math.sqrt(area * aspect));
    const h = Math.min(1, Math.sqrt(area / aspect));
    const x1 = (1 - w) * rng();
    const y1 = (1 - h) * rng();
    const flip = options.flip && rng() < 0.5;
    boxes.push(flip ? [y1, x1 + w, y1 + h, x1] : [y1, x1, y1 + h, x1 + w]);
  }
  return boxes;
}

/**
 * images: [N, H, W, 3] float 0..255 at any size; returns [N, size, size, 3] float 0..255.
 * `cropBoxes` (one [y1, x1, y2, x2] per image) replaces the random crops when given.
 */
export function augmentBatch(
  images: tf.Tensor4D,
  size: number,
  rng: Rng,
  options: AugmentOptions = DEFAULT_AUGMENT,
  cropBoxes?: number[][],
): tf.Tensor4D {
  const n = images.shape[0];
  const jitter = (x: number) => Array.from({ length: n }, () => 1 + (rng() * 2 - 1) * x);
  const boxes = cropBoxes ?? randomCropBoxes(n, rng, options);
  const brightness = jitter(options.brightness);
  const contrast = jitter(options.contrast);
  const saturation = jitter(options.saturation);
  return tf.tidy(() => {
    const boxIndices = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i),
      'int32',
    );
    let x: tf.Tensor4D = tf.image.cropAndResize(images, tf.tensor2d(boxes), boxIndices, [
      size,
      size,
    ]);
    const perExample = (v: number[]) => tf.tensor4d(v, [n, 1, 1, 1]);
    x = tf.mul(x, perExample(brightness));
    const mean = tf.mean(x, [1, 2, 3], true);
    x = tf.add(tf.mul(tf.sub(x, mean), perExample(contrast)), mean);
    const grey = tf.mean(x, 3, true);
    x = tf.add(tf.mul(tf.sub(x, grey), perExample(saturation)), grey);
    return tf.clipByValue(x, 0, 255);
  });
}
