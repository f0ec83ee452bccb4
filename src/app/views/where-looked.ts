/**
 * One line that says where the model looked, from the CAM grid: the region (top, bottom,
 * centre, left and right edges) with the most heatmap energy for its area. A model that keys on
 * the sky or the verge instead of the road shows it here at a glance.
 */
import { regionEnergyShares, type RegionShares } from '../../explain/metrics/energy';
import type { ScalarMap } from '../../explain/heatmap/scalar-map';

const REGION_NAMES: Record<keyof RegionShares, string> = {
  centre: 'the centre',
  top: 'the top',
  bottom: 'the bottom',
  edges: 'the left and right edges',
};

/** How much more energy than its share of the area a region needs to "stand out". */
const STANDS_OUT = 1.3;

export function whereLooked(map: ScalarMap): string {
  const { energy, area, empty } = regionEnergyShares(map);
  if (empty)
    return 'The heatmap is empty: the model found no evidence for this verdict in the photo.';
  const ranked = (Object.keys(energy) as (keyof RegionShares)[])
    .map((region) => ({
      region,
      share: energy[region],
      ratio: area[region] > 0 ? energy[region] / area[region] : 0,
    }))
    .sort((a, b) => b.ratio - a.ratio);
  const [first, second] = ranked;
  if (first.ratio < STANDS_OUT) return 'The model looked all over the photo; no part stands out.';
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  if (second.ratio >= STANDS_OUT && second.ratio >= first.ratio * 0.8) {
    return (
      `The model looked mostly at ${REGION_NAMES[first.region]} and ${REGION_NAMES[second.region]} ` +
      `of the photo (${pct(first.share + second.share)} of the heatmap).`
    );
  }
  return `The model looked mostly at ${REGION_NAMES[first.region]} of the photo (${pct(first.share)} of the heatmap).`;
}
