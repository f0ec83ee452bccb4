/**
 * Fitting the not-a-road statistics: the mean and principal directions of the training road
 * photos' pooled features (a Gaussian model of "looks like our road photos"), and the threshold
 * on the distance that turns away at most a given share of validation road photos. Nothing here
 * sees a photo that is not a road: the not-road folder only checks the result.
 */
import type { NotRoadStats } from '../../src/model/not-road';
import { notRoadScore } from '../../src/model/not-road';

/** Eigenvalues (descending) and eigenvectors (columns of a row-major n x n matrix). */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  // Cyclic Jacobi rotations until the off-diagonal part is negligible.
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i * n + i] * a[i * n + i];
      for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    }
    if (off <= 1e-22 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Statistics of features [count x dimensions] (row-major): the mean, the `components` leading
 * principal directions scaled to unit variance, and the mean variance of the rest. Every
 * variance gets `shrinkage` x the mean variance added, so a direction the training photos
 * hardly vary in cannot make any small difference look enormous.
 */
export function fitNotRoadStats(
  features: Float32Array,
  count: number,
  dimensions: number,
  components: number,
  shrinkage = 0.01,
): NotRoadStats {
  const d = dimensions;
  const mean = new Float64Array(d);
  for (let i = 0; i < count; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= count;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < d; j++) row[j] = features[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b] += ra * row[b];
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      cov[a * d + b] /= Math.max(1, count - 1);
      cov[b * d + a] = cov[a * d + b];
    }
  }
  const { values, vectors } = symmetricEigen(cov, d);
  const total = values.reduce((s, x) => s + Math.max(0, x), 0);
  const floor = (shrinkage * total) / d;
  const k = Math.min(components, d);
  const variance = new Float32Array(k);
  const whitening = new Float32Array(d * k);
  for (let c = 0; c < k; c++) {
    variance[c] = Math.max(0, values[c]) + floor;
    const scale = 1 / Math.sqrt(variance[c]);
    for (let j = 0; j < d; j++) whitening[j * k + c] = vectors[j * d + c] * scale;
  }
  let rest = 0;
  for (let c = k; c < d; c++) rest += Math.max(0, values[c]);
  // With every direction kept the residual is zero (rounding aside): any positive divisor does.
  const residualVariance = k < d ? Math.max(rest / (d - k) + floor, 1e-12 * total) : 1;
  return {
    dimensions: d,
    components: k,
    mean: Float32Array.from(mean),
    whitening,
    variance,
    residualVariance,
  };
}

/** Scores of features [count x dimensions]. */
export function notRoadScores(
  features: Float32Array,
  count: number,
  stats: NotRoadStats,
): number[] {
  const d = stats.dimensions;
  return Array.from({ length: count }, (_, i) =>
    notRoadScore(features.subarray(i * d, (i + 1) * d), stats),
  );
}

/**
 * The smallest threshold that rejects at most `maxRejection` of these road photos' scores:
 * halfway between the highest score it keeps and the lowest it rejects.
 */
export function thresholdForRejection(roadScores: readonly number[], maxRejection: number): number {
  const sorted = [...roadScores].sort((a, b) => b - a);
  const rejected = Math.floor(maxRejection * sorted.length);
  if (rejected === 0) return sorted[0] * 1.0001 + 1e-9;
  return (sorted[rejected - 1] + sorted[rejected]) / 2;
}

/**
 * Mean log-likelihood of features under the statistics' Gaussian (probabilistic PCA: the kept
 * directions at their variance, the rest at the residual variance). Higher on held-out road
 * photos means the statistics describe road photos better: how the number of directions is
 * chosen, with no photo that is not a road.
 */
export function meanLogLikelihood(
  features: Float32Array,
  count: number,
  stats: NotRoadStats,
): number {
  const d = stats.dimensions;
  let logDet = (d - stats.components) * Math.log(stats.residualVariance);
  for (let c = 0; c < stats.components; c++) logDet += Math.log(stats.variance[c]);
  const scores = notRoadScores(features, count, stats);
  const meanScore = scores.reduce((s, x) => s + x, 0) / Math.max(1, count);
  return -0.5 * (d * Math.log(2 * Math.PI) + logDet + meanScore);
}
