/**
 * What one analysed frame says, in the terms a drive needs: which damage types were found and
 * a score to pick the best frame of a stretch. Read from whatever verdict the analysis worker
 * returns today (the pothole model's label and probability); a road-damage verdict with types
 * maps the same way, so the drive logic does not change when the model does.
 */
import { isDamageType } from '../../../geo/damage-types';

export interface TypeFound {
  type: string;
  probability: number;
}

export interface FrameFinding {
  /** True when any damage type was found above its threshold. */
  damage: boolean;
  /** The types found (empty when none). */
  found: TypeFound[];
  /** The highest probability among the types found (0 when none): the best frame wins. */
  score: number;
  lowConfidence: boolean;
}

/** The pothole model's verdict (src/schema/survey.ts). */
export interface BinaryVerdictLike {
  label: string;
  potholeProbability: number;
  lowConfidence: boolean;
}

/** A road-damage verdict: a list of types with their probability and state. */
export interface TypedVerdictLike {
  types: { name: string; probability: number; state: string }[];
  lowConfidence?: boolean;
}

export function findingOf(verdict: BinaryVerdictLike | TypedVerdictLike): FrameFinding {
  if ('types' in verdict) {
    const found = verdict.types
      .filter((t) => t.state === 'found' && isDamageType(t.name))
      .map((t) => ({ type: t.name, probability: t.probability }));
    return {
      damage: found.length > 0,
      found,
      score: Math.max(0, ...found.map((t) => t.probability)),
      lowConfidence: verdict.lowConfidence ?? verdict.types.some((t) => t.state === 'not-sure'),
    };
  }
  const damage = verdict.label !== 'normal' && isDamageType(verdict.label);
  return {
    damage,
    found: damage ? [{ type: verdict.label, probability: verdict.potholeProbability }] : [],
    score: damage ? verdict.potholeProbability : 0,
    lowConfidence: verdict.lowConfidence,
  };
}
