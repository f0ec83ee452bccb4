/**
 * "This is not a road": how far a photo's features lie from those of the road photos the model
 * was trained on (a squared Mahalanobis distance, from statistics that ship beside the model),
 * so that a cat or a dinner plate is turned away before any verdict. Pure TypeScript over
 * Float32Arrays: the worker computes it from the CAM layer's activations it already has (their
 * spatial mean is the head's pooled features), at the cost of one small matrix product.
 */
import type { NotRoadLayer } from './damage-manifest';

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

/** Reads one layer's block of the stats file, at byte `offset`. */
export function parseNotRoadStats(
  buffer: ArrayBuffer,
  spec: Pick<NotRoadLayer, 'dimensions' | 'components' | 'residualVariance'>,
  offset = 0,
): NotRoadStats {
  const { dimensions: d, components: k } = spec;
  const bytes = notRoadStatsBytes(d, k);
  const all = new Float32Array(buffer.slice(offset, offset + bytes));
  return {
    dimensions: d,
    components: k,
    mean: all.subarray(0, d),
    whitening: all.subarray(d, d + d * k),
    variance: all.subarray(d + d * k),
    residualVariance: spec.residualVariance,
  };
}

/** Every layer's stats from the file the manifest's notRoad.statsUrl names, in order. */
export function parseNotRoadLayers(
  buffer: ArrayBuffer,
  layers: readonly Pick<NotRoadLayer, 'dimensions' | 'components' | 'residualVariance'>[],
): NotRoadStats[] {
  const expected = layers.reduce((n, l) => n + notRoadStatsBytes(l.dimensions, l.components), 0);
  if (buffer.byteLength !== expected) {
    const sizes = layers.map((l) => `${l.dimensions} dimensions x ${l.components} components`);
    throw new NotRoadStatsError(
      `The not-a-road statistics file has ${buffer.byteLength} bytes where the manifest's ` +
        `${sizes.join(', ')} need ${expected}: the model folder is damaged or mixed up; copy it ` +
        `again.`,
    );
  }
  let offset = 0;
  return layers.map((l) => {
    const stats = parseNotRoadStats(buffer, l, offset);
    offset += notRoadStatsBytes(l.dimensions, l.components);
    return stats;
  });
}

/** The stats as the file stores them (little-endian float32, as typed arrays are here). */
export function serializeNotRoadStats(layers: readonly NotRoadStats[]): Uint8Array {
  const parts = layers.flatMap((l) => [l.mean, l.whitening, l.variance]);
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
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
