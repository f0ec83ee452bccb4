/**
 * The server's drive-run export (GET /api/v1/export/runs.geojson, one LineString per run) as the
 * map's tracks, labelled as on the phone. Runs without a line (fewer than two points) are left
 * out.
 */
import type { MapTrack } from '../../features/map/map-view';

export interface RunFeatureCollection {
  type: 'FeatureCollection';
  features: {
    geometry: { type: 'LineString'; coordinates: [number, number][] } | null;
    properties: { id: string; startedAt: string; distanceM: number; surveys: number };
  }[];
}

export function tracksFromRunFeatures(collection: RunFeatureCollection): MapTrack[] {
  return collection.features
    .filter((f) => f.geometry !== null && f.geometry.coordinates.length >= 2)
    .map((f) => {
      const p = f.properties;
      const n = p.surveys;
      return {
        id: p.id,
        line: f.geometry!.coordinates.map(([lon, lat]) => [lon, lat] as const),
        label: `Drive run ${p.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${(p.distanceM / 1000).toFixed(1)} km, ${n} ${n === 1 ? 'survey' : 'surveys'}`,
      };
    });
}
