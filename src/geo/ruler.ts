/**
 * Distances on the WGS 84 ellipsoid at road scale: a local flat-earth ruler whose scales come
 * from the ellipsoid's two radii of curvature at the latitude (meridional M for north-south,
 * prime vertical N·cos φ for east-west), the method of Mapbox's cheap-ruler. Around a point
 * the ellipsoid is that plane to second order, so distances of metres to kilometres are within
 * millimetres of the true geodesic (test/geo/ruler.test.ts measures it against GeographicLib),
 * while a sphere (haversine) is off by up to 0.5% at any length because it ignores the
 * flattening: 0.5 m on a 100 m road section. Not for distances of hundreds of kilometres.
 */

/** WGS 84 semi-major axis (m) and flattening. */
const WGS84_A = 6_378_137;
const WGS84_F = 1 / 298.257223563;
const E2 = WGS84_F * (2 - WGS84_F);
const RAD = Math.PI / 180;

/** Mean Earth radius (IUGG R1), for the haversine comparison only. */
export const MEAN_EARTH_RADIUS_M = 6_371_008.8;

export interface LonLat {
  lon: number;
  lat: number;
}

/** Metres per degree of longitude (kx) and of latitude (ky) at a latitude. */
export interface LocalScale {
  kx: number;
  ky: number;
}

export function localScale(lat: number): LocalScale {
  const cos = Math.cos(lat * RAD);
  const w2 = 1 / (1 - E2 * (1 - cos * cos));
  const w = Math.sqrt(w2);
  const m = RAD * WGS84_A;
  return { kx: m * w * cos, ky: m * w * w2 * (1 - E2) };
}

/** Longitude difference folded into -180..180 (two points either side of the antimeridian). */
export function lonDelta(fromLon: number, toLon: number): number {
  let d = toLon - fromLon;
  while (d < -180) d += 360;
  while (d > 180) d -= 360;
  return d;
}

/** Distance in metres between two nearby points, on the ellipsoid (see the file comment). */
export function distanceMetres(a: LonLat, b: LonLat): number {
  const { kx, ky } = localScale((a.lat + b.lat) / 2);
  const dx = lonDelta(a.lon, b.lon) * kx;
  const dy = (b.lat - a.lat) * ky;
  return Math.hypot(dx, dy);
}

/** Great-circle distance on the mean sphere: kept to compare against, not used for roads. */
export function haversineMetres(a: LonLat, b: LonLat): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = lonDelta(a.lon, b.lon) * RAD;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
