/**
 * The aims the field model was built for (issue 10), each with the figure that measures it on
 * the held-out photos and whether it was met: reached and missed alike go in the card.
 */
import type { RoadDamageManifest } from '../../src/model/manifest';

const FIELD = 'rdd2022-china-motorbike';

interface Aim {
  aim: string;
  value: number | null | undefined;
  /** Met when value >= at least (or <= at most). */
  atLeast?: number;
  atMost?: number;
  format?: (v: number) => string;
}

export function aims(m: RoadDamageManifest): Aim[] {
  const r = m.metrics?.report;
  const field = r?.by_folder[FIELD];
  const t = m.training;
  return [
    {
      aim: 'pothole ROC AUC ≥ 0.97 on held-out field photos',
      value: field?.types?.pothole?.auc,
      atLeast: 0.97,
    },
    {
      aim: 'pothole recall ≥ 0.85 at 90% specificity on held-out field photos',
      value: field?.types?.pothole?.recall_at_spec90,
      atLeast: 0.85,
    },
    {
      aim: 'crack ROC AUC ≥ 0.90 on held-out field photos',
      value: field?.types?.crack?.auc,
      atLeast: 0.9,
    },
    {
      aim: 'pothole pointing game ≥ 0.60 on held-out field photos with boxes',
      value: field?.types?.pothole?.pointing_game,
      atLeast: 0.6,
    },
    {
      aim: 'accuracy on held-out `potholes-kaggle` photos ≥ 0.95 (pothole threshold)',
      value: r?.by_folder['potholes-kaggle']?.accuracy,
      atLeast: 0.95,
    },
    {
      aim: 'specificity on held-out intact close-ups ≥ 0.90',
      value: r?.by_folder['potholes-closeup']?.normal_specificity,
      atLeast: 0.9,
    },
    {
      aim: 'photos that are not roads turned away ≥ 95%',
      value: m.metrics?.notRoad?.not_road_rate,
      atLeast: 0.95,
    },
    { aim: 'held-out road photos turned away ≤ 2%', value: r?.not_road_rate, atMost: 0.02 },
    {
      aim: 'multiply-adds per photo ≤ 150 M',
      value: t?.multiplyAdds,
      atMost: 150e6,
      format: (v) => `${(v / 1e6).toFixed(1)} M`,
    },
    {
      aim: 'training command ≤ 30 min on a quiet 2-core machine (its CPU time)',
      value: t?.cpuMinutes,
      atMost: 30,
      format: (v) => `${v.toFixed(1)} min`,
    },
  ];
}

export function aimRows(m: RoadDamageManifest): string[][] {
  return aims(m).map((a) => {
    if (a.value === null || a.value === undefined) return [a.aim, 'not measured', 'n/a'];
    const met =
      (a.atLeast === undefined || a.value >= a.atLeast) &&
      (a.atMost === undefined || a.value <= a.atMost);
    return [a.aim, a.format ? a.format(a.value) : a.value.toFixed(3), met ? 'yes' : '**no**'];
  });
}
