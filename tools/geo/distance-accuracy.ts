/**
 * How far the location core's distances are from the true geodesic on WGS 84 (GeographicLib,
 * Karney's algorithm, accurate to nanometres), against the haversine on the mean sphere:
 * npx tsx tools/geo/distance-accuracy.ts. Prints, per length, the largest error of each over
 * latitudes 0-75° and bearings 0-180°. The figures are quoted in docs/MAP.md.
 */
import { wgs84Geodesic as geod } from '../lib/geodesic';
import { distanceMetres, haversineMetres } from '../../src/geo/ruler';

const lengths = [10, 100, 1_000, 10_000, 100_000];
console.log('length_m  ruler_max_error_m  ruler_max_rel  haversine_max_error_m  haversine_max_rel');
for (const length of lengths) {
  let ruler = 0;
  let sphere = 0;
  for (let lat = 0; lat <= 75; lat += 5) {
    for (let azimuth = 0; azimuth <= 180; azimuth += 15) {
      const end = geod.Direct(lat, 10, azimuth, length);
      const a = { lat, lon: 10 };
      const b = { lat: end.lat2!, lon: end.lon2! };
      ruler = Math.max(ruler, Math.abs(distanceMetres(a, b) - length));
      sphere = Math.max(sphere, Math.abs(haversineMetres(a, b) - length));
    }
  }
  console.log(
    [
      String(length).padStart(8),
      ruler.toExponential(2).padStart(18),
      (ruler / length).toExponential(2).padStart(14),
      sphere.toExponential(2).padStart(22),
      (sphere / length).toExponential(2).padStart(18),
    ].join(' '),
  );
}
