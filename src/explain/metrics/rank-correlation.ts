import { ExplainError } from '../errors';

/** Ranks 1..n with ties sharing the average of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold equal values: ranks start+1..end, whose average is this.
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/** Copies values as numbers, NaN / Infinity as 0, as the heatmap functions treat them. */
function finiteCopy(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number.isFinite(values[i]) ? values[i] : 0;
  return out;
}

/**
 * Spearman's rank correlation: Pearson's correlation of the average ranks, so ties are handled
 * exactly (no 1 - 6 sum d^2 / (n^3 - n) shortcut, which is wrong with ties). Used for the
 * parameter-randomisation sanity check: a map that barely changes when the top layers are
 * randomised (rho near 1) does not depend on what the model learnt.
 *
 * Defined everywhere, never NaN: when either input is constant (or has fewer than 2 values), no
 * ordering exists to agree with, and the result is 0. NaN / Infinity values count as 0.
 */
export function spearmanRankCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new ExplainError(
      'bad-input-shape',
      'The two maps to compare have different sizes.',
      `spearmanRankCorrelation: ${a.length} values against ${b.length}`,
    );
  }
  const n = a.length;
  if (n < 2) return 0;
  const ra = averageRanks(finiteCopy(a));
  const rb = averageRanks(finiteCopy(b));
  const mean = (n + 1) / 2; // ranks always average to this, ties or not
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i] - mean;
    const db = rb[i] - mean;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va === 0 || vb === 0) return 0;
  // Rounding can push |rho| a hair past 1 for identical orderings.
  return Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
}
