/**
 * Choosing the photo-quality thresholds (`eval --quality --choose`, tools/eval/quality-choice.ts)
 * on steps whose AUCs and per-photo values are made here, so that the right answer is known.
 */
import { describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS } from '../../src/image/photo-quality';
import type { QualityStep } from '../../src/model/metrics-records';
import type { MeasuredQuality } from '../../tools/eval/quality';
import { chooseQualityThresholds, separatingThreshold } from '../../tools/eval/quality-choice';

/** 20 photos with brightness 60, 70, ... 250 and sharpness 10 as taken. */
const BRIGHTNESS = Array.from({ length: 20 }, (_, i) => 60 + 10 * i);

function measured(
  darkAuc: Record<number, number>,
  blurAuc: Record<number, number>,
): MeasuredQuality {
  const steps: QualityStep[] = [];
  const perPhoto: MeasuredQuality['perPhoto'] = [];
  const push = (
    kind: QualityStep['kind'],
    level: number,
    auc: number,
    b: number[],
    s: number[],
  ) => {
    steps.push({
      kind,
      level,
      auc: { pothole: auc, crack: 0.99 },
      meanBrightness: b.reduce((x, y) => x + y) / b.length,
      meanSharpness: s.reduce((x, y) => x + y) / s.length,
      flaggedDark: 0,
      flaggedBlurred: 0,
    });
    perPhoto.push({ brightness: b, sharpness: s });
  };
  for (const f of [1, 0.5, 0.35, 0.25, 0.15]) {
    push(
      'exposure',
      f,
      darkAuc[f],
      BRIGHTNESS.map((b) => b * f),
      BRIGHTNESS.map(() => 10),
    );
  }
  for (const sigma of [1, 1.5, 2, 3]) {
    push(
      'blur',
      sigma,
      blurAuc[sigma],
      BRIGHTNESS,
      BRIGHTNESS.map((_, i) => 8 / sigma + i / 20),
    );
  }
  return {
    record: { command: 'test', photos: 20, thresholds: QUALITY_THRESHOLDS, steps },
    perPhoto,
  };
}

describe('choosing the photo-quality thresholds', () => {
  it('the separating threshold maximises flagged worse minus flagged fine', () => {
    expect(separatingThreshold([5, 6, 7, 8], [1, 2, 3, 4])).toEqual({
      threshold: 5,
      flaggedFine: 0,
      flaggedWorse: 1,
    });
    // Overlapping: below 3 flags 2 of 4 worse and none fine; below 5, 3 of 4 worse and 1 of 4
    // fine. Both tell them apart by 0.5: the lower threshold, which flags less, is taken.
    expect(separatingThreshold([3, 5, 6, 7], [1, 2, 3.5, 8])).toEqual({
      threshold: 3,
      flaggedFine: 0,
      flaggedWorse: 0.5,
    });
  });

  it('sits between the last step the model copes with and the first it does not', () => {
    // The pothole AUC (0.95 as taken) falls by 0.1 at exposure x 0.25 and at blur sigma 2.
    const { thresholds, choice } = chooseQualityThresholds(
      measured(
        { 1: 0.95, 0.5: 0.95, 0.35: 0.93, 0.25: 0.85, 0.15: 0.7 },
        { 1: 0.95, 1.5: 0.92, 2: 0.85, 3: 0.8 },
      ),
    );
    expect(choice.dark).toMatchObject({
      fine: { kind: 'exposure', level: 0.35 },
      worse: { kind: 'exposure', level: 0.25 },
    });
    expect(choice.blur).toMatchObject({
      fine: { kind: 'blur', level: 1.5 },
      worse: { kind: 'blur', level: 2 },
    });
    // Brightness x 0.35 is 21-87.5, x 0.25 is 15-62.5: flagging below the threshold takes
    // far more of the worse step than of the fine one.
    expect(thresholds.minBrightness).toBeGreaterThan(21);
    expect(thresholds.minBrightness).toBeLessThan(87.5);
    expect(choice.dark.flaggedWorse! - choice.dark.flaggedFine!).toBeGreaterThan(0.2);
    // Sharpness 5.33-6.28 at sigma 1.5 and 4-4.95 at sigma 2: cleanly apart.
    expect(thresholds.minSharpness).toBeGreaterThan(4.95);
    expect(thresholds.minSharpness).toBeLessThanOrEqual(5.34);
    expect(choice.blur).toMatchObject({ flaggedFine: 0, flaggedWorse: 1 });
  });

  it("keeps the app's default where no step makes the model worse, and says so", () => {
    const { thresholds, choice } = chooseQualityThresholds(
      measured(
        { 1: 0.95, 0.5: 0.95, 0.35: 0.95, 0.25: 0.94, 0.15: 0.93 },
        { 1: 0.85, 1.5: 0.8, 2: 0.8, 3: 0.7 },
      ),
    );
    expect(thresholds.minBrightness).toBe(QUALITY_THRESHOLDS.minBrightness);
    expect(choice.dark).toMatchObject({ fine: null, worse: null });
    // Worse already at the first blur: the photos as taken are the last fine ones.
    expect(choice.blur).toMatchObject({
      fine: { kind: 'exposure', level: 1 },
      worse: { kind: 'blur', level: 1 },
    });
    // Sharpness 10 as taken, 8-8.95 at sigma 1.
    expect(thresholds.minSharpness).toBe(10);
  });
});
