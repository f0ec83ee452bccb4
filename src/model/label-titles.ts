/**
 * What the app and the office call a label of the field truth loop (issue 11): a damage type,
 * good road or not a road. One list for the phone's "Corrected by the office" and the review
 * page.
 */
import { GOOD_ROAD_LABEL, NOT_ROAD_LABEL } from '../schema/survey-rules';
import { DAMAGE_TYPES, isDamageTypeName } from './damage-types';

export function labelTitle(label: string): string {
  if (label === GOOD_ROAD_LABEL) return 'Good road';
  if (label === NOT_ROAD_LABEL) return 'Not a road';
  return isDamageTypeName(label) ? DAMAGE_TYPES[label].title : label;
}
