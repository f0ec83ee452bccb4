/** Road networks and positions for the geo tests, placed with GeographicLib (not our ruler). */
import { wgs84Geodesic } from '../../tools/lib/geodesic';

/** The point `metres` from (lat, lon) along an azimuth (degrees from north). */
export function offset(lat: number, lon: number, azimuth: number, metres: number) {
  const r = wgs84Geodesic.Direct(lat, lon, azimuth, metres);
  return { lat: r.lat2!, lon: r.lon2! };
}

/** True geodesic distance (m). */
export function geodesicMetres(a: { lat: number; lon: number }, b: { lat: number; lon: number }) {
  return wgs84Geodesic.Inverse(a.lat, a.lon, b.lat, b.lon).s12!;
}

export function lineFeature(
  id: string | number | undefined,
  name: string | null,
  coordinates: number[][],
  extra: Record<string, unknown> = {},
) {
  return {
    type: 'Feature',
    properties: { ...(id === undefined ? {} : { road_id: id }), name, ...extra },
    geometry: { type: 'LineString', coordinates },
  };
}

export function collection(features: unknown[]) {
  return { type: 'FeatureCollection', features };
}
