import { describe, expect, it } from 'vitest';
import { RoadNetworkError } from '../../src/geo/errors';
import { parseRoadNetwork, parseRoadNetworkText } from '../../src/geo/road-network';
import { collection, geodesicMetres, lineFeature } from './helpers';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RoadNetworkError);
    return [...(error as RoadNetworkError).problems, (error as Error).message];
  }
  throw new Error('expected a RoadNetworkError');
}

describe('road network files', () => {
  it('reads ids, names and lengths (numbers as ids, feature ids, road_id before id)', () => {
    const network = parseRoadNetwork(
      collection([
        lineFeature('A12', 'Mombasa Road', [
          [36.8, -1.3],
          [36.8, -1.29],
          [36.81, -1.29],
        ]),
        {
          ...lineFeature(undefined, 'No property id', [
            [36.7, -1.3],
            [36.7, -1.31],
          ]),
          id: 77,
        },
        lineFeature(
          undefined,
          null,
          [
            [36.6, -1.3],
            [36.6, -1.31],
          ],
          { id: 5, road_id: 'R5' },
        ),
      ]),
    );
    expect(network.roads.map((r) => [r.id, r.name])).toEqual([
      ['A12', 'Mombasa Road'],
      ['77', 'No property id'],
      ['R5', null],
    ]);
    const expected =
      geodesicMetres({ lon: 36.8, lat: -1.3 }, { lon: 36.8, lat: -1.29 }) +
      geodesicMetres({ lon: 36.8, lat: -1.29 }, { lon: 36.81, lat: -1.29 });
    expect(network.roads[0].lengthM).toBeCloseTo(expected, 2);
  });

  it('takes the id and name from the properties the office names', () => {
    const network = parseRoadNetwork(
      collection([
        lineFeature(
          undefined,
          null,
          [
            [1, 1],
            [1, 1.001],
          ],
          { CODE: 'K-1', LABEL: 'Kisumu' },
        ),
      ]),
      { idProperty: 'CODE', nameProperty: 'LABEL' },
    );
    expect(network.roads[0]).toMatchObject({ id: 'K-1', name: 'Kisumu' });
  });

  it('names each bad feature and says what to do', () => {
    const problems = problemsOf(() =>
      parseRoadNetwork(
        collection([
          lineFeature('ok', 'fine', [
            [1, 1],
            [1, 1.001],
          ]),
          {
            type: 'Feature',
            properties: { road_id: 'P1' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [0, 0],
                  [1, 0],
                  [1, 1],
                  [0, 0],
                ],
              ],
            },
          },
          lineFeature(undefined, 'no id', [
            [1, 1],
            [1, 1.001],
          ]),
          lineFeature('utm', 'projected', [
            [500000, 4649776],
            [500100, 4649776],
          ]),
          lineFeature('short', 'one point', [[1, 1]]),
          lineFeature('ok', 'duplicate', [
            [2, 2],
            [2, 2.001],
          ]),
          'not a feature',
        ]),
      ),
    );
    const text = problems.join('\n');
    expect(text).toContain('feature 2 (road "P1"): its geometry is a Polygon');
    expect(text).toMatch(/feature 3: has no road id \(looked for properties "road_id" or "id"/);
    expect(text).toMatch(
      /feature 4 \(road "utm"\): coordinate \[500000, 4649776\] is out of range.*EPSG:4326/,
    );
    expect(text).toContain('feature 5 (road "short"): a line needs at least two positions');
    expect(text).toContain('feature 6 (road "ok"): the road id is also used by feature 1');
    expect(text).toContain('feature 7: not a GeoJSON Feature');
    expect(text).toContain('has 6 problems');
  });

  it('stops at 20 listed problems and counts the rest', () => {
    const bad = Array.from({ length: 30 }, (_, i) => lineFeature(`r${i}`, null, [[0, 95]]));
    const problems = problemsOf(() => parseRoadNetwork(collection(bad)));
    expect(problems).toContain('... and 10 more');
    expect(problems.at(-1)).toContain('has 30 problems');
  });

  it('refuses files that are not GeoJSON, empty, or in another coordinate system', () => {
    expect(problemsOf(() => parseRoadNetworkText('{"type": "FeatureCol')).at(-1)).toMatch(
      /not valid JSON.*Export the road network from your GIS as GeoJSON/,
    );
    expect(problemsOf(() => parseRoadNetwork({ type: 'Feature' })).at(-1)).toMatch(
      /not a GeoJSON FeatureCollection/,
    );
    expect(problemsOf(() => parseRoadNetwork(collection([]))).at(-1)).toMatch(/no roads/);
    const utm = {
      ...collection([
        lineFeature('a', null, [
          [1, 1],
          [1, 2],
        ]),
      ]),
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::32737' } },
    };
    expect(problemsOf(() => parseRoadNetwork(utm)).at(-1)).toMatch(/EPSG::32737.*WGS 84/);
    const wgs84 = {
      ...utm,
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:OGC:1.3:CRS84' } },
    };
    expect(parseRoadNetwork(wgs84).roads).toHaveLength(1);
  });
});
