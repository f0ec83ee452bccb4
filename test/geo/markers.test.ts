import { describe, expect, it } from 'vitest';
import { MarkerClusters, markerKind, sameMarkers, type MapMarker } from '../../src/geo/markers';
import { checkFix, fixText } from '../../src/geo/gps-quality';

describe('marker kinds', () => {
  it('shows not-a-road first, then the most probable damage, good road, pending', () => {
    const p = (pairs: [string, number][]) =>
      pairs.map(([type, probability]) => ({ type, probability }));
    expect(markerKind({ found: ['not_road'], probabilities: [] })).toBe('not_road');
    expect(
      markerKind({
        found: ['crack', 'pothole'],
        probabilities: p([
          ['pothole', 0.7],
          ['crack', 0.9],
        ]),
      }),
    ).toBe('crack');
    expect(markerKind({ found: ['good_road'], probabilities: p([['pothole', 0.1]]) })).toBe(
      'good_road',
    );
    expect(markerKind({ found: [], probabilities: [] })).toBe('pending');
    expect(markerKind({ found: ['rutting'], probabilities: [] })).toBe('rutting');
  });
});

describe('marker clusters', () => {
  // 5,000 markers in two towns 300 km apart, kinds in a known rotation.
  const kinds = ['pothole', 'crack', 'good_road', 'not_road', 'pending'];
  const markers: MapMarker[] = Array.from({ length: 5000 }, (_, i) => ({
    id: `s${i}`,
    lat: (i % 2 === 0 ? -1.29 : 0.35) + ((i * 7919) % 1000) * 1e-5,
    lon: (i % 2 === 0 ? 36.82 : 32.58) + ((i * 104729) % 1000) * 1e-5,
    kind: kinds[i % kinds.length],
  }));
  const clusters = new MarkerClusters(markers);
  const world: [number, number, number, number] = [-180, -85, 180, 85];

  it('keeps every marker and every kind in the clusters at a country view', () => {
    const items = clusters.items(world, 6);
    expect(items.every((item) => item.type === 'cluster')).toBe(true);
    const total = items.reduce((n, item) => n + (item.type === 'cluster' ? item.count : 1), 0);
    expect(total).toBe(5000);
    const perKind: Record<string, number> = {};
    for (const item of items)
      if (item.type === 'cluster')
        for (const [kind, n] of Object.entries(item.kinds))
          perKind[kind] = (perKind[kind] ?? 0) + n;
    expect(perKind).toEqual({
      pothole: 1000,
      crack: 1000,
      good_road: 1000,
      not_road: 1000,
      pending: 1000,
    });
    // The two towns are far apart: at least two clusters.
    expect(items.length).toBeGreaterThanOrEqual(2);
  });

  it('shows single markers beyond the cluster zoom and tells where a cluster splits', () => {
    const items = clusters.items(world, 18);
    expect(items.filter((i) => i.type === 'marker')).toHaveLength(5000);
    const cluster = clusters.items(world, 6).find((i) => i.type === 'cluster')!;
    if (cluster.type !== 'cluster') throw new Error('expected a cluster');
    expect(clusters.expansionZoom(cluster.clusterId)).toBeGreaterThan(6);
  });
});

describe('same markers', () => {
  const a: MapMarker[] = [
    { id: 'a', lat: 1, lon: 2, kind: 'pothole' },
    { id: 'b', lat: 3, lon: 4, kind: 'good_road' },
  ];
  it('says a list read again with nothing moved is the same, and any change is not', () => {
    expect(
      sameMarkers(
        a,
        a.map((m) => ({ ...m })),
      ),
    ).toBe(true);
    expect(sameMarkers(a, a.slice(0, 1))).toBe(false);
    expect(sameMarkers(a, [a[0], { ...a[1], kind: 'crack' }])).toBe(false);
    expect(sameMarkers(a, [a[0], { ...a[1], lat: 3.0001 }])).toBe(false);
    expect(sameMarkers(a, [a[0], { ...a[1], lon: 4.0001 }])).toBe(false);
    expect(sameMarkers(a, [a[0], { ...a[1], id: 'c' }])).toBe(false);
    expect(sameMarkers(a, [a[1], a[0]])).toBe(false);
  });
});

describe('GPS fix quality', () => {
  it('flags fixes worse than the limit (25 m by default) and fixes of unknown accuracy', () => {
    expect(checkFix(12)).toMatchObject({ quality: 'good', flagged: false, limitM: 25 });
    expect(checkFix(25).flagged).toBe(false);
    expect(checkFix(25.5)).toMatchObject({ quality: 'poor', flagged: true });
    expect(checkFix(null)).toMatchObject({ quality: 'unknown', flagged: true });
    expect(checkFix(40, 50).flagged).toBe(false);
    expect(fixText(checkFix(11.6))).toBe('±12 m');
    expect(fixText(checkFix(40))).toBe('±40 m, worse than 25 m');
    expect(fixText(checkFix(null))).toBe('accuracy unknown');
    expect(() => checkFix(10, 0)).toThrow(/above 0 m/);
  });
});
