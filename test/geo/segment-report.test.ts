import { describe, expect, it } from 'vitest';
import { parseRoadNetwork } from '../../src/geo/road-network';
import { RoadMatcher } from '../../src/geo/road-matcher';
import { roadBetween, segmentReport } from '../../src/geo/segment-report';
import { collection, geodesicMetres, lineFeature, offset } from './helpers';

describe('segment report', () => {
  // A 350 m road due north, and a 90 m road elsewhere.
  const start = { lat: 0.5, lon: 32.6 };
  const end = offset(start.lat, start.lon, 0, 350);
  const otherStart = { lat: 0.6, lon: 32.6 };
  const otherEnd = offset(otherStart.lat, otherStart.lon, 90, 90);
  const network = parseRoadNetwork(
    collection([
      lineFeature('R1', 'Main', [
        [start.lon, start.lat],
        [end.lon, end.lat],
      ]),
      lineFeature('R2', 'Short', [
        [otherStart.lon, otherStart.lat],
        [otherEnd.lon, otherEnd.lat],
      ]),
    ]),
  );
  const matcher = new RoadMatcher(network);

  /** A survey 6 m east of R1 at a chainage, matched like the app will. */
  function surveyAt(chainage: number, found: string[], severity: number | null) {
    const foot = offset(start.lat, start.lon, 0, chainage);
    const position = offset(foot.lat, foot.lon, 90, 6);
    const match = matcher.match(position);
    return {
      road: match ? { id: match.road.id, chainageM: match.chainageM } : null,
      found,
      severity,
    };
  }

  it('counts each type per 100 m section and keeps the worst severity', () => {
    const report = segmentReport(network, [
      surveyAt(10, ['pothole'], 3),
      surveyAt(50, ['pothole'], 5),
      surveyAt(99, ['crack'], null),
      surveyAt(150, ['pothole', 'crack'], 2),
      surveyAt(150, ['patch', 'patch'], null),
      surveyAt(349, ['good_road'], 1),
      { road: null, found: ['pothole'], severity: 4 },
      { road: { id: 'elsewhere', chainageM: 3 }, found: ['pothole'], severity: 4 },
    ]);
    const main = report.roads[0];
    expect(main.roadId).toBe('R1');
    expect(main.lengthM).toBeCloseTo(350, 3);
    expect(main.sections.map((s) => [s.fromM, Math.round(s.toM)])).toEqual([
      [0, 100],
      [100, 200],
      [200, 300],
      [300, 350],
    ]);
    expect(main.sections.map((s) => [s.surveys, s.counts, s.worstSeverity])).toEqual([
      [3, { pothole: 2, crack: 1 }, 5],
      [2, { pothole: 1, crack: 1, patch: 1 }, 2],
      [0, {}, null],
      [1, { good_road: 1 }, 1],
    ]);
    expect(report.roads[1].sections).toHaveLength(1);
    expect(report.unmatched).toBe(1);
    expect(report.unknownRoad).toBe(1);
  });

  it('takes other section lengths and refuses nonsense', () => {
    const report = segmentReport(network, [surveyAt(260, ['crack'], 4)], 250);
    expect(report.roads[0].sections.map((s) => s.surveys)).toEqual([0, 1]);
    expect(() => segmentReport(network, [], 0)).toThrow(/above 0 m/);
  });

  it('cuts a road between two chainages for the map', () => {
    const [line] = roadBetween(network.roads[0], 100, 200);
    const [a, b] = line.map(([lon, lat]) => ({ lon, lat }));
    expect(geodesicMetres(start, a)).toBeCloseTo(100, 2);
    expect(geodesicMetres(a, b)).toBeCloseTo(100, 2);
    expect(roadBetween(network.roads[0], 400, 500)).toEqual([]);
  });
});
