/**
 * Photos decoded once into memory (RGB bytes) and served as normalised model inputs, with
 * augmentation for training. Training photos are kept a little larger than the input, so random
 * crops keep detail; evaluation photos are decoded straight to the input size, as the app does.
 */
import type { Normalization } from '../../src/model/manifest';
import { normalizePixels } from '../../src/model/preprocess';
import {
  augmentBatch,
  boxAwareCrop,
  DEFAULT_AUGMENT,
  randomCropBoxes,
  type AugmentOptions,
  type BoxCropOptions,
  type NormalizedBox,
} from '../data/augment';
import { decodePhoto, mapLimit, type FitMode } from '../data/decode';
import type { Rng } from '../data/rng';
import { tf } from '../lib/tf-node';
import type { BoxMasks, LabelledExamples } from './train-loop';

export interface PhotoExamplesOptions {
  /** Model input side. */
  size: number;
  /** Side the photos are kept at (>= size when augmenting). */
  storedSize: number;
  fit: FitMode;
  normalization: Normalization;
  augment?: AugmentOptions;
  /** Box-aware crops for examples with boxes (see boxAwareCrop), with the two class indices. */
  boxCrops?: { options: BoxCropOptions; pothole: number; normal: number };
}

export class PhotoExamples implements LabelledExamples {
  readonly count: number;
  /** Training crops that cut every pothole out and were labelled good road (for the log). */
  negativeCrops = 0;

  private constructor(
    readonly pixels: Uint8Array,
    readonly labels: Int32Array,
    readonly options: PhotoExamplesOptions,
    /** Per example: pothole boxes as shares of the photo's width and height. */
    readonly boxes: (NormalizedBox[] | undefined)[],
  ) {
    this.count = labels.length;
  }

  static async load(
    files: readonly string[],
    labels: readonly number[],
    options: PhotoExamplesOptions,
    boxesInPixels: readonly (readonly (readonly number[])[] | undefined)[] = [],
  ): Promise<PhotoExamples> {
    const s = options.storedSize;
    const pixels = new Uint8Array(files.length * s * s * 3);
    const boxes: (NormalizedBox[] | undefined)[] = new Array(files.length);
    await mapLimit(files, 4, async (file, i) => {
      const photo = await decodePhoto(file, s, s, options.fit);
      pixels.set(photo.data, i * s * s * 3);
      const b = boxesInPixels[i];
      if (b?.length && options.fit === 'stretch') {
        const [w, h] = [photo.originalWidth, photo.originalHeight];
        boxes[i] = b.map(([x1, y1, x2, y2]) => [x1 / w, y1 / h, x2 / w, y2 / h]);
      }
    });
    return new PhotoExamples(pixels, Int32Array.from(labels), options, boxes);
  }

  trainingBatch(
    indices: readonly number[],
    rng: Rng,
    maskGrid?: number,
  ): { x: tf.Tensor4D; labels: number[]; masks?: BoxMasks } {
    const augment = this.options.augment ?? DEFAULT_AUGMENT;
    const crops = this.options.boxCrops;
    const labels: number[] = [];
    const masks: BoxMasks | undefined = maskGrid
      ? {
          grid: maskGrid,
          cells: new Float32Array(indices.length * maskGrid * maskGrid),
          present: new Array<boolean>(indices.length).fill(false),
        }
      : undefined;
    const cropBoxes = indices.map((idx, k) => {
      const boxes = this.boxes[idx];
      if (crops && boxes && this.labels[idx] === crops.pothole) {
        const c = boxAwareCrop(boxes, rng, augment, crops.options);
        if (!c.pothole) this.negativeCrops++;
        labels.push(c.pothole ? crops.pothole : crops.normal);
        if (masks && c.pothole) {
          masks.cells.set(boxCoverage(boxes, c.box, maskGrid!), k * maskGrid! * maskGrid!);
          masks.present[k] = true;
        }
        return c.box;
      }
      labels.push(this.labels[idx]);
      const box = randomCropBoxes(1, rng, augment)[0];
      if (masks && boxes && this.labels[idx] === crops?.pothole) {
        masks.cells.set(boxCoverage(boxes, box, maskGrid!), k * maskGrid! * maskGrid!);
        masks.present[k] = true;
      }
      return box;
    });
    const x = tf.tidy(() =>
      normalizePixels(
        augmentBatch(this.pixelsOf(indices), this.options.size, rng, augment, cropBoxes),
        this.options.normalization,
      ),
    );
    return { x, labels, ...(masks ? { masks } : {}) };
  }

  /** Raw pixels of these examples as [N, stored, stored, 3] float 0..255. */
  pixelsOf(indices: readonly number[]): tf.Tensor4D {
    const s = this.options.storedSize;
    const one = s * s * 3;
    const batch = new Float32Array(indices.length * one);
    indices.forEach((idx, i) =>
      batch.set(this.pixels.subarray(idx * one, (idx + 1) * one), i * one),
    );
    return tf.tensor4d(batch, [indices.length, s, s, 3]);
  }

  inputs(indices: readonly number[], rng?: Rng): tf.Tensor4D {
    const { size, storedSize, normalization } = this.options;
    return tf.tidy(() => {
      let x = this.pixelsOf(indices);
      if (rng) {
        x = augmentBatch(x, size, rng, this.options.augment ?? DEFAULT_AUGMENT);
      } else if (storedSize !== size) {
        x = tf.image.resizeBilinear(x, [size, size]);
      }
      return normalizePixels(x, normalization);
    });
  }
}

/**
 * Share of each cell of a grid x grid view of a crop that lies inside the union of the boxes
 * (sampled at 4x4 points a cell). `crop` is a cropAndResize box [y1, x1, y2, x2], mirrored
 * when x1 > x2; boxes are [x1, y1, x2, y2] shares of the photo.
 */
export function boxCoverage(
  boxes: readonly NormalizedBox[],
  crop: readonly number[],
  grid: number,
): Float32Array {
  const [cy1, cx1, cy2, cx2] = crop;
  const out = new Float32Array(grid * grid);
  const samples = 4;
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      let inside = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = (gx + (sx + 0.5) / samples) / grid;
          const v = (gy + (sy + 0.5) / samples) / grid;
          // The crop's (u, v) is the photo's point below (cx2 < cx1 mirrors it).
          const px = cx1 + u * (cx2 - cx1);
          const py = cy1 + v * (cy2 - cy1);
          if (boxes.some(([x1, y1, x2, y2]) => px >= x1 && px <= x2 && py >= y1 && py <= y2)) {
            inside++;
          }
        }
      }
      out[gy * grid + gx] = inside / (samples * samples);
    }
  }
  return out;
}
