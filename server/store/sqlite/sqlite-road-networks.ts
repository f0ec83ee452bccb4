/** The office's road network in the embedded SQLite file (see ../road-network-store.ts). */
import type Database from 'better-sqlite3';
import {
  ROAD_NETWORK_INFO_COLUMNS,
  toRoadNetworkInfo,
  type RoadNetworkInfo,
  type RoadNetworkRow,
  type RoadNetworkStore,
  type StoredRoadNetwork,
} from '../road-network-store';

export class SqliteRoadNetworkStore implements RoadNetworkStore {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {}

  async putRoadNetwork(network: Omit<StoredRoadNetwork, 'loadedAt'>): Promise<RoadNetworkInfo> {
    const loadedAt = this.now();
    this.db
      .prepare(
        `INSERT INTO road_network (only_row, name, sha256, road_count, loaded_at, loaded_by, geojson)
         VALUES (1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (only_row) DO UPDATE SET name = excluded.name, sha256 = excluded.sha256,
           road_count = excluded.road_count, loaded_at = excluded.loaded_at,
           loaded_by = excluded.loaded_by, geojson = excluded.geojson`,
      )
      .run(
        network.name,
        network.sha256,
        network.roadCount,
        loadedAt,
        network.loadedBy,
        network.geojson,
      );
    const { geojson: _text, ...info } = network;
    return { ...info, loadedAt };
  }

  async roadNetworkInfo(): Promise<RoadNetworkInfo | null> {
    const row = this.db
      .prepare<[], RoadNetworkRow>(`SELECT ${ROAD_NETWORK_INFO_COLUMNS} FROM road_network`)
      .get();
    return row ? toRoadNetworkInfo(row) : null;
  }

  async roadNetwork(): Promise<StoredRoadNetwork | null> {
    const row = this.db
      .prepare<[], RoadNetworkRow>(`SELECT ${ROAD_NETWORK_INFO_COLUMNS}, geojson FROM road_network`)
      .get();
    return row ? { ...toRoadNetworkInfo(row), geojson: row.geojson! } : null;
  }
}
