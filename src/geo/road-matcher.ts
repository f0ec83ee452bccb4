/**
 * Nearest road within a set distance, and the chainage there. Every segment (two consecutive
 * vertices) of every road goes into a Flatbush index of its bounding box in degrees, built once
 * per network; a point looks up only the segments whose boxes come within the search distance,
 * then measures each exactly (projection onto the segment in local metres, ellipsoidal scales,
 * see ruler.ts). Matching 5,000 surveys against thousands of roads is a few box look-ups each.
 * Roads crossing the antimeridian are not supported (no agency network here does).
 */
import Flatbush from 'flatbush';
import type { Road, RoadNetwork } from './road-network';
import { localScale, type LonLat } from './ruler';

/** Default search distance: a phone's GPS plus half a carriageway. */
export const DEFAULT_MATCH_DISTANCE_M = 30;

export interface RoadMatch {
  road: Road;
  /** Metres from the road's start, along the road, to the point's foot on it. */
  chainageM: number;
  /** Metres from the point to the road. */
  distanceM: number;
  /** The foot of the point on the road. */
  onRoad: LonLat;
}

export class RoadMatcher {
  readonly network: RoadNetwork;
  private readonly index: Flatbush | null;
  /** Per segment: road, part and first vertex (flat arrays: one object per segment is heavy). */
  private readonly segRoad: Uint32Array;
  private readonly segPart: Uint32Array;
  private readonly segVertex: Uint32Array;

  constructor(network: RoadNetwork) {
    this.network = network;
    let count = 0;
    for (const road of network.roads)
      for (const part of road.parts) count += part.coordinates.length - 1;
    this.segRoad = new Uint32Array(count);
    this.segPart = new Uint32Array(count);
    this.segVertex = new Uint32Array(count);
    this.index = count > 0 ? new Flatbush(count) : null;
    let s = 0;
    network.roads.forEach((road, r) => {
      road.parts.forEach((part, p) => {
        const c = part.coordinates;
        for (let v = 0; v + 1 < c.length; v++, s++) {
          this.segRoad[s] = r;
          this.segPart[s] = p;
          this.segVertex[s] = v;
          this.index!.add(
            Math.min(c[v][0], c[v + 1][0]),
            Math.min(c[v][1], c[v + 1][1]),
            Math.max(c[v][0], c[v + 1][0]),
            Math.max(c[v][1], c[v + 1][1]),
          );
        }
      });
    });
    this.index?.finish();
  }

  /** The nearest road within `maxDistanceM` of the point, or null. Ties go to the road listed
   * first in the network. */
  match(point: LonLat, maxDistanceM = DEFAULT_MATCH_DISTANCE_M): RoadMatch | null {
    if (!this.index) return null;
    const { kx, ky } = localScale(point.lat);
    const dLat = maxDistanceM / ky;
    // Near the poles a degree of longitude shrinks to nothing: search all longitudes there.
    const dLon = kx > 1 ? maxDistanceM / kx : 360;
    const candidates = this.index.search(
      point.lon - dLon,
      point.lat - dLat,
      point.lon + dLon,
      point.lat + dLat,
    );
    let best: RoadMatch | null = null;
    let bestSegment = Infinity;
    for (const s of candidates) {
      const road = this.network.roads[this.segRoad[s]];
      const part = road.parts[this.segPart[s]];
      const v = this.segVertex[s];
      const [ax, ay] = part.coordinates[v];
      const [bx, by] = part.coordinates[v + 1];
      // Local metres around the point: the segment is within maxDistance of it, so one scale
      // serves both (the error is second order in that distance).
      const abx = (bx - ax) * kx;
      const aby = (by - ay) * ky;
      const apx = (point.lon - ax) * kx;
      const apy = (point.lat - ay) * ky;
      const len2 = abx * abx + aby * aby;
      const t = len2 > 0 ? Math.min(1, Math.max(0, (apx * abx + apy * aby) / len2)) : 0;
      const distanceM = Math.hypot(apx - t * abx, apy - t * aby);
      if (distanceM > maxDistanceM) continue;
      // Equal distances (a junction): the road listed first, then the earlier segment.
      const order = this.segRoad[s] * 1e9 + s;
      if (
        best &&
        (distanceM > best.distanceM || (distanceM === best.distanceM && order > bestSegment))
      )
        continue;
      const segmentLength = part.chainageAt[v + 1] - part.chainageAt[v];
      best = {
        road,
        chainageM: part.chainageAt[v] + t * segmentLength,
        distanceM,
        onRoad: { lon: ax + t * (bx - ax), lat: ay + t * (by - ay) },
      };
      bestSegment = order;
    }
    return best;
  }
}
