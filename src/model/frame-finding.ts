/**
 * What one analysed frame says, in the terms a drive needs (issue 13): which damage types were
 * found and a score to pick the best frame of a stretch. Read from whatever verdict the model
 * gives (the pothole model's label and probability, or a road-damage model's types), so the
 * drive logic does not change when the model does. Here, beside the verdicts, because the
 * worker uses it too (it encodes a frame's photo only when it found damage).
 */
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
  /** The types found, when the model says (none when the photo is not a road). */
  found?: readonly string[];
  lowConfidence?: boolean;
}

export function findingOf(verdict: BinaryVerdictLike | TypedVerdictLike): FrameFinding {
  if ('types' in verdict) {
    const found = verdict.types
      // Every output of a road-damage model is a damage type; not-a-road is a separate score.
      .filter((t) => (verdict.found ? verdict.found.includes(t.name) : t.state === 'found'))
      .map((t) => ({ type: t.name, probability: t.probability }));
    return {
      damage: found.length > 0,
      found,
      score: Math.max(0, ...found.map((t) => t.probability)),
      lowConfidence: verdict.lowConfidence ?? verdict.types.some((t) => t.state === 'not-sure'),
    };
  }
  // The pothole model says 'pothole'; a road-damage model's summary label says 'damage'.
  const damage = verdict.label === 'pothole' || verdict.label === 'damage';
  return {
    damage,
    found: damage ? [{ type: verdict.label, probability: verdict.potholeProbability }] : [],
    score: damage ? verdict.potholeProbability : 0,
    lowConfidence: verdict.lowConfidence,
  };
}
