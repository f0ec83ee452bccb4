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

/**
 * The nearest-neighbour form of "not a road": the training road photos' pooled features, each
 * scaled to unit length, kept as a bank; a photo's score is the mean squared distance from its
 * own unit-length features to the `neighbours` nearest in the bank. Road photos are of several
 * kinds (close-ups, views from a motorbike, web photos): one Gaussian (the Mahalanobis form
 * above) covers them all and the space between, where a cat or a tent can sit; the nearest
 * road photo does not. The features are ReLU outputs' means (never negative), so a unit vector's
 * values lie in 0..1 and are stored as bytes, round(255 x value): a quarter of float32's size.
 */
export interface NeighbourBank {
  dimensions: number;
  count: number;
  /** [count x dimensions] row-major, each row round(255 x its unit-length features). */
  codes: Uint8Array;
  /** Each stored row's squared length, as decoded (codes / 255). */
  squaredLengths: Float32Array;
}

/** Bytes of a bank of `count` photos' features of `dimensions` values. */
export function neighbourBankBytes(count: number, dimensions: number): number {
  return count * dimensions;
}

/** `features` [dimensions] scaled to unit length (all zero stays all zero). */
export function unitLength(features: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(features as ArrayLike<number>);
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

function bankOf(codes: Uint8Array, count: number, dimensions: number): NeighbourBank {
  const squaredLengths = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    let s = 0;
    for (let i = r * dimensions; i < (r + 1) * dimensions; i++) s += (codes[i] / 255) ** 2;
    squaredLengths[r] = s;
  }
  return { dimensions, count, codes, squaredLengths };
}

/** The bank of features [count x dimensions] (row-major, none negative), as the file stores it. */
export function neighbourBankOf(
  features: ArrayLike<number>,
  count: number,
  dimensions: number,
): NeighbourBank {
  const codes = new Uint8Array(count * dimensions);
  for (let r = 0; r < count; r++) {
    const row = Array.prototype.slice.call(features, r * dimensions, (r + 1) * dimensions);
    if (row.some((v: number) => v < 0)) {
      throw new NotRoadStatsError(
        `Training photo ${r} has negative features: the nearest-neighbour bank stores features ` +
          `that are never negative (pooled ReLU outputs).`,
      );
    }
    const unit = unitLength(row);
    for (let i = 0; i < dimensions; i++) codes[r * dimensions + i] = Math.round(255 * unit[i]);
  }
  return bankOf(codes, count, dimensions);
}

/** The bank from the file the manifest's notRoad.statsUrl names. */
export function parseNeighbourBank(
  buffer: ArrayBuffer,
  spec: { fittedOn: number; dimensions: number },
): NeighbourBank {
  const expected = neighbourBankBytes(spec.fittedOn, spec.dimensions);
  if (buffer.byteLength !== expected) {
    throw new NotRoadStatsError(
      `The not-a-road file has ${buffer.byteLength} bytes where the manifest's ${spec.fittedOn} ` +
        `photos of ${spec.dimensions} features need ${expected}: the model folder is damaged or ` +
        `mixed up; copy it again.`,
    );
  }
  return bankOf(new Uint8Array(buffer.slice(0)), spec.fittedOn, spec.dimensions);
}

/** Mean squared distance from `features` (scaled to unit length) to its `k` nearest in `bank`. */
export function neighbourDistance(
  features: ArrayLike<number>,
  bank: NeighbourBank,
  k: number,
): number {
  const { dimensions: d, count, codes, squaredLengths } = bank;
  if (features.length !== d) {
    throw new NotRoadStatsError(
      `The photo's features have ${features.length} values where the not-a-road bank has ${d}: ` +
        `they belong to another model.`,
    );
  }
  const q = unitLength(features);
  let qq = 0;
  for (let i = 0; i < d; i++) qq += q[i] * q[i];
  const n = Math.min(k, count);
  // The n smallest so far, ascending (n is small: an insertion keeps them sorted).
  const nearest: number[] = [];
  for (let r = 0; r < count; r++) {
    let dot = 0;
    const row = r * d;
    for (let i = 0; i < d; i++) dot += q[i] * codes[row + i];
    const distance = qq + squaredLengths[r] - (2 * dot) / 255;
    if (nearest.length === n && distance >= nearest[n - 1]) continue;
    let at = nearest.length === n ? n - 1 : nearest.length;
    while (at > 0 && nearest[at - 1] > distance) {
      nearest[at] = nearest[at - 1];
      at--;
    }
    nearest[at] = distance;
  }
  return nearest.reduce((s, v) => s + Math.max(0, v), 0) / Math.max(1, nearest.length);
}
