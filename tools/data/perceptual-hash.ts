/**
 * Perceptual hash (pHash: the signs of the lowest 8x8 DCT frequencies of a 32x32 grey copy,
 * against their median) and duplicate clusters. Robust to resizing, recompression and small
 * colour changes, which is what the shared data's duplicates are: exact copies under another
 * name, and the same photo at another size in another data set.
 */
import { decodeGrey, mapLimit } from './decode';

const SIZE = 32;
const LOW = 8;

/** DCT-II basis, cos((2x+1) u pi / 2N), computed once. */
const basis: Float64Array = (() => {
  const b = new Float64Array(LOW * SIZE);
  for (let u = 0; u < LOW; u++) {
    for (let x = 0; x < SIZE; x++)
      b[u * SIZE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIZE));
  }
  return b;
})();

/** 64-bit pHash of a 32x32 grey image, as 16 hex digits. */
export function hashGrey32(grey: ArrayLike<number>): string {
  if (grey.length !== SIZE * SIZE) throw new Error(`hashGrey32 needs ${SIZE * SIZE} pixels`);
  // Separable DCT, only the LOW x LOW corner is needed.
  const rows = new Float64Array(SIZE * LOW); // [y][u]
  for (let y = 0; y < SIZE; y++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let x = 0; x < SIZE; x++) s += grey[y * SIZE + x] * basis[u * SIZE + x];
      rows[y * LOW + u] = s;
    }
  }
  const coeffs = new Float64Array(LOW * LOW); // [v][u]
  for (let v = 0; v < LOW; v++) {
    for (let u = 0; u < LOW; u++) {
      let s = 0;
      for (let y = 0; y < SIZE; y++) s += rows[y * LOW + u] * basis[v * SIZE + y];
      coeffs[v * LOW + u] = s;
    }
  }
  // The DC term is the mean brightness: leave it out of the median.
  const sorted = Array.from(coeffs.subarray(1)).sort((a, b) => a - b);
  const median = (sorted[31] + sorted[32]) / 2;
  let hex = '';
  for (let word = 0; word < 2; word++) {
    let bits = 0;
    for (let i = 0; i < 32; i++) {
      if (coeffs[word * 32 + i] > median) bits |= 1 << i;
    }
    hex += (bits >>> 0).toString(16).padStart(8, '0');
  }
  return hex;
}

export async function perceptualHash(file: string): Promise<string> {
  return hashGrey32(await decodeGrey(file, SIZE, SIZE));
}

/**
 * What the split compares field photos by: the pHash, the 32x32 grey copy it is made from (an
 * exact copy differs from it by re-encoding noise only), and a 16x16 thumbnail with zero mean
 * and unit norm, whose dot product with another is their correlation (two photos of one place,
 * taken a few steps apart, correlate highly although their pHashes may differ by 16 bits).
 */
export interface PhotoSignature {
  hash: string;
  grey: Uint8Array;
  thumb: Float32Array;
}

export function signatureOfGrey32(grey: Uint8Array): PhotoSignature {
  const half = SIZE / 2;
  const thumb = new Float32Array(half * half);
  for (let y = 0; y < half; y++) {
    for (let x = 0; x < half; x++) {
      const i = 2 * y * SIZE + 2 * x;
      thumb[y * half + x] = grey[i] + grey[i + 1] + grey[i + SIZE] + grey[i + SIZE + 1];
    }
  }
  const mean = thumb.reduce((s, v) => s + v, 0) / thumb.length;
  let norm = 0;
  for (let i = 0; i < thumb.length; i++) {
    thumb[i] -= mean;
    norm += thumb[i] * thumb[i];
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < thumb.length; i++) thumb[i] /= norm;
  return { hash: hashGrey32(grey), grey, thumb };
}

export async function photoSignatures(
  files: readonly string[],
  concurrency = 4,
): Promise<PhotoSignature[]> {
  return mapLimit(files, concurrency, async (f) =>
    signatureOfGrey32(await decodeGrey(f, SIZE, SIZE)),
  );
}

/** Pearson correlation of two thumbnails (their dot product: both have zero mean, unit norm). */
export function thumbnailCorrelation(a: Float32Array, b: Float32Array): number {
  let r = 0;
  for (let i = 0; i < a.length; i++) r += a[i] * b[i];
  return r;
}

/** Mean absolute difference of two 32x32 grey copies, in grey levels (0..255). */
export function greyDifference(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i] - b[i]);
  return d / a.length;
}

export async function perceptualHashes(
  files: readonly string[],
  concurrency = 4,
): Promise<string[]> {
  return mapLimit(files, concurrency, (f) => perceptualHash(f));
}

function popcount32(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (((n + (n >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of differing bits between two hashes (0..64). */
export function hammingDistance(a: string, b: string): number {
  let d = 0;
  for (let w = 0; w < 2; w++) {
    const x = parseInt(a.slice(w * 8, w * 8 + 8), 16) ^ parseInt(b.slice(w * 8, w * 8 + 8), 16);
    d += popcount32(x >>> 0);
  }
  return d;
}

/**
 * Bits that may differ for two photos to count as the same photo (dropped before the split).
 * Looked at by eye on the shared sets: the five exact pairs differ by 0 bits, the Kaggle photos
 * that reappear in the annotated set (resized, re-cropped, watermarked) by 0 to 10; at 12 some
 * pairs are the same photo and some are only alike, and from 14 on they are different photos.
 */
export const DUPLICATE_MAX_DISTANCE = 10;
/** Photos this close are kept but put in one split group (same scene, or a borderline copy). */
export const NEAR_DUPLICATE_MAX_DISTANCE = 12;

/**
 * Field photos (rdd2022 layout) are different: the same places were photographed again and
 * again, a few steps apart, so their pHashes lie within 0-10 bits of each other (1,863 pairs of
 * the 1,381 photos) although no two are the same photo (none byte-identical; looked at by eye,
 * even 0-bit pairs are consecutive shots). Only a true copy is dropped: 0 bits apart and at
 * most 1 grey level apart on average at 32x32 (re-encoding noise); look-alike photos are kept
 * and grouped for the split instead.
 */
export const FIELD_COPY_MAX_DISTANCE = 0;
export const FIELD_COPY_MAX_GREY_DIFFERENCE = 1;
/**
 * Look-alike field photos (one split group): pHash within 16 bits and 16x16 thumbnails
 * correlated at 0.85 or more, or correlated at 0.95 or more whatever the pHash. Chosen by eye on
 * rdd2022-china-motorbike: pairs that pass show the same stretch of road; it groups the 1,381
 * photos into about 650 groups, the largest (one narrow path with a dashed centre line) 130.
 */
export const LOOK_ALIKE_MAX_DISTANCE = 16;
export const LOOK_ALIKE_MIN_CORRELATION = 0.85;
export const LOOK_ALIKE_SURE_CORRELATION = 0.95;
