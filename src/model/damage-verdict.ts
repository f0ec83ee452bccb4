/**
 * From a road-damage model's outputs to what the app says: per type found, not sure or not
 * found (each at its manifest threshold and "not sure" band), and for the photo "not a road"
 * (when the not-a-road score is above its threshold), "damage", "not sure" or "good road" (no
 * main type found and none not sure). Pure: the worker and Node tests share it.
 */
import type { DamageOutput, NotRoad } from './damage-manifest';

export type TypeState = 'found' | 'not-sure' | 'not-found';

export interface TypeVerdict {
  name: DamageOutput['name'];
  title: string;
  parent?: DamageOutput['parent'];
  probability: number;
  state: TypeState;
}

export type PhotoVerdictKind = 'not-a-road' | 'damage' | 'not-sure' | 'good-road';

export interface PhotoVerdict {
  kind: PhotoVerdictKind;
  /** Every output, in output order. */
  types: TypeVerdict[];
  /** The main types found (subtypes are in `types`, under their parent). */
  found: TypeVerdict[];
  /** The not-a-road score, when the model has one and it was computed. */
  notRoadScore?: number;
}

export class DamageVerdictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DamageVerdictError';
  }
}

export function typeState(
  probability: number,
  t: Pick<DamageOutput, 'threshold' | 'notSure'>,
): TypeState {
  if (probability >= t.notSure.from && probability < t.notSure.to) return 'not-sure';
  return probability >= t.threshold ? 'found' : 'not-found';
}

export function photoVerdict(
  probabilities: ArrayLike<number>,
  manifest: { types: readonly DamageOutput[]; notRoad?: Pick<NotRoad, 'threshold'> },
  notRoadScore?: number,
): PhotoVerdict {
  const types = manifest.types.map((t): TypeVerdict => {
    const probability = probabilities[t.output];
    if (probability === undefined || !Number.isFinite(probability)) {
      throw new DamageVerdictError(
        `The model gave ${probabilities.length} outputs, but its manifest expects "${t.name}" at ` +
          `output ${t.output}: the model and its manifest do not belong together.`,
      );
    }
    return {
      name: t.name,
      title: t.title,
      ...(t.parent ? { parent: t.parent } : {}),
      probability,
      state: typeState(probability, t),
    };
  });
  const main = types.filter((t) => !t.parent);
  const found = main.filter((t) => t.state === 'found');
  const base = { types, found, ...(notRoadScore !== undefined ? { notRoadScore } : {}) };
  if (manifest.notRoad && notRoadScore !== undefined && notRoadScore > manifest.notRoad.threshold) {
    return { kind: 'not-a-road', ...base };
  }
  if (found.length) return { kind: 'damage', ...base };
  if (main.some((t) => t.state === 'not-sure')) return { kind: 'not-sure', ...base };
  return { kind: 'good-road', ...base };
}
