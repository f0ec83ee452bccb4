/**
 * The survey record's part of a road-damage explanation, shared by the field app's survey and the
 * drive mode's frames (both build records from the worker's answer).
 */
import type { SurveyDamage } from '../store/survey-record';
import type { Explanation } from './protocol';

/** The record's part of a road-damage explanation (not kept: the engineer has not chosen). */
export function damageOf(e: Explanation | null): SurveyDamage | undefined {
  const d = e?.damage;
  if (!d) return undefined;
  return {
    outcome: d.outcome,
    probabilities: Object.fromEntries(d.types.map((t) => [t.name, t.probability])),
    found: [...d.found],
    notSure: [...d.notSure],
    notRoad: d.notRoad ? { ...d.notRoad, kept: false } : null,
    cams: Object.fromEntries(d.heatmaps.map((h) => [h.type, h.cam])),
  };
}
