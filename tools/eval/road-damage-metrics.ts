/**
 * The metrics record of a road-damage model's manifest, from an evaluation of its held-out
 * photos (written by `train road-damage` and `eval --update-model`): the report, the
 * calibration before and after (the uncalibrated probabilities are recovered exactly from the
 * manifest's temperature and shift), how often a verdict was "not sure" and how often the sure
 * ones were right, the not-a-road check, and the wrong pothole verdicts.
 */
import type { RoadDamageManifest } from '../../src/model/manifest';
import type { FoldersReport, Latency } from '../../src/model/metrics-records';
import type { RoadDamageMetrics } from '../../src/model/road-damage-records';
import {
  expectedCalibrationError,
  reliabilityBins,
  type BinaryLabel,
} from './classification-metrics';
import type { PhotoResult } from './report';

const logit = (p: number) => {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The probability the model gave before calibration was folded into its weights. */
export function uncalibrated(
  p: number,
  calibration: { temperature: number; bias: number },
): number {
  return sigmoid((logit(p) - calibration.bias) * calibration.temperature);
}

/** Every known (output, photo) pair: calibrated and uncalibrated probability, and the label. */
export function calibrationPairs(
  results: readonly PhotoResult[],
  manifest: RoadDamageManifest,
): { after: number[]; before: number[]; labels: BinaryLabel[] } {
  const after: number[] = [];
  const before: number[] = [];
  const labels: BinaryLabel[] = [];
  for (const r of results) {
    for (const t of manifest.types) {
      const tr = r.types?.[t.name];
      if (!tr || tr.present === null) continue;
      after.push(tr.probability);
      before.push(
        t.calibration.inWeights ? uncalibrated(tr.probability, t.calibration) : tr.probability,
      );
      labels.push(tr.present);
    }
  }
  return { after, before, labels };
}

/** Share of photos with a "not sure" verdict on some type, and accuracy of the sure verdicts. */
export function notSureFigures(
  results: readonly PhotoResult[],
  manifest: RoadDamageManifest,
): { notSureShare: number | null; sureAccuracy: number | null } {
  let unsurePhotos = 0;
  let sure = 0;
  let right = 0;
  for (const r of results) {
    let unsure = false;
    for (const t of manifest.types) {
      const tr = r.types?.[t.name];
      if (!tr) continue;
      if (tr.probability >= t.notSure.from && tr.probability < t.notSure.to) {
        unsure = true;
        continue;
      }
      if (tr.present === null) continue;
      sure++;
      if ((tr.probability >= t.threshold ? 1 : 0) === tr.present) right++;
    }
    if (unsure) unsurePhotos++;
  }
  return {
    notSureShare: results.length ? unsurePhotos / results.length : null,
    sureAccuracy: sure ? right / sure : null,
  };
}

export function roadDamageMetrics(args: {
  manifest: RoadDamageManifest;
  report: FoldersReport;
  results: readonly PhotoResult[];
  command: string;
  latency: Latency;
  diagram: string;
  notRoad?: RoadDamageMetrics['notRoad'];
}): RoadDamageMetrics {
  const { manifest, results } = args;
  const pairs = calibrationPairs(results, manifest);
  const pothole = manifest.types.find((t) => t.name === 'pothole');
  return {
    evaluatedOn: 'photos neither trained nor validated on (the test split of these folders)',
    command: args.command,
    report: args.report,
    latency: args.latency,
    calibration: {
      diagram: args.diagram,
      eceBefore: expectedCalibrationError(pairs.before, pairs.labels),
      eceAfter: expectedCalibrationError(pairs.after, pairs.labels),
      binsBefore: reliabilityBins(pairs.before, pairs.labels),
      binsAfter: reliabilityBins(pairs.after, pairs.labels),
      ...notSureFigures(results, manifest),
    },
    ...(args.notRoad ? { notRoad: args.notRoad } : {}),
    mistakes: pothole
      ? results
          .filter((r) => (r.potholeProbability >= pothole.threshold ? 1 : 0) !== r.label)
          .map((r) => ({
            id: r.id,
            label: r.label === 1 ? ('pothole' as const) : ('normal' as const),
            potholeProbability: Number(r.potholeProbability.toFixed(4)),
          }))
      : [],
  };
}
