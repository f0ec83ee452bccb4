/**
 * Surveys as map markers, and markers as clusters. A marker's kind is what its symbol shows:
 * the most probable damage type found, or good road, not a road, or "pending" (not analysed
 * yet). Clustering is Supercluster's (a k-d tree per zoom level, built once: 5,000 points take
 * milliseconds and re-clustering on pan is a look-up); each cluster carries how many markers of
 * each kind it holds, so the map can draw it by its worst content.
 */
import Supercluster from 'supercluster';
import { GOOD_ROAD, isDamageType, NOT_ROAD } from './damage-types';
import type { TypeProbability } from './export-row';

export const PENDING = 'pending';

export interface MapMarker {
  id: string;
  lat: number;
  lon: number;
  /** A damage type, `good_road`, `not_road` or `pending`. */
  kind: string;
}

/** The kind shown for a verdict (see the file comment). */
export function markerKind(verdict: {
  found: readonly string[];
  probabilities: readonly TypeProbability[];
}): string {
  if (verdict.found.includes(NOT_ROAD)) return NOT_ROAD;
  const damage = verdict.found.filter(isDamageType);
  if (damage.length > 0) {
    const p = (type: string) =>
      verdict.probabilities.find((entry) => entry.type === type)?.probability ?? 0;
    return damage.reduce((best, type) => (p(type) > p(best) ? type : best));
  }
  if (verdict.found.includes(GOOD_ROAD)) return GOOD_ROAD;
  return PENDING;
}

/**
 * Whether two marker lists show the same thing (same order, ids, places and kinds). Pages read
 * their surveys again whenever any changes, mostly in sync state, which moves no marker: the
 * map then keeps its cluster index instead of building it again under the engineer's finger.
 */
export function sameMarkers(a: readonly MapMarker[], b: readonly MapMarker[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.id !== y.id || x.lat !== y.lat || x.lon !== y.lon || x.kind !== y.kind) return false;
  }
  return true;
}

export interface ClusterOptions {
  /** Cluster radius in screen pixels (default 48: a finger's width). */
  radiusPx?: number;
  /** Above this zoom every marker stands alone (default 17: a street's width on screen). */
  maxZoom?: number;
}

export type ClusterItem =
  | { type: 'marker'; marker: MapMarker }
  | {
      type: 'cluster';
      clusterId: number;
      lat: number;
      lon: number;
      count: number;
      /** Markers per kind inside the cluster. */
      kinds: Record<string, number>;
    };

interface MarkerProps {
  index: number;
}
interface ClusterProps {
  kinds: Record<string, number>;
}

export class MarkerClusters {
  private readonly index: Supercluster<MarkerProps, ClusterProps>;
  private readonly markers: readonly MapMarker[];

  constructor(markers: readonly MapMarker[], options: ClusterOptions = {}) {
    this.markers = markers;
    this.index = new Supercluster<MarkerProps, ClusterProps>({
      radius: options.radiusPx ?? 48,
      maxZoom: options.maxZoom ?? 17,
      // Supercluster's radius is in pixels of a 512 px tile; maps here use 256 px tiles.
      extent: 256,
      map: (props) => ({ kinds: { [markers[props.index].kind]: 1 } }),
      // Supercluster copies a point's properties shallowly into its first cluster: a new object
      // each time, or the counts of the point (and of lower-zoom clusters) would grow too.
      reduce: (into, from) => {
        const kinds = { ...into.kinds };
        for (const [kind, n] of Object.entries(from.kinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
        into.kinds = kinds;
      },
    });
    this.index.load(
      markers.map((m, index) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [m.lon, m.lat] },
        properties: { index },
      })),
    );
  }

  /** What to draw in a view: [west, south, east, north] in degrees, at an integer zoom. */
  items(bbox: [number, number, number, number], zoom: number): ClusterItem[] {
    return this.index.getClusters(bbox, Math.floor(zoom)).map((feature) => {
      const [lon, lat] = feature.geometry.coordinates;
      const props = feature.properties;
      if ('cluster' in props && props.cluster)
        return {
          type: 'cluster',
          clusterId: props.cluster_id,
          lat,
          lon,
          count: props.point_count,
          kinds: { ...props.kinds },
        };
      return { type: 'marker', marker: this.markers[(props as MarkerProps).index] };
    });
  }

  /** The zoom at which a cluster falls apart (tap on a cluster zooms there). */
  expansionZoom(clusterId: number): number {
    return this.index.getClusterExpansionZoom(clusterId);
  }
}
