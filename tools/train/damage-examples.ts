/**
 * Photos for a multi-label damage model: decoded once into memory (RGB bytes), each with what
 * its labels say about every output (present, absent or not known, with boxes), served as
 * augmented training batches whose targets follow the crop: a crop that keeps most of a box of
 * a type shows that type; one that misses every box of it (with a margin) does not; one that
 * cuts a box in part is not known, and the loss leaves that output alone.
 */
import type { Normalization } from '../../src/model/manifest';
import {
  augmentBatch,
  boxAwareCrop,
  DEFAULT_AUGMENT,
  randomCropBoxes,
  type AugmentOptions,
  type BoxCropOptions,
  type NormalizedBox,
} from '../data/augment';
import type { TypeLabel } from '../data/damage-labels';
import { decodePhoto, mapLimit } from '../data/decode';
import { pasteBox, pasteDonors, type PasteOptions } from '../data/paste-boxes';
import type { Rng } from '../data/rng';
import { tf } from '../lib/tf-node';
import { normalizePixels } from '../../src/model/preprocess';
import { boxCoverage } from './photo-examples';

export interface DamageExamplesOptions {
  /** Model input side. */
  size: number;
  /** Side the photos are kept at (>= size when augmenting). */
  storedSize: number;
  normalization: Normalization;
  augment?: AugmentOptions;
  /**
   * Box-aware crops of photos with boxes of the output `anchor` (the pothole): most keep one of
   * its boxes, `negativeRate` of them avoid them all (see boxAwareCrop). Undefined: plain
   * random crops for every photo.
   */
  boxCrops?: { options: BoxCropOptions; anchor: number };
  /**
   * Copy-paste of the output `anchor`'s boxes (the pothole) into photos known to be without
   * it (see pasteBox). Undefined: none.
   */
  paste?: { options: PasteOptions; anchor: number };
}

/** A training batch: inputs, targets and which targets are known, per output. */
export interface DamageBatch {
  x: tf.Tensor4D;
  /** [n * outputs] 0 / 1, row-major. */
  targets: Float32Array;
  /** [n * outputs] 1 where the target is known. */
  known: Float32Array;
  /**
   * Per output, where its boxes are in each crop at the CAM grid: [n * grid * grid] shares of
   * each cell inside a box, and which examples take part (the type is shown, with boxes).
   */
  masks?: { grid: number; cells: Float32Array[]; present: boolean[][] };
}

/** Share of a box's area inside a crop (both [x1, y1, x2, y2] shares of the photo). */
function keptShare(box: NormalizedBox, crop: NormalizedBox): number {
  const w = Math.min(box[2], crop[2]) - Math.max(box[0], crop[0]);
  const h = Math.min(box[3], crop[3]) - Math.max(box[1], crop[1]);
  const area = (box[2] - box[0]) * (box[3] - box[1]);
  return w > 0 && h > 0 && area > 0 ? (w * h) / area : 0;
}

/** cropAndResize's [y1, x1, y2, x2] (x1 > x2 when mirrored) as an [x1, y1, x2, y2] region. */
function cropRegion(c: readonly number[]): NormalizedBox {
  return [Math.min(c[1], c[3]), c[0], Math.max(c[1], c[3]), c[2]];
}

/**
 * What a crop shows of a type: 1 when it keeps `keepShare` of one of its boxes, 0 when it
 * overlaps none of them grown by `margin`, null (not known) in between. A type known without
 * boxes keeps its label (crops keep at least half the photo).
 */
export function cropLabel(
  label: { present: 0 | 1 | null; boxes: readonly NormalizedBox[] },
  crop: readonly number[],
  keepShare: number,
  margin: number,
): 0 | 1 | null {
  if (label.present !== 1 || label.boxes.length === 0) return label.present;
  const region = cropRegion(crop);
  if (label.boxes.some((b) => keptShare(b, region) >= keepShare)) return 1;
  const grown = label.boxes.map(
    ([x1, y1, x2, y2]) => [x1 - margin, y1 - margin, x2 + margin, y2 + margin] as NormalizedBox,
  );
  return grown.every((b) => keptShare(b, region) === 0) ? 0 : null;
}

export class DamageExamples {
  readonly count: number;
  readonly outputs: number;
  /** Training crops that cut every anchor box out (labelled without it), for the log. */
  negativeCrops = 0;
  /** Training examples that had a box pasted into them, for the log. */
  pastesMade = 0;
  private donors?: { example: number; box: NormalizedBox }[];

  private constructor(
    readonly pixels: Uint8Array,
    /** Per example, per output: present, absent or not known, boxes as shares of the photo. */
    readonly labels: { present: 0 | 1 | null; boxes: NormalizedBox[] }[][],
    readonly options: DamageExamplesOptions,
  ) {
    this.count = labels.length;
    this.outputs = labels[0]?.length ?? 0;
  }

  static async load(
    files: readonly string[],
    labels: readonly (readonly TypeLabel[])[],
    options: DamageExamplesOptions,
  ): Promise<DamageExamples> {
    const s = options.storedSize;
    const pixels = new Uint8Array(files.length * s * s * 3);
    const normalized: { present: 0 | 1 | null; boxes: NormalizedBox[] }[][] = new Array(
      files.length,
    );
    await mapLimit(files, 4, async (file, i) => {
      const photo = await decodePhoto(file, s, s, 'stretch');
      pixels.set(photo.data, i * s * s * 3);
      const [w, h] = [photo.originalWidth, photo.originalHeight];
      normalized[i] = labels[i].map((l) => ({
        present: l.present,
        boxes: l.boxes.map(([x1, y1, x2, y2]) => [x1 / w, y1 / h, x2 / w, y2 / h] as NormalizedBox),
      }));
    });
    return new DamageExamples(pixels, normalized, options);
  }

  /** Photos already decoded: RGB bytes at options.storedSize, labels with normalised boxes. */
  static fromPixels(
    pixels: Uint8Array,
    labels: { present: 0 | 1 | null; boxes: NormalizedBox[] }[][],
    options: DamageExamplesOptions,
  ): DamageExamples {
    const one = options.storedSize * options.storedSize * 3;
    if (pixels.length !== labels.length * one) {
      throw new Error(`fromPixels: ${pixels.length} bytes for ${labels.length} photos of ${one}`);
    }
    return new DamageExamples(pixels, labels, options);
  }

  /** Targets and known-masks of whole photos (no crop), [count * outputs]. */
  photoTargets(indices: readonly number[]): { targets: Float32Array; known: Float32Array } {
    const t = new Float32Array(indices.length * this.outputs);
    const k = new Float32Array(indices.length * this.outputs);
    indices.forEach((idx, i) =>
      this.labels[idx].forEach((l, o) => {
        if (l.present === null) return;
        t[i * this.outputs + o] = l.present;
        k[i * this.outputs + o] = 1;
      }),
    );
    return { targets: t, known: k };
  }

  trainingBatch(indices: readonly number[], rng: Rng, maskGrid?: number): DamageBatch {
    const augment = this.options.augment ?? DEFAULT_AUGMENT;
    const crops = this.options.boxCrops;
    const keepShare = crops?.options.keepShare ?? 0.6;
    const margin = crops?.options.margin ?? 0.03;
    const n = indices.length;
    const targets = new Float32Array(n * this.outputs);
    const known = new Float32Array(n * this.outputs);
    const masks = maskGrid
      ? {
          grid: maskGrid,
          cells: Array.from(
            { length: this.outputs },
            () => new Float32Array(n * maskGrid * maskGrid),
          ),
          present: Array.from({ length: this.outputs }, () => new Array<boolean>(n).fill(false)),
        }
      : undefined;
    const pasted = new Map<number, Uint8Array>();
    const cropBoxes = indices.map((idx, k) => {
      let labels = this.labels[idx];
      const paste = this.pasteInto(idx, rng);
      if (paste) {
        pasted.set(k, paste.pixels);
        labels = paste.labels;
      }
      const anchor = crops ? labels[crops.anchor] : undefined;
      let box: number[];
      if (crops && anchor?.present === 1 && anchor.boxes.length > 0) {
        const c = boxAwareCrop(anchor.boxes, rng, augment, crops.options);
        if (!c.pothole) this.negativeCrops++;
        box = c.box;
      } else {
        box = randomCropBoxes(1, rng, augment)[0];
      }
      labels.forEach((l, o) => {
        const shown = cropLabel(l, box, keepShare, margin);
        if (shown === null) return;
        targets[k * this.outputs + o] = shown;
        known[k * this.outputs + o] = 1;
        if (masks && shown === 1 && l.boxes.length > 0) {
          masks.cells[o].set(boxCoverage(l.boxes, box, maskGrid!), k * maskGrid! * maskGrid!);
          masks.present[o][k] = true;
        }
      });
      return box;
    });
    const x = tf.tidy(() =>
      normalizePixels(
        augmentBatch(this.pixelsOf(indices, pasted), this.options.size, rng, augment, cropBoxes),
        this.options.normalization,
      ),
    );
    return { x, targets, known, ...(masks ? { masks } : {}) };
  }

  /**
   * With the rate of options.paste, for a photo known to be without the anchor type: a copy of
   * its pixels with a donor's box pasted in, and its labels then (the anchor present in the
   * pasted box; any other type it was known to lack is no longer known, since the paste may
   * show it). Else undefined.
   */
  private pasteInto(
    idx: number,
    rng: Rng,
  ): { pixels: Uint8Array; labels: DamageExamples['labels'][number] } | undefined {
    const paste = this.options.paste;
    if (!paste || this.labels[idx][paste.anchor]?.present !== 0) return undefined;
    if (rng() >= paste.options.rate) return undefined;
    const s = this.options.storedSize;
    this.donors ??= pasteDonors(
      this.labels.map((l) => (l[paste.anchor].present === 1 ? l[paste.anchor].boxes : [])),
      s,
      paste.options.minSide,
    );
    if (this.donors.length === 0) return undefined;
    const donor = this.donors[Math.floor(rng() * this.donors.length)];
    const one = s * s * 3;
    const pixels = this.pixels.slice(idx * one, (idx + 1) * one);
    const source = this.pixels.subarray(donor.example * one, (donor.example + 1) * one);
    const box = pasteBox(pixels, source, s, donor.box, rng, paste.options);
    this.pastesMade++;
    const labels = this.labels[idx].map((l, o) =>
      o === paste.anchor
        ? { present: 1 as const, boxes: [box] }
        : l.present === 0
          ? { present: null, boxes: [] }
          : l,
    );
    return { pixels, labels };
  }

  /**
   * Raw pixels of these examples as [N, stored, stored, 3] float 0..255; `replaced` gives other
   * bytes for some batch positions (pasted copies).
   */
  pixelsOf(indices: readonly number[], replaced?: ReadonlyMap<number, Uint8Array>): tf.Tensor4D {
    const s = this.options.storedSize;
    const one = s * s * 3;
    const batch = new Float32Array(indices.length * one);
    indices.forEach((idx, i) =>
      batch.set(replaced?.get(i) ?? this.pixels.subarray(idx * one, (idx + 1) * one), i * one),
    );
    return tf.tensor4d(batch, [indices.length, s, s, 3]);
  }

  /** Whole photos at the model's input size, normalised (no augmentation). */
  inputs(indices: readonly number[]): tf.Tensor4D {
    const { size, storedSize, normalization } = this.options;
    return tf.tidy(() => {
      let x = this.pixelsOf(indices);
      if (storedSize !== size) x = tf.image.resizeBilinear(x, [size, size]);
      return normalizePixels(x, normalization);
    });
  }
}
