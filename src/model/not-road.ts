/**
 * "This is not a road": how far a photo's features lie from those of the road photos the model
 * was trained on (a squared Mahalanobis distance, from statistics that ship beside the model),
 * so that a cat or a dinner plate is turned away before any verdict. Pure TypeScript over
 * Float32Arrays: the worker computes it from the CAM layer's activations it already has (their
 * spatial mean is the head's pooled features), at the cost of one small matrix product.
 */
import type { NotRoad } from './damage-manifest';

export interface NotRoadStats {
  dimensions: number;
  components: number;
  mean: Float32Array;
  /** [dimensions x components], row-major: principal directions / sqrt(their variance). */
  whitening: Float32Array;
  /** Variance along each principal direction. */
  variance: Float32Array;
  residualVariance: number;
}

export class NotRoadStatsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotRoadStatsError';
  }
}

/** Bytes of the stats file for these sizes (float32: mean, whitening, variance). */
export function notRoadStatsBytes(dimensions: number, components: number): number {
  return 4 * (dimensions + dimensions * components + components);
}

/** Reads the stats file the manifest's notRoad.statsUrl names. */
export function parseNotRoadStats(
  buffer: ArrayBuffer,
  spec: Pick<NotRoad, 'dimensions' | 'components' | 'residualVariance'>,
): NotRoadStats {
  const { dimensions: d, components: k } = spec;
  const expected = notRoadStatsBytes(d, k);
  if (buffer.byteLength !== expected) {
    throw new NotRoadStatsError(
      `The not-a-road statistics file has ${buffer.byteLength} bytes where the manifest's ` +
        `${d} dimensions and ${k} components need ${expected}: the model folder is damaged or ` +
        `mixed up; copy it again.`,
    );
  }
  const all = new Float32Array(buffer.slice(0));
  return {
    dimensions: d,
    components: k,
    mean: all.subarray(0, d),
    whitening: all.subarray(d, d + d * k),
    variance: all.subarray(d + d * k),
    residualVariance: spec.residualVariance,
  };
}

/** The stats as the file stores them (little-endian float32, as typed arrays are here). */
export function serializeNotRoadStats(stats: NotRoadStats): Uint8Array {
  const out = new Float32Array(stats.mean.length + stats.whitening.length + stats.variance.length);
  out.set(stats.mean, 0);
  out.set(stats.whitening, stats.mean.length);
  out.set(stats.variance, stats.mean.length + stats.whitening.length);
  return new Uint8Array(out.buffer);
}

/**
 * Squared Mahalanobis distance of pooled features `f` from the training photos' features:
 * |W^T (f - mean)|^2 along the principal directions, plus what is left of |f - mean|^2 outside
 * them over the residual variance.
 */
export function notRoadScore(features: ArrayLike<number>, stats: NotRoadStats): number {
  const { dimensions: d, components: k, mean, whitening, variance } = stats;
  if (features.length !== d) {
    throw new NotRoadStatsError(
      `The photo's features have ${features.length} values where the not-a-road statistics ` +
        `have ${d}: they belong to another model.`,
    );
  }
  const centred = new Float64Array(d);
  let norm = 0;
  for (let i = 0; i < d; i++) {
    centred[i] = features[i] - mean[i];
    norm += centred[i] * centred[i];
  }
  let inside = 0;
  let explained = 0;
  for (let c = 0; c < k; c++) {
    let z = 0;
    for (let i = 0; i < d; i++) z += centred[i] * whitening[i * k + c];
    inside += z * z;
    explained += variance[c] * z * z;
  }
  return inside + Math.max(0, norm - explained) / stats.residualVariance;
}

/** Spatial mean of activations [height * width * channels] (row-major, channels last). */
export function pooledFeatures(activations: ArrayLike<number>, channels: number): Float32Array {
  const out = new Float32Array(channels);
  const positions = activations.length / channels;
  for (let p = 0; p < positions; p++) {
    for (let c = 0; c < channels; c++) out[c] += activations[p * channels + c];
  }
  for (let c = 0; c < channels; c++) out[c] /= positions;
  return out;
}
