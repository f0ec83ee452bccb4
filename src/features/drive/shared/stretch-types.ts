/**
 * The damage types a drive keeps stretches for, from what a frame found: the main types
 * (pothole, crack, patch). A crack subtype (longitudinal, transverse, alligator) counts as a
 * crack: the same crack seen as "longitudinal" in one frame and "alligator" in the next is one
 * damage, not three. Each type's score is its probability (the best frame of a pothole stretch
 * is the frame most sure of the pothole).
 */
import { DAMAGE_TYPES, isDamageTypeName } from '../../../model/damage-types';
import type { FrameFinding } from '../../../model/frame-finding';
import type { TypeScore } from './damage-stretches';

export function stretchTypesOf(finding: FrameFinding): TypeScore[] {
  if (!finding.damage) return [];
  const best = new Map<string, number>();
  for (const { type, probability } of finding.found) {
    const main = isDamageTypeName(type) ? (DAMAGE_TYPES[type].parent ?? type) : type;
    best.set(main, Math.max(probability, best.get(main) ?? -Infinity));
  }
  return [...best.entries()].map(([type, score]) => ({ type, score }));
}
