/**
 * Fitting the not-a-road statistics: the mean and principal directions of the training road
 * photos' pooled features (a Gaussian model of "looks like our road photos"), and the threshold
 * on the distance that turns away at most a given share of validation road photos. Nothing here
 * sees a photo that is not a road: the not-road folder only checks the result.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { NotRoadStats } from '../../src/model/not-road';
import { notRoadScore } from '../../src/model/not-road';

/**
 * Eigenvalues (descending) and eigenvectors (columns of a row-major n x n matrix) of a symmetric
 * matrix, by ml-matrix's Householder tridiagonalisation and QL (14x faster than the cyclic
 * Jacobi rotations first used here, at 512 dimensions: 1.2 s against 17 s).
 */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, matrix[i * n + j]);
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const raw = evd.realEigenvalues;
  const v = evd.eigenvectorMatrix;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => raw[y] - raw[x]);
  const values = Float64Array.from(order, (i) => raw[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v.get(k, src);
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
