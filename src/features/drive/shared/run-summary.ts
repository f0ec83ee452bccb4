/**
 * The end-of-run summary: distance, damages per km by type, and the surveys to check (the
 * ones the model was not sure about first, then the highest-scoring). Pure: the page shows it,
 * tests check it.
 */

export interface RunSurveyBrief {
  id: string;
  /** Damage types the survey's frame found. */
  types: string[];
  score: number;
  lowConfidence: boolean;
}

export interface TypeRate {
  type: string;
  count: number;
  /** Damages of this type per km; null when the run is too short to say (under 100 m). */
  perKm: number | null;
}

export interface RunSummary {
  distanceKm: number;
  durationS: number;
  framesAnalysed: number;
  surveys: number;
  byType: TypeRate[];
  /** Survey ids, the ones to look at first first. */
  toCheck: string[];
}

/** Shorter runs give no per-km rate: 1 pothole in 20 m is not "50 per km". */
export const MIN_DISTANCE_FOR_RATE_M = 100;

export function summariseRun(run: {
  distanceM: number;
  startedAt: string;
  endedAt: string;
  framesAnalysed: number;
  surveys: readonly RunSurveyBrief[];
}): RunSummary {
  const counts = new Map<string, number>();
  for (const s of run.surveys) {
    for (const type of new Set(s.types)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  const km = run.distanceM / 1000;
  const byType = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type, count]) => ({
      type,
      count,
      perKm: run.distanceM >= MIN_DISTANCE_FOR_RATE_M ? count / km : null,
    }));
  const toCheck = [...run.surveys]
    .sort(
      (a, b) =>
        Number(b.lowConfidence) - Number(a.lowConfidence) ||
        b.score - a.score ||
        a.id.localeCompare(b.id),
    )
    .map((s) => s.id);
  const durationS = Math.max(0, (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000);
  return {
    distanceKm: km,
    durationS,
    framesAnalysed: run.framesAnalysed,
    surveys: run.surveys.length,
    byType,
    toCheck,
  };
}
