import { assertScalarMap, type ScalarMap } from './scalar-map';

export interface NormalizedMap {
  /** The map after ReLU, scaled to 0..1 (all zeros when `empty`). */
  map: ScalarMap;
  /**
   * True when the map carries no positive evidence: its maximum after ReLU is 0, lies within
   * float32 rounding of the map's largest magnitude, or no cell is finite. Say so to the user
   * instead of drawing a heatmap.
   */
  empty: boolean;
  /** The maximum after ReLU that the map was divided by (0 when empty). */
  max: number;
  /** Cells that were NaN or +-Infinity; they were treated as 0. */
  nonFinite: number;
}

/** A positive maximum below this share of the largest |value| is float32 rounding noise. */
const RELATIVE_NOISE_FLOOR = 1e-6;
/** Below the smallest normal float32, values are denormals with few significant bits. */
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * ReLU, then divide by the maximum, as Grad-CAM does. Dividing by the max rather than
 * min-max stretching keeps zero at zero and the ratios between regions (half the evidence shows
 * at half the colour), so a weak, flat map stays weak and maps stay comparable between photos;
 * min-max would blow up tiny differences of a nearly uniform map into full contrast.
 *
 * Never divides by zero and never yields NaN: NaN / Infinity cells count as 0 (reported in
 * `nonFinite`), and a map with no usable positive maximum comes back as zeros with
 * `empty: true`. The input is not modified.
 */
export function normalizeMap(input: ScalarMap): NormalizedMap {
  assertScalarMap(input);
  const { width, height, data } = input;
  const out = new Float32Array(data.length);
  let max = 0;
  let maxAbs = 0;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    const abs = Math.abs(v);
    if (abs > maxAbs) maxAbs = abs;
    if (v > max) max = v;
  }
  const empty = max <= 0 || max < FLOAT32_MIN_NORMAL || max <= maxAbs * RELATIVE_NOISE_FLOOR;
  if (empty) return { map: { width, height, data: out }, empty: true, max: 0, nonFinite };
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v <= max, so the quotient stays in [0, 1] for any positive max.
    out[i] = Number.isFinite(v) && v > 0 ? v / max : 0;
  }
  return { map: { width, height, data: out }, empty: false, max, nonFinite };
}
