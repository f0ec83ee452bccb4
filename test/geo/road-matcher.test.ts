import { describe, expect, it } from 'vitest';
import { parseRoadNetwork } from '../../src/geo/road-network';
import { RoadMatcher } from '../../src/geo/road-matcher';
import { collection, geodesicMetres, lineFeature, offset } from './helpers';

describe('nearest road and chainage', () => {
  // A straight road due north along the meridian 37°E from 1°S, vertices every 250 m (placed
  // with GeographicLib), so chainage there is just the geodesic distance from the start.
  const start = { lat: -1, lon: 37 };
  const vertices = [0, 250, 500, 750, 1000].map((m) => offset(start.lat, start.lon, 0, m));
  const north = lineFeature(
    'N1',
    'North road',
    vertices.map((p) => [p.lon, p.lat]),
  );
  // A second road 200 m east, parallel.
  const eastStart = offset(start.lat, start.lon, 90, 200);
  const east = lineFeature('E1', 'East road', [
    [eastStart.lon, eastStart.lat],
    [
      offset(eastStart.lat, eastStart.lon, 0, 1000).lon,
      offset(eastStart.lat, eastStart.lon, 0, 1000).lat,
    ],
  ]);
  const matcher = new RoadMatcher(parseRoadNetwork(collection([north, east])));

  it('gives the chainage of a survey beside the road, computed independently', () => {
    for (const along of [0, 3, 120, 250, 611.5, 999]) {
      const foot = offset(start.lat, start.lon, 0, along);
      const survey = offset(foot.lat, foot.lon, 270, 8); // 8 m west of the road
      const match = matcher.match(survey, 30)!;
      expect(match.road.id).toBe('N1');
      expect(match.road.name).toBe('North road');
      expect(Math.abs(match.chainageM - along)).toBeLessThan(0.01);
      expect(Math.abs(match.distanceM - geodesicMetres(survey, foot))).toBeLessThan(0.01);
    }
  });

  it('picks the nearer road and nothing beyond the search distance', () => {
    const between = offset(start.lat, start.lon, 0, 400);
    const nearEast = offset(between.lat, between.lon, 90, 180);
    expect(matcher.match(nearEast, 30)!.road.id).toBe('E1');
    const middle = offset(between.lat, between.lon, 90, 100);
    expect(matcher.match(middle, 30)).toBeNull();
    expect(matcher.match(middle, 101)!.distanceM).toBeCloseTo(100, 1);
    const beyondEnd = offset(vertices[4].lat, vertices[4].lon, 0, 20);
    const clamped = matcher.match(beyondEnd, 30)!;
    expect(clamped.road.id).toBe('N1');
    expect(clamped.chainageM).toBeCloseTo(1000, 1);
  });

  it('runs chainage on across the parts of a MultiLineString (gaps not counted)', () => {
    const a = [0, 300].map((m) => offset(start.lat, start.lon, 0, m));
    const b = [400, 600].map((m) => offset(start.lat, start.lon, 0, m));
    const network = parseRoadNetwork(
      collection([
        {
          type: 'Feature',
          properties: { road_id: 'M', name: 'in parts' },
          geometry: {
            type: 'MultiLineString',
            coordinates: [a.map((p) => [p.lon, p.lat]), b.map((p) => [p.lon, p.lat])],
          },
        },
      ]),
    );
    expect(network.roads[0].lengthM).toBeCloseTo(500, 2);
    const survey = offset(start.lat, start.lon, 0, 450);
    expect(new RoadMatcher(network).match(survey)!.chainageM).toBeCloseTo(350, 2);
  });

  it('finds the same road as a search of every segment, over thousands of roads', () => {
    // A random network: 3,000 roads of 2-6 vertices in a 20 km square; 5,000 surveys.
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const features = Array.from({ length: 3000 }, (_, i) => {
      const first = offset(-1.2 + random() * 0.18, 36.7 + random() * 0.18, 0, 0);
      const points = [first];
      const n = 2 + Math.floor(random() * 5);
      for (let v = 1; v < n; v++) {
        const prev = points[v - 1];
        points.push(offset(prev.lat, prev.lon, random() * 360, 20 + random() * 400));
      }
      return lineFeature(
        `r${i}`,
        null,
        points.map((p) => [p.lon, p.lat]),
      );
    });
    const network = parseRoadNetwork(collection(features));
    const fast = new RoadMatcher(network);
    let matched = 0;
    for (let i = 0; i < 5000; i++) {
      const survey = { lat: -1.2 + random() * 0.18, lon: 36.7 + random() * 0.18 };
      const got = fast.match(survey, 50);
      // Brute force: each road alone in its own matcher with an unlimited search box.
      let best: { id: string; d: number } | null = null;
      if (i % 50 === 0) {
        for (const road of network.roads) {
          const m = new RoadMatcher({ roads: [road] }).match(survey, 1e7)!;
          if (!best || m.distanceM < best.d) best = { id: road.id, d: m.distanceM };
        }
        if (best!.d <= 50) expect(got?.road.id).toBe(best!.id);
        else expect(got).toBeNull();
      }
      if (got) matched++;
    }
    expect(matched).toBeGreaterThan(100);
  });
});
