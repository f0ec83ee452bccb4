/**
 * The kinds of road damage a RoadCAM model can report, as field engineers survey them (the
 * RDD road damage data set's classes): potholes, cracks with their three subtypes, and patches.
 * Shared by the manifest (which outputs a model has), the training tools (which photos show
 * what) and the app (what to call each one). No tfjs, no DOM.
 */

export const DAMAGE_TYPE_NAMES = [
  'pothole',
  'crack',
  'patch',
  'longitudinal-crack',
  'transverse-crack',
  'alligator-crack',
] as const;
export type DamageTypeName = (typeof DAMAGE_TYPE_NAMES)[number];

export interface DamageTypeInfo {
  name: DamageTypeName;
  /** What the app calls it. */
  title: string;
  /** A subtype names its main type ("crack"); main types have none. */
  parent?: DamageTypeName;
  /** The RDD2022 classes that show it (D00 longitudinal crack ... Repair patch). */
  rddClasses: readonly string[];
}

export const DAMAGE_TYPES: Record<DamageTypeName, DamageTypeInfo> = {
  pothole: { name: 'pothole', title: 'Pothole', rddClasses: ['D40'] },
  crack: { name: 'crack', title: 'Crack', rddClasses: ['D00', 'D10', 'D20'] },
  patch: { name: 'patch', title: 'Patch', rddClasses: ['Repair'] },
  'longitudinal-crack': {
    name: 'longitudinal-crack',
    title: 'Longitudinal crack',
    parent: 'crack',
    rddClasses: ['D00'],
  },
  'transverse-crack': {
    name: 'transverse-crack',
    title: 'Transverse crack',
    parent: 'crack',
    rddClasses: ['D10'],
  },
  'alligator-crack': {
    name: 'alligator-crack',
    title: 'Alligator crack',
    parent: 'crack',
    rddClasses: ['D20'],
  },
};

export function isDamageTypeName(name: string): name is DamageTypeName {
  return (DAMAGE_TYPE_NAMES as readonly string[]).includes(name);
}
