/**
 * The office's road network (issue 12) on both databases: none at first, one loaded, replaced
 * by the next (one row, the newest), seen by another server's store on PostgreSQL, and a wrong
 * file refused before it replaces a good one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RoadNetworkError } from '../../../src/geo/errors';
import { loadRoadNetwork } from '../../../server/roads/road-network-load';
import type { Storage } from '../../../server/store/storage';
import { useBothBackends } from './store-backends';

const both = useBothBackends();

const network = (ids: string[]) =>
  JSON.stringify({
    type: 'FeatureCollection',
    features: ids.map((id, i) => ({
      type: 'Feature',
      properties: { road_id: id, name: `Road ${id}` },
      geometry: {
        type: 'LineString',
        coordinates: [
          [30 + i * 0.01, 10],
          [30.005 + i * 0.01, 10],
        ],
      },
    })),
  });

describe.each(['SQLite', 'PostgreSQL'])('%s road network store', (name) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await both.backends[name].open();
  });

  it('holds no network at first, then the one loaded, then the next one in its place', async () => {
    expect(await storage.roads.roadNetworkInfo()).toBeNull();
    expect(await storage.roads.roadNetwork()).toBeNull();
    const first = network(['A1', 'A2']);
    const loaded = await loadRoadNetwork(storage.roads, first, 'county.geojson', 'office');
    expect(loaded.info).toMatchObject({ name: 'county.geojson', roadCount: 2, loadedBy: 'office' });
    expect(await storage.roads.roadNetwork()).toMatchObject({ geojson: first, roadCount: 2 });

    const second = network(['B1', 'B2', 'B3']);
    await loadRoadNetwork(storage.roads, second, 'district.geojson', 'command line');
    const info = await storage.roads.roadNetworkInfo();
    expect(info).toMatchObject({
      name: 'district.geojson',
      roadCount: 3,
      loadedBy: 'command line',
    });
    expect(info!.sha256).not.toBe(loaded.info.sha256);
    expect(info!.loadedAt).toBeGreaterThanOrEqual(loaded.info.loadedAt);
    // On PostgreSQL, another server's store on the same database sees it too.
    const other = name === 'PostgreSQL' ? await both.backends[name].open() : storage;
    expect((await other.roads.roadNetwork())?.geojson).toBe(second);
  });

  it('refuses a file that is not a road network and keeps the one before', async () => {
    const before = await storage.roads.roadNetwork();
    await expect(
      loadRoadNetwork(storage.roads, '{"type": "FeatureCollection", "features": [1]}', 'x', 'o'),
    ).rejects.toBeInstanceOf(RoadNetworkError);
    await expect(loadRoadNetwork(storage.roads, 'not json', 'x', 'o')).rejects.toBeInstanceOf(
      RoadNetworkError,
    );
    expect(await storage.roads.roadNetwork()).toEqual(before);
  });
});
