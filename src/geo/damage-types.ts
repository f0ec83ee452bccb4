/**
 * What a verdict can say, by name. A verdict is a list of types found with each type's
 * probability, so a model that learns a new damage type needs no code change here: these
 * names are only the ones the app knows how to draw and order today (issue 10's model).
 */

/** Damage types in the order reports and export columns list them. */
export const KNOWN_DAMAGE_TYPES = ['pothole', 'crack', 'patch'] as const;

/** The verdict "no damage found on a road surface". */
export const GOOD_ROAD = 'good_road';

/** The verdict "this photo is not of a road surface" (kept, never counted as good road). */
export const NOT_ROAD = 'not_road';

/** True for a type that is damage (anything but good road and not a road). */
export function isDamageType(type: string): boolean {
  return type !== GOOD_ROAD && type !== NOT_ROAD;
}
