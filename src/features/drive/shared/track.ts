/**
 * The GPS track of a run: fixes are kept when they are accurate enough and have moved, the
 * distance is summed along them with the location core's ruler (src/geo), and the polyline is
 * thinned for storage and upload with Douglas-Peucker in local metres (the ruler's scale at the
 * track's mean latitude: at road scale the ellipsoid is that plane, see src/geo/ruler.ts).
 */
import { distanceMetres, localScale, lonDelta, type LonLat } from '../../../geo/ruler';

/** A fix as the track keeps it: [lon, lat, ms since the run started]. */
export type TrackPoint = readonly [number, number, number];

export interface TrackOptions {
  /** Fixes less accurate than this (68% radius, m) are not used. */
  maxAccuracyM?: number;
  /** A fix closer than this to the last kept one is not kept (GPS jitter when standing). */
  minStepM?: number;
}

export const DEFAULT_MAX_ACCURACY_M = 30;
export const DEFAULT_MIN_STEP_M = 3;
/** Tolerance of the stored track: a road is drawn within 2 m of where the phone went. */
export const DEFAULT_THIN_TOLERANCE_M = 2;

export interface Fix extends LonLat {
  accuracyM: number | null;
  /** ms since the run started. */
  t: number;
}

export class TrackRecorder {
  private readonly maxAccuracyM: number;
  private readonly minStepM: number;
  private readonly kept: TrackPoint[] = [];
  private metres = 0;
  private rejected = 0;

  constructor(
    options: TrackOptions = {},
    resumed: { points?: TrackPoint[]; distanceM?: number } = {},
  ) {
    this.maxAccuracyM = options.maxAccuracyM ?? DEFAULT_MAX_ACCURACY_M;
    this.minStepM = options.minStepM ?? DEFAULT_MIN_STEP_M;
    this.kept.push(...(resumed.points ?? []));
    this.metres = resumed.distanceM ?? 0;
  }

  /** Returns true when the fix was kept. */
  add(fix: Fix): boolean {
    if (fix.accuracyM !== null && fix.accuracyM > this.maxAccuracyM) {
      this.rejected++;
      return false;
    }
    const last = this.kept[this.kept.length - 1];
    if (last) {
      const step = distanceMetres({ lon: last[0], lat: last[1] }, fix);
      if (step < this.minStepM) return false;
      this.metres += step;
    }
    this.kept.push([fix.lon, fix.lat, fix.t]);
    return true;
  }

  get distanceM(): number {
    return this.metres;
  }

  get points(): readonly TrackPoint[] {
    return this.kept;
  }

  get rejectedFixes(): number {
    return this.rejected;
  }
}

/**
 * Douglas-Peucker: keeps the first and last points and every point farther than `toleranceM`
 * from the simplified line. Iterative (a long run would overflow a recursive one).
 */
export function thinTrack<P extends readonly [number, number, ...number[]]>(
  points: readonly P[],
  toleranceM = DEFAULT_THIN_TOLERANCE_M,
): P[] {
  if (points.length <= 2) return [...points];
  const meanLat = points.reduce((s, p) => s + p[1], 0) / points.length;
  const { kx, ky } = localScale(meanLat);
  const origin = points[0];
  const xy = points.map((p) => [lonDelta(origin[0], p[0]) * kx, (p[1] - origin[1]) * ky]);
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack: [number, number][] = [[0, points.length - 1]];
  while (stack.length) {
    const [first, last] = stack.pop()!;
    let farthest = -1;
    let farthestD = toleranceM;
    for (let i = first + 1; i < last; i++) {
      const d = segmentDistance(xy[i], xy[first], xy[last]);
      if (d > farthestD) {
        farthestD = d;
        farthest = i;
      }
    }
    if (farthest >= 0) {
      keep[farthest] = 1;
      stack.push([first, farthest], [farthest, last]);
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}

/** Distance in the local plane (m) from p to the segment a-b. */
function segmentDistance(p: number[], a: number[], b: number[]): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t =
    len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}
