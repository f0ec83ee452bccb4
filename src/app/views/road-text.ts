/** The road a survey lies on, in words, for the survey's detail. */
import type { RoadMatch } from '../../geo/road-matcher';
import { chainageText } from '../../geo/chainage-text';

/** "Road A12 Main Street, chainage 1+234 (6 m from the road)". */
export function roadText(match: RoadMatch): string {
  const name = match.road.name ? `${match.road.id} ${match.road.name}` : match.road.id;
  return `Road ${name}, chainage ${chainageText(match.chainageM)} (${Math.round(match.distanceM)} m from the road)`;
}
