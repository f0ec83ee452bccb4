/**
 * The evaluation report from per-photo results: the pothole figures every road model has (keys
 * as `npm run eval -- --json` always printed them), and for a road-damage model the figures of
 * each damage type, the expected calibration error and the share of road photos the not-a-road
 * score rejects.
 */
import type { EvalReport, TypeReport } from '../../src/model/metrics-records';
import type { Box } from '../data/photo-folder';
import type { BoxFigures } from './box-figures';
import {
  classificationSummary,
  expectedCalibrationError,
  groupBootstrapAuc,
  recallAtSpecificity,
  rocAuc,
  type BinaryLabel,
} from './classification-metrics';
import { median } from '../lib/median';

/** What one output said about a photo, what its labels say, and where its heatmap pointed. */
export interface TypeResult {
  probability: number;
  /** 1 shown, 0 not shown, null not known (e.g. cracks on a web photo of a pothole). */
  present: 0 | 1 | null;
  box?: BoxFigures;
  /** The photo's group of look-alikes (its place): what the AUC interval resamples. */
  group?: string;
  /** The photo, to name its place by. */
  id?: string;
}

/** The largest places placeFigures reports (places of one photo are left out). */
export const REPORTED_PLACES = 5;

/**
 * The photos showing the type, place by place (most photos first; places of several photos, at
 * most REPORTED_PLACES): how many the threshold finds and their median probability. With few
 * places, one place's kind of damage moves every figure; this says which.
 */
export function placeFigures(
  results: readonly TypeResult[],
  threshold: number,
): NonNullable<TypeReport['places']> {
  const byPlace = new Map<string, TypeResult[]>();
  for (const r of results) {
    if (r.present !== 1 || r.group === undefined) continue;
    byPlace.set(r.group, [...(byPlace.get(r.group) ?? []), r]);
  }
  return [...byPlace.values()]
    .map((rs) => ({
      first_photo: rs.map((r) => r.id ?? '').sort()[0],
      photos: rs.length,
      found: rs.filter((r) => r.probability >= threshold).length,
      median_probability: median(rs.map((r) => r.probability)),
    }))
    .filter((p) => p.photos > 1)
    .sort((a, b) => b.photos - a.photos || a.first_photo.localeCompare(b.first_photo))
    .slice(0, REPORTED_PLACES);
}

export interface PhotoResult {
  id: string;
  source: string;
  /** Its group of look-alike photos in the model's split.json (a place); its id when none. */
  group?: string;
  /** Pothole or not, as the photo's labels say. */
  label: BinaryLabel;
  potholeProbability: number;
  boxes?: Box[];
  /** The pothole heatmap's figures, on pothole photos with boxes. */
  box?: BoxFigures;
  /** Road-damage models: every output. */
  types?: Record<string, TypeResult>;
  /** Models with a not-a-road score: the score, and whether it turned the photo away. */
  notRoadScore?: number;
  notRoad?: boolean;
}

function mean(values: readonly number[]): number | null {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : null;
}

function boxAverages(boxed: readonly BoxFigures[]) {
  const avg = (f: (b: BoxFigures) => number | boolean | undefined) =>
    mean(
      boxed
        .map(f)
        .filter((v): v is number | boolean => v !== undefined)
        .map((v) => Number(v)),
    );
  return {
    pointing_game: avg((b) => b.pointingHit),
    pointing_game_tol15: avg((b) => b.pointingHitTol15),
    centre_pointing_game: avg((b) => b.centreHit),
    centre_pointing_game_tol15: avg((b) => b.centreHitTol15),
    energy_in_box: avg((b) => b.energyInBox),
    centre_energy_in_box: avg((b) => b.centreEnergyInBox),
    uniform_energy_in_box: avg((b) => b.uniformEnergyInBox),
    deletion_auc: avg((b) => b.deletionAuc),
    insertion_auc: avg((b) => b.insertionAuc),
  };
}

/** One type's figures over the photos whose labels say whether it is there. */
export function typeReport(results: readonly TypeResult[], threshold: number): TypeReport {
  const known = results.filter((r) => r.present !== null);
  const labels = known.map((r) => r.present as BinaryLabel);
  const scores = known.map((r) => r.probability);
  const positives = labels.filter((l) => l === 1).length;
  const negatives = known.length - positives;
  const boxed = known.filter((r) => r.box).map((r) => r.box!);
  const b = boxAverages(boxed);
  return {
    n: known.length,
    positives,
    auc: rocAuc(labels, scores),
    auc_interval: groupBootstrapAuc(
      labels,
      scores,
      known.map((r, i) => r.group ?? `photo ${i}`),
    ),
    recall_at_spec90: recallAtSpecificity(labels, scores, 0.9),
    recall: positives
      ? known.filter((r) => r.present === 1 && r.probability >= threshold).length / positives
      : null,
    specificity: negatives
      ? known.filter((r) => r.present === 0 && r.probability < threshold).length / negatives
      : null,
    pointing_game: b.pointing_game,
    centre_pointing_game: b.centre_pointing_game,
    energy_in_box: b.energy_in_box,
    uniform_energy_in_box: b.uniform_energy_in_box,
    boxed_photos: boxed.length,
    ece: expectedCalibrationError(scores, labels),
    places: placeFigures(known, threshold),
  };
}

/**
 * The report's figures from per-photo results (box figures over the boxed pothole photos).
 * `thresholds` (road-damage models) decide each type; the pothole verdict then uses its own.
 */
export function summarize(
  results: readonly PhotoResult[],
  excludedSeen: number,
  excludedDuplicates: number,
  thresholds?: Readonly<Record<string, number>>,
): EvalReport {
  const boxed = results.filter((r) => r.box).map((r) => r.box!);
  const report: EvalReport = {
    ...classificationSummary(
      results.map((r) => r.label),
      results.map((r) => r.potholeProbability),
      thresholds?.pothole ?? 0.5,
    ),
    ...boxAverages(boxed),
    boxed_photos: boxed.length,
    empty_maps: boxed.filter((b) => b.emptyMap).length,
    excluded_seen: excludedSeen,
    excluded_duplicates: excludedDuplicates,
  };
  if (thresholds) {
    const names = Object.keys(thresholds);
    report.types = Object.fromEntries(
      names.map((name) => [
        name,
        typeReport(
          results.flatMap((r) =>
            r.types?.[name] ? [{ ...r.types[name], group: r.group, id: r.id }] : [],
          ),
          thresholds[name],
        ),
      ]),
    );
    const all = results.flatMap((r) =>
      names.flatMap((n) => (r.types?.[n] && r.types[n].present !== null ? [r.types[n]] : [])),
    );
    report.ece = expectedCalibrationError(
      all.map((t) => t.probability),
      all.map((t) => t.present as BinaryLabel),
    );
  }
  const scored = results.filter((r) => r.notRoad !== undefined);
  if (scored.length) report.not_road_rate = scored.filter((r) => r.notRoad).length / scored.length;
  return report;
}
