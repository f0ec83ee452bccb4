import { describe, expect, it } from 'vitest';
import { seededRng } from '../../tools/data/rng';
import {
  expectedCalibrationError,
  recallAtSpecificity,
  reliabilityBins,
  thresholdAtSpecificity,
  type BinaryLabel,
} from '../../tools/eval/classification-metrics';
import { chooseCalibration, fitScaling, logLoss, notSureBand } from '../../tools/train/calibration';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Logits of a model that is over-confident by `temperature` (and off by `shift`). */
function overconfident(n: number, temperature: number, shift: number, seed: number) {
  const rng = seededRng(seed);
  const logits: number[] = [];
  const labels: BinaryLabel[] = [];
  for (let i = 0; i < n; i++) {
    const truth = (rng() - 0.5) * 8; // the honest logit
    labels.push(rng() < sigmoid(truth) ? 1 : 0);
    logits.push((truth - shift) * temperature);
  }
  return { logits, labels };
}

describe('calibration', () => {
  it('recovers the temperature of an over-confident model, and lowers log loss and ECE', () => {
    const { logits, labels } = overconfident(4000, 3, 0, 1);
    const fit = fitScaling(logits, labels, false);
    expect(1 / fit.a).toBeGreaterThan(2.6);
    expect(1 / fit.a).toBeLessThan(3.4);
    expect(logLoss(logits, labels, fit.a, 0)).toBeLessThan(logLoss(logits, labels, 1, 0));
    const before = expectedCalibrationError(logits.map(sigmoid), labels)!;
    const after = expectedCalibrationError(
      logits.map((z) => sigmoid(fit.a * z)),
      labels,
    )!;
    expect(after).toBeLessThan(before / 3);
  });

  it('chooses Platt scaling when the model is also shifted, a temperature when it is not', () => {
    const shifted = overconfident(3000, 2, 1.5, 2);
    const c1 = chooseCalibration(shifted.logits, shifted.labels);
    expect(c1.method).toBe('platt');
    expect(c1.temperature).toBeGreaterThan(1.6);
    const plain = overconfident(3000, 2, 0, 3);
    expect(chooseCalibration(plain.logits, plain.labels).method).toBe('temperature');
  });

  it('keeps the temperature positive on separable data', () => {
    const fit = fitScaling([-5, -4, -3, 3, 4, 5], [0, 0, 0, 1, 1, 1], true);
    expect(fit.a).toBeGreaterThan(0);
    expect(Number.isFinite(fit.b)).toBe(true);
  });

  it('bins predictions for the reliability diagram', () => {
    const bins = reliabilityBins([0.05, 0.07, 0.55, 0.95], [0, 1, 1, 1], 10);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ count: 2, positiveShare: 0.5 });
    expect(bins[0].meanProbability).toBeCloseTo(0.06);
    expect(bins[9]).toMatchObject({ count: 1, positiveShare: 1 });
    expect(bins[3]).toMatchObject({ count: 0, meanProbability: null });
    // |0.06 - 0.5| * 2/4 + |0.55 - 1| / 4 + |0.95 - 1| / 4
    expect(expectedCalibrationError([0.05, 0.07, 0.55, 0.95], [0, 1, 1, 1])).toBeCloseTo(0.345, 5);
  });
});

describe('thresholds', () => {
  it('keeps the target share of negatives below the threshold', () => {
    const negatives = Array.from({ length: 100 }, (_, i) => i / 100);
    const t = thresholdAtSpecificity(negatives, 0.9);
    expect(negatives.filter((p) => p < t)).toHaveLength(90);
    expect(thresholdAtSpecificity(negatives, 1)).toBeGreaterThan(0.99);
  });

  it('reads recall at 90% specificity off the scores', () => {
    const labels: BinaryLabel[] = [...new Array(10).fill(0), ...new Array(4).fill(1)];
    const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.85, 0.97, 0.99, 0.5];
    // One negative (0.95) may lie above: 0.97 and 0.99 are found, 0.85 and 0.5 not.
    expect(recallAtSpecificity(labels, scores, 0.9)).toBe(0.5);
    expect(recallAtSpecificity([1, 1], [0.5, 0.6], 0.9)).toBeNull();
  });

  it('puts "not sure" where the calibrated chance of being right is below the confidence', () => {
    const band = notSureBand(0.3, 0.8);
    expect(band.from).toBeCloseTo(0.2, 12);
    expect(band.to).toBe(0.8);
    expect(notSureBand(0.1, 0.8)).toEqual({ from: 0.1, to: 0.8, confidence: 0.8 });
    expect(notSureBand(0.9, 0.8).to).toBe(0.9);
  });
});
