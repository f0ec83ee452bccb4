import { describe, expect, it } from 'vitest';
import {
  thinTrack,
  TrackRecorder,
  type TrackPoint,
} from '../../../src/features/drive/shared/track';
import { distanceMetres, localScale } from '../../../src/geo/ruler';

const O = { lon: 5.1, lat: 52.1 };
const { kx, ky } = localScale(O.lat);
/** x metres east, y metres north of O. */
const at = (x: number, y: number, t = 0): TrackPoint => [O.lon + x / kx, O.lat + y / ky, t];

describe('TrackRecorder', () => {
  it('sums the distance with the ruler, skips jitter below the step and inaccurate fixes', () => {
    const r = new TrackRecorder({ minStepM: 3, maxAccuracyM: 30 });
    const fix = (x: number, y: number, accuracyM: number | null = 5) => {
      const [lon, lat] = at(x, y);
      return r.add({ lon, lat, accuracyM, t: 0 });
    };
    expect(fix(0, 0)).toBe(true);
    expect(fix(1, 0)).toBe(false); // 1 m: jitter
    expect(fix(100, 0)).toBe(true);
    expect(fix(500, 0, 80)).toBe(false); // 80 m accuracy: not used
    expect(fix(100, 100, null)).toBe(true); // no accuracy given: used
    expect(r.distanceM).toBeCloseTo(200, 1);
    expect(r.points).toHaveLength(3);
    expect(r.rejectedFixes).toBe(1);
  });

  it('carries on from a resumed track', () => {
    const r = new TrackRecorder({}, { points: [at(0, 0)], distanceM: 42 });
    const [lon, lat] = at(0, 10);
    r.add({ lon, lat, accuracyM: 3, t: 5 });
    expect(r.distanceM).toBeCloseTo(52, 3);
  });
});

describe('thinTrack (Douglas-Peucker)', () => {
  it('drops points within the tolerance of a straight road and keeps the corners', () => {
    const points: TrackPoint[] = [];
    for (let i = 0; i <= 100; i++) points.push(at(i * 10, (i % 2) * 0.5, i)); // 1 km east, 0.5 m wobble
    for (let i = 1; i <= 50; i++) points.push(at(1000, i * 10, 100 + i)); // then 500 m north
    const thin = thinTrack(points, 2);
    expect(thin).toEqual([points[0], points[100], points[150]]);
  });

  it('keeps a point that is farther than the tolerance, and every point at tolerance 0', () => {
    const points = [at(0, 0), at(50, 3), at(100, 0)];
    expect(thinTrack(points, 2)).toHaveLength(3);
    expect(thinTrack(points, 5)).toHaveLength(2);
    const zigzag = [at(0, 0), at(10, 1), at(20, 0), at(30, 1)];
    expect(thinTrack(zigzag, 0)).toHaveLength(4);
  });

  it('measures the deviation in metres (the same tolerance east-west and north-south)', () => {
    const eastward = [at(0, 0), at(50, 2.5), at(100, 0)];
    const northward = [at(0, 0), at(2.5, 50), at(0, 100)];
    expect(thinTrack(eastward, 2.4)).toHaveLength(3);
    expect(thinTrack(eastward, 2.6)).toHaveLength(2);
    expect(thinTrack(northward, 2.4)).toHaveLength(3);
    expect(thinTrack(northward, 2.6)).toHaveLength(2);
  });

  it('keeps the ends of short tracks as they are', () => {
    expect(thinTrack([], 2)).toEqual([]);
    expect(thinTrack([at(0, 0)], 2)).toHaveLength(1);
    const line = [at(0, 0), at(10, 0)];
    expect(thinTrack(line, 2)).toEqual(line);
    expect(
      distanceMetres({ lon: line[0][0], lat: line[0][1] }, { lon: line[1][0], lat: line[1][1] }),
    ).toBeCloseTo(10, 6);
  });

  it('thins a long wavy track (a day of fixes) to a fraction of its points', () => {
    const points: TrackPoint[] = [];
    for (let i = 0; i < 30_000; i++) points.push(at(i, Math.sin(i / 50) * 30, i));
    const thin = thinTrack(points, 2);
    expect(thin.length).toBeGreaterThan(10);
    expect(thin.length).toBeLessThan(points.length / 10);
  });
});
