import { ExplainError } from '../errors';
import { assertScalarMap, type ScalarMap } from './scalar-map';

interface AxisTaps {
  lower: Int32Array;
  upper: Int32Array;
  weight: Float64Array;
}

/** Source taps for one axis with half-pixel centres, clamped at the borders. */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const weight = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const lo = Math.floor(src);
    lower[o] = lo;
    upper[o] = Math.min(lo + 1, inSize - 1);
    weight[o] = src - lo;
  }
  return { lower, upper, weight };
}

/**
 * Bilinear resize with half-pixel centres: output pixel centre (x + 0.5) maps to input
 * coordinate (x + 0.5) * in / out - 0.5, clamped to the edge cells. This is what
 * tf.image.resizeBilinear(halfPixelCenters: true) and OpenCV's INTER_LINEAR do, and it keeps a
 * 7x7 CAM grid aligned with the photo (corner-aligned sampling would shift it by half a cell).
 * Pure JavaScript, so it needs no tfjs backend.
 */
export function upsampleBilinear(map: ScalarMap, width: number, height: number): ScalarMap {
  assertScalarMap(map);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ExplainError(
      'bad-input-shape',
      'A heatmap can only be resized to a size of at least 1x1 pixels.',
      `upsampleBilinear target: width=${width}, height=${height}`,
    );
  }
  const xs = axisTaps(map.width, width);
  const ys = axisTaps(map.height, height);
  const src = map.data;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const top = ys.lower[y] * map.width;
    const bottom = ys.upper[y] * map.width;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const x0 = xs.lower[x];
      const x1 = xs.upper[x];
      const wx = xs.weight[x];
      const t = src[top + x0] + (src[top + x1] - src[top + x0]) * wx;
      const b = src[bottom + x0] + (src[bottom + x1] - src[bottom + x0]) * wx;
      out[y * width + x] = t + (b - t) * wy;
    }
  }
  return { width, height, data: out };
}
