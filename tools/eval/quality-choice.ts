/**
 * Choosing the photo-quality thresholds (`npm run eval -- --quality --choose`) from the steps
 * of `qualitySteps` on the model's validation photos, by a stated rule:
 *
 * - along each degradation (darkening, blurring), the first step at which the model is clearly
 *   worse is the first whose AUC of some type falls more than `maxAucDrop` below the photos as
 *   taken; the step before it is the last at which the model is still fine;
 * - the threshold is the one that best tells these two steps' photos apart: it maximises the
 *   share of the worse step's photos flagged minus the share of the fine step's photos flagged
 *   (Youden's J over the two steps; on a tie, the lower threshold, which flags less);
 * - when no step makes the model worse, the app's default stays (nothing measured says where).
 *
 * The held-out photos then measure the thresholds chosen (they never choose).
 */
import { QUALITY_THRESHOLDS, type QualityThresholds } from '../../src/image/photo-quality';
import type { QualityChoiceRecord, QualityStep } from '../../src/model/metrics-records';
import type { MeasuredQuality } from './quality';

export const QUALITY_CHOICE_RULE = { maxAucDrop: 0.05 } as const;

type Side = QualityChoiceRecord['dark'];

/** The threshold (a value of `fine` or `worse`) maximising flagged(worse) - flagged(fine), where
 * a photo is flagged when its value is below the threshold. */
export function separatingThreshold(
  fine: readonly number[],
  worse: readonly number[],
): { threshold: number; flaggedFine: number; flaggedWorse: number } {
  const below = (values: readonly number[], t: number) =>
    values.filter((v) => v < t).length / Math.max(1, values.length);
  const candidates = [...new Set([...fine, ...worse])].sort((a, b) => a - b);
  let best = { threshold: candidates[0] ?? 0, flaggedFine: 0, flaggedWorse: 0 };
  let bestJ = 0;
  for (const t of candidates) {
    const flaggedFine = below(fine, t);
    const flaggedWorse = below(worse, t);
    if (flaggedWorse - flaggedFine > bestJ) {
      bestJ = flaggedWorse - flaggedFine;
      best = { threshold: t, flaggedFine, flaggedWorse };
    }
  }
  return best;
}

function isWorse(step: QualityStep, asTaken: QualityStep, maxAucDrop: number): boolean {
  return Object.entries(step.auc).some(([type, auc]) => {
    const base = asTaken.auc[type];
    return auc !== null && base !== null && base !== undefined && auc < base - maxAucDrop;
  });
}

function chooseSide(
  measured: MeasuredQuality,
  kind: QualityStep['kind'],
  value: 'brightness' | 'sharpness',
  fallback: number,
  maxAucDrop: number,
  decimals: number,
): Side {
  const { steps } = measured.record;
  const asTakenIndex = steps.findIndex((s) => s.kind === 'exposure' && s.level === 1);
  if (asTakenIndex < 0) throw new Error('The quality steps lack the photos as taken.');
  const asTaken = steps[asTakenIndex];
  // The photos as taken, then the side's steps from the mildest to the strongest.
  const order = [
    asTakenIndex,
    ...steps
      .map((s, i) => ({ s, i }))
      .filter(({ s, i }) => s.kind === kind && i !== asTakenIndex)
      .sort((a, b) => (kind === 'exposure' ? b.s.level - a.s.level : a.s.level - b.s.level))
      .map(({ i }) => i),
  ];
  const worseAt = order.findIndex((i) => isWorse(steps[i], asTaken, maxAucDrop));
  if (worseAt <= 0) {
    return { threshold: fallback, fine: null, worse: null, flaggedFine: null, flaggedWorse: null };
  }
  const fine = order[worseAt - 1];
  const worse = order[worseAt];
  const split = separatingThreshold(
    measured.perPhoto[fine][value],
    measured.perPhoto[worse][value],
  );
  const scale = 10 ** decimals;
  return {
    threshold: Math.round(split.threshold * scale) / scale,
    fine: { kind: steps[fine].kind, level: steps[fine].level },
    worse: { kind: steps[worse].kind, level: steps[worse].level },
    flaggedFine: split.flaggedFine,
    flaggedWorse: split.flaggedWorse,
  };
}

/** The thresholds the rule chooses from steps measured on validation photos. */
export function chooseQualityThresholds(
  measured: MeasuredQuality,
  maxAucDrop: number = QUALITY_CHOICE_RULE.maxAucDrop,
): { thresholds: QualityThresholds; choice: QualityChoiceRecord } {
  const dark = chooseSide(
    measured,
    'exposure',
    'brightness',
    QUALITY_THRESHOLDS.minBrightness,
    maxAucDrop,
    1,
  );
  const blur = chooseSide(
    measured,
    'blur',
    'sharpness',
    QUALITY_THRESHOLDS.minSharpness,
    maxAucDrop,
    2,
  );
  return {
    thresholds: { minBrightness: dark.threshold, minSharpness: blur.threshold },
    choice: {
      command: measured.record.command,
      photos: measured.record.photos,
      maxAucDrop,
      dark,
      blur,
      steps: measured.record.steps,
    },
  };
}
