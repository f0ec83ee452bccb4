/**
 * What a photo's labels say about each damage type a model reports: present, absent, or not
 * known, and where (boxes). The folders say different amounts:
 * - rdd2022 field photos label every damage with a class and a box, so every type is known;
 * - `normal/` photos are good roads: every type is absent;
 * - `potholes/` and annotated photos say only that a pothole is there (with boxes where a
 *   boxes.json gives them): cracks and patches on them are not known, and training leaves
 *   those outputs alone on them rather than calling them absent.
 */
import { DAMAGE_TYPES, type DamageTypeName } from '../../src/model/damage-types';
import type { Box, PhotoRecord } from './photo-folder';

export interface TypeLabel {
  /** 1 present, 0 absent, null not known. */
  present: 0 | 1 | null;
  /** Where it is, when the labels say (empty when absent or unknown, or known without boxes). */
  boxes: Box[];
}

export function typeLabel(photo: PhotoRecord, type: DamageTypeName): TypeLabel {
  if (photo.annotations) {
    const classes = DAMAGE_TYPES[type].rddClasses;
    const boxes = photo.annotations.filter((a) => classes.includes(a.class)).map((a) => a.box);
    return { present: boxes.length > 0 ? 1 : 0, boxes };
  }
  if (photo.label === 'normal') return { present: 0, boxes: [] };
  if (type === 'pothole') return { present: 1, boxes: photo.boxes ?? [] };
  return { present: null, boxes: [] };
}

export function typeLabels(photo: PhotoRecord, types: readonly DamageTypeName[]): TypeLabel[] {
  return types.map((t) => typeLabel(photo, t));
}
