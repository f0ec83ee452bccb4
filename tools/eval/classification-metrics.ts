/**
 * Classification figures for a binary pothole / good-road model, computed from the true labels
 * and the model's pothole probabilities. Undefined figures (recall with no pothole photo,
 * specificity with no good-road photo, ROC AUC without both) are null, never a made-up number.
 */

import { seededRng } from '../data/rng';

/** 1 = pothole, 0 = normal (good road). */
export type BinaryLabel = 0 | 1;

export interface ClassificationSummary {
  n: number;
  accuracy: number | null;
  pothole_recall: number | null;
  normal_specificity: number | null;
  roc_auc: number | null;
  /** Rows: true normal, true pothole; columns: predicted normal, predicted pothole. */
  confusion: [[number, number], [number, number]];
}

/**
 * Area under the ROC curve as the probability that a random positive scores above a random
 * negative, ties counting one half (the Mann-Whitney U statistic, with average ranks).
 */
export function rocAuc(labels: readonly BinaryLabel[], scores: readonly number[]): number | null {
  if (labels.length !== scores.length)
    throw new Error('rocAuc: labels and scores differ in length');
  const positives = labels.filter((l) => l === 1).length;
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return null;
  const order = scores.map((s, i) => ({ s, i })).sort((a, b) => a.s - b.s);
  const ranks = new Float64Array(scores.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].s === order[start].s) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k].i] = rank;
    start = end + 1;
  }
  let positiveRankSum = 0;
  labels.forEach((l, i) => {
    if (l === 1) positiveRankSum += ranks[i];
  });
  const u = positiveRankSum - (positives * (positives + 1)) / 2;
  return u / (positives * negatives);
}

/** A photo is called a pothole when its pothole probability is above `threshold`. */
export function classificationSummary(
  labels: readonly BinaryLabel[],
  potholeProbabilities: readonly number[],
  threshold = 0.5,
): ClassificationSummary {
  const confusion: [[number, number], [number, number]] = [
    [0, 0],
    [0, 0],
  ];
  labels.forEach((l, i) => {
    const predicted = potholeProbabilities[i] > threshold ? 1 : 0;
    confusion[l][predicted]++;
  });
  const [[tn, fp], [fn, tp]] = confusion;
  const n = labels.length;
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  return {
    n,
    accuracy: ratio(tn + tp, n),
    pothole_recall: ratio(tp, tp + fn),
    normal_specificity: ratio(tn, tn + fp),
    roc_auc: rocAuc(labels, potholeProbabilities),
    confusion,
  };
}

export interface ReliabilityBin {
  from: number;
  to: number;
  count: number;
  meanProbability: number | null;
  positiveShare: number | null;
}

/** Equal-width bins of predicted probability with the share of positives in each. */
export function reliabilityBins(
  probabilities: readonly number[],
  labels: readonly BinaryLabel[],
  bins = 10,
): ReliabilityBin[] {
  const out = Array.from({ length: bins }, (_, k) => ({
    from: k / bins,
    to: (k + 1) / bins,
    n: 0,
    p: 0,
    y: 0,
  }));
  probabilities.forEach((p, i) => {
    const k = Math.min(bins - 1, Math.floor(p * bins));
    out[k].n++;
    out[k].p += p;
    out[k].y += labels[i];
  });
  return out.map((b) => ({
    from: b.from,
    to: b.to,
    count: b.n,
    meanProbability: b.n ? b.p / b.n : null,
    positiveShare: b.n ? b.y / b.n : null,
  }));
}

/** Expected calibration error: the count-weighted mean |mean probability - positive share|. */
export function expectedCalibrationError(
  probabilities: readonly number[],
  labels: readonly BinaryLabel[],
  bins = 10,
): number | null {
  if (probabilities.length === 0) return null;
  return reliabilityBins(probabilities, labels, bins).reduce(
    (s, b) =>
      b.count
        ? s + (b.count / probabilities.length) * Math.abs(b.meanProbability! - b.positiveShare!)
        : s,
    0,
  );
}

/**
 * The decision threshold at a target specificity: the lowest probability that leaves at least
 * `targetSpecificity` of the negatives below it (halfway between the last negative it lets
 * through and the first it stops).
 */
export function thresholdAtSpecificity(
  negativeProbabilities: readonly number[],
  targetSpecificity: number,
): number {
  const sorted = [...negativeProbabilities].sort((a, b) => b - a);
  if (sorted.length === 0) return 0.5;
  const allowed = Math.floor((1 - targetSpecificity) * sorted.length + 1e-9);
  if (allowed === 0) return Math.min(1, sorted[0] + 1e-6);
  if (allowed >= sorted.length) return 0;
  return (sorted[allowed - 1] + sorted[allowed]) / 2;
}

/**
 * Recall at the threshold that keeps `specificity` of these negatives below it: the ROC curve
 * read at one false-positive rate (null without both classes).
 */
export function recallAtSpecificity(
  labels: readonly BinaryLabel[],
  scores: readonly number[],
  specificity: number,
): number | null {
  const negatives = scores.filter((_, i) => labels[i] === 0);
  const positives = scores.filter((_, i) => labels[i] === 1);
  if (negatives.length === 0 || positives.length === 0) return null;
  const t = thresholdAtSpecificity(negatives, specificity);
  return positives.filter((s) => s >= t).length / positives.length;
}

/** How far the ROC AUC could move with other places like these (groupBootstrapAuc). */
export interface AucInterval {
  /** The 2.5th and 97.5th percentiles of the resampled AUCs. */
  low: number;
  high: number;
  /** Groups (places) among the photos, and those with at least one positive photo. */
  groups: number;
  positive_groups: number;
}

/**
 * A 95% percentile interval of the ROC AUC by resampling whole groups with replacement (a
 * cluster bootstrap): photos of one place are not independent cases, so the place is what is
 * drawn. Null when fewer than two groups hold a positive or a negative photo: one place cannot
 * say how another would go. Seeded, so the same photos always give the same interval.
 */
export function groupBootstrapAuc(
  labels: readonly BinaryLabel[],
  scores: readonly number[],
  groups: readonly string[],
  options: { resamples?: number; seed?: number } = {},
): AucInterval | null {
  const members = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const m = members.get(g);
    if (m) m.push(i);
    else members.set(g, [i]);
  });
  const byGroup = [...members.values()];
  const holds = (l: BinaryLabel) => byGroup.filter((m) => m.some((i) => labels[i] === l)).length;
  const positiveGroups = holds(1);
  if (positiveGroups < 2 || holds(0) < 2) return null;
  const random = seededRng(options.seed ?? 20261203);
  const aucs: number[] = [];
  for (let r = 0; r < (options.resamples ?? 1000); r++) {
    const l: BinaryLabel[] = [];
    const s: number[] = [];
    for (let k = 0; k < byGroup.length; k++) {
      for (const i of byGroup[Math.floor(random() * byGroup.length)]) {
        l.push(labels[i]);
        s.push(scores[i]);
      }
    }
    const auc = rocAuc(l, s);
    if (auc !== null) aucs.push(auc);
  }
  aucs.sort((a, b) => a - b);
  const at = (q: number) => aucs[Math.min(aucs.length - 1, Math.floor(q * aucs.length))];
  return {
    low: at(0.025),
    high: at(0.975),
    groups: byGroup.length,
    positive_groups: positiveGroups,
  };
}
