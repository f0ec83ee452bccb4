import { assertScalarMap, type ScalarMap } from '../heatmap/scalar-map';
import { assertBoxes, distanceToBox, type Box } from './boxes';

export interface MapPeak {
  /** Column and row of the peak cell. */
  x: number;
  y: number;
  value: number;
}

/**
 * The map's largest finite value and its cell. When several cells tie, the first in row-major
 * order (top row first, then leftmost) wins, so the result never depends on sort stability.
 * Null when no cell is finite and positive: such a map points nowhere.
 */
export function mapPeak(map: ScalarMap): MapPeak | null {
  assertScalarMap(map);
  let best = -1;
  let bestValue = 0;
  const { data } = map;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > bestValue && Number.isFinite(v)) {
      bestValue = v;
      best = i;
    }
  }
  if (best < 0) return null;
  return { x: best % map.width, y: Math.floor(best / map.width), value: bestValue };
}

export interface PointingGameOptions {
  /** A peak this far (Euclidean, in photo pixels) from a box still counts as a hit. */
  tolerancePx?: number;
}

export interface PointingGameResult {
  hit: boolean;
  /** The map has no positive finite value: always a miss. */
  empty: boolean;
  peak: MapPeak | null;
  /** Distance from the peak's pixel centre to the nearest box (0 inside); Infinity if none. */
  distancePx: number;
}

/**
 * Pointing game (Zhang et al., 2016): a hit when the map's maximum lies in one of the boxes,
 * edges included, or within `tolerancePx` of one. The map must be at the photo's size (upsample
 * a CAM grid first). The peak's position is its pixel centre (x + 0.5, y + 0.5); ties go to the
 * first cell in row-major order (see mapPeak). An empty map (no positive value) is a miss.
 */
export function pointingGame(
  map: ScalarMap,
  boxes: readonly Box[],
  { tolerancePx = 0 }: PointingGameOptions = {},
): PointingGameResult {
  assertBoxes(boxes);
  const peak = mapPeak(map);
  if (!peak) return { hit: false, empty: true, peak: null, distancePx: Infinity };
  let distancePx = Infinity;
  for (const box of boxes) {
    distancePx = Math.min(distancePx, distanceToBox(peak.x + 0.5, peak.y + 0.5, box));
  }
  return { hit: distancePx <= Math.max(0, tolerancePx), empty: false, peak, distancePx };
}
