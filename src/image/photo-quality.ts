/**
 * Is this photo good enough to judge? Too dark or too blurred, a verdict on it means little, so
 * the app gives a specific hint first ("too dark: use the flash or wait for daylight"). A pure
 * function over RGBA pixels (no DOM), so the worker, the tools and Node tests share it.
 *
 * Both figures are measured on a copy no larger than 256 px on its long side (box-averaged), the
 * size the thresholds were chosen at, so a 12-megapixel photo and its thumbnail score alike:
 * - brightness: mean luma (ITU-R BT.601), 0..255;
 * - sharpness: the standard deviation of the Laplacian of the luma, as a percentage of the mean
 *   luma (so that a darker exposure of the same scene scores the same): fine detail (asphalt
 *   grain, crack edges) gives a large value, a blurred photo a small one.
 */

export interface PixelImage {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel, row-major (ImageData's layout). */
  data: ArrayLike<number>;
}

export type QualityProblem = 'too-dark' | 'too-blurred';

export interface PhotoQuality {
  brightness: number;
  sharpness: number;
  problems: QualityProblem[];
}

export interface QualityThresholds {
  /** Below this mean luma the photo is too dark. */
  minBrightness: number;
  /** Below this Laplacian standard deviation (% of the mean luma) the photo is too blurred. */
  minSharpness: number;
}

/**
 * The app's defaults, for a model without thresholds of its own (its manifest's photoQuality,
 * chosen on its validation photos by tools/eval/quality-choice.ts): the darkest and the least
 * sharp of the 2,800 shared road photos lie above these; darkening or blurring photos to below
 * them costs the model a clear share of its AUC (tools/eval/quality.ts).
 */
export const QUALITY_THRESHOLDS: QualityThresholds = {
  minBrightness: 40,
  minSharpness: 4,
};

/** The long side quality is measured at. */
export const QUALITY_SIDE = 256;

export class PhotoQualityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PhotoQualityError';
  }
}

/** Luma of a box-averaged copy no larger than QUALITY_SIDE on its long side. */
export function lumaAtQualitySize(image: PixelImage): {
  width: number;
  height: number;
  luma: Float32Array;
} {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new PhotoQualityError(`The photo has no pixels (${width}x${height}).`);
  }
  if (data.length !== width * height * 4) {
    throw new PhotoQualityError(
      `The photo's pixel data has ${data.length} bytes where ${width}x${height} RGBA needs ${width * height * 4}.`,
    );
  }
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / QUALITY_SIDE));
  const w = Math.max(1, Math.floor(width / factor));
  const h = Math.max(1, Math.floor(height / factor));
  const luma = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * width;
        for (let dx = 0; dx < factor; dx++) {
          const p = (row + x * factor + dx) * 4;
          sum += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
        }
      }
      luma[y * w + x] = sum / (factor * factor);
    }
  }
  return { width: w, height: h, luma };
}

export function photoQuality(
  image: PixelImage,
  thresholds: QualityThresholds = QUALITY_THRESHOLDS,
): PhotoQuality {
  const { width: w, height: h, luma } = lumaAtQualitySize(image);
  let total = 0;
  for (let i = 0; i < luma.length; i++) total += luma[i];
  const brightness = total / luma.length;
  // 4-neighbour Laplacian over the interior.
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4 * luma[i];
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const spread = n > 0 ? Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2)) : 0;
  const sharpness = (100 * spread) / Math.max(brightness, 1);
  const problems: QualityProblem[] = [];
  if (brightness < thresholds.minBrightness) problems.push('too-dark');
  if (sharpness < thresholds.minSharpness) problems.push('too-blurred');
  return { brightness, sharpness, problems };
}
