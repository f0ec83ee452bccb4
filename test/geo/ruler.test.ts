import { describe, expect, it } from 'vitest';
import { distanceMetres, haversineMetres, localScale } from '../../src/geo/ruler';
import { geodesicMetres, offset } from './helpers';

describe('distances on WGS 84', () => {
  it('match the geodesic (GeographicLib) to a millimetre up to 1 km and a few cm at 10 km', () => {
    for (let lat = -75; lat <= 75; lat += 15)
      for (let azimuth = 0; azimuth < 360; azimuth += 30) {
        const a = { lat, lon: 36.8 };
        for (const [length, tolerance] of [
          [10, 1e-6],
          [100, 1e-6],
          [1_000, 1e-3],
          [10_000, 0.05],
        ]) {
          const b = offset(a.lat, a.lon, azimuth, length);
          expect(Math.abs(distanceMetres(a, b) - length)).toBeLessThan(tolerance);
        }
      }
  });

  it('is better than the haversine, which misses the flattening by up to 0.56%', () => {
    const a = { lat: 1, lon: 30 };
    const b = offset(a.lat, a.lon, 0, 100);
    expect(Math.abs(haversineMetres(a, b) - 100)).toBeGreaterThan(0.3);
    expect(Math.abs(distanceMetres(a, b) - geodesicMetres(a, b))).toBeLessThan(1e-6);
  });

  it('works across the antimeridian', () => {
    const a = { lat: -17, lon: 179.9999 };
    const b = { lat: -17, lon: -179.9999 };
    expect(distanceMetres(a, b)).toBeCloseTo(geodesicMetres(a, b), 4);
  });

  it('has the scale of a degree of latitude at the equator and the pole', () => {
    // Meridian degree: 110,574.4 m at the equator, 111,693.9 m at the pole (WGS 84).
    expect(localScale(0).ky).toBeCloseTo(110_574.4, 0);
    expect(localScale(90).ky).toBeCloseTo(111_693.9, 0);
  });
});
