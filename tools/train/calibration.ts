/**
 * Confidence that means what it says: per output, a temperature (p = sigmoid(z / T)) or a
 * temperature and a shift (Platt scaling, p = sigmoid(z / T + b)) fitted to the validation
 * photos' logits by log loss, chosen between the two by two-fold cross-validation on those
 * photos; and the "not sure" band. (The expected calibration error, the reliability diagram's
 * bins and the threshold at a stated specificity are evaluation figures: classification-metrics.)
 */
import type { Calibration } from '../../src/model/damage-manifest';
import type { BinaryLabel } from '../eval/classification-metrics';

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Mean log loss of p = sigmoid(a z + b). */
export function logLoss(
  logits: readonly number[],
  labels: readonly BinaryLabel[],
  a: number,
  b: number,
): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = a * logits[i] + b;
    // log(1 + exp(-|z|)) + max(z, 0) - y z: stable for any z.
    s += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - labels[i] * z;
  }
  return s / Math.max(1, logits.length);
}

/**
 * Fits p = sigmoid(a z + b) by Newton's method on the log loss (b fixed at 0 for a pure
 * temperature), with a tiny ridge so that separable data stays finite. Returns a > 0.
 */
export function fitScaling(
  logits: readonly number[],
  labels: readonly BinaryLabel[],
  withBias: boolean,
): { a: number; b: number } {
  let a = 1;
  let b = 0;
  const ridge = 1e-3;
  for (let iter = 0; iter < 100; iter++) {
    let ga = ridge * (a - 1);
    let gb = withBias ? ridge * b : 0;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < logits.length; i++) {
      const p = sigmoid(a * logits[i] + b);
      const r = p - labels[i];
      const w = p * (1 - p);
      ga += r * logits[i];
      haa += w * logits[i] * logits[i];
      if (withBias) {
        gb += r;
        hab += w * logits[i];
        hbb += w;
      }
    }
    let da: number;
    let db = 0;
    if (withBias) {
      const det = haa * hbb - hab * hab;
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    } else {
      da = ga / haa;
    }
    // Damped steps keep a positive (a negative temperature would flip every verdict).
    let step = 1;
    while (a - step * da <= 1e-3 && step > 1e-6) step /= 2;
    a -= step * da;
    b -= step * db;
    if (Math.abs(step * da) < 1e-9 && Math.abs(step * db) < 1e-9) break;
  }
  return { a, b };
}

/**
 * Temperature or Platt scaling for one output, chosen by the mean log loss of two-fold
 * cross-validation on the validation photos (alternate photos in each fold), then fitted on all
 * of them.
 */
export function chooseCalibration(
  logits: readonly number[],
  labels: readonly BinaryLabel[],
): Omit<Calibration, 'inWeights' | 'validationEce'> & { a: number; b: number } {
  const folds = [0, 1].map((f) => logits.map((_, i) => i).filter((i) => i % 2 === f));
  const cv = (withBias: boolean) =>
    folds.reduce((sum, test, f) => {
      const train = folds[1 - f];
      const fit = fitScaling(
        train.map((i) => logits[i]),
        train.map((i) => labels[i]),
        withBias,
      );
      return (
        sum +
        logLoss(
          test.map((i) => logits[i]),
          test.map((i) => labels[i]),
          fit.a,
          fit.b,
        )
      );
    }, 0);
  const platt = cv(true) < cv(false);
  const { a, b } = fitScaling(logits, labels, platt);
  return { method: platt ? 'platt' : 'temperature', temperature: 1 / a, bias: b, a, b };
}

/**
 * Where a verdict is "not sure": with calibrated probabilities, a type found (p >= threshold) is
 * right with chance p, one not found with chance 1 - p. Below `confidence` either way is not
 * sure: [min(threshold, 1 - confidence), max(threshold, confidence)).
 */
export function notSureBand(
  threshold: number,
  confidence: number,
): { from: number; to: number; confidence: number } {
  return {
    from: Math.min(threshold, 1 - confidence),
    to: Math.max(threshold, confidence),
    confidence,
  };
}
