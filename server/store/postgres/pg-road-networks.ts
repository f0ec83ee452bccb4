/** The office's road network in PostgreSQL, shared by every server (see ../road-network-store.ts). */
import {
  ROAD_NETWORK_INFO_COLUMNS,
  toRoadNetworkInfo,
  type RoadNetworkInfo,
  type RoadNetworkRow,
  type RoadNetworkStore,
  type StoredRoadNetwork,
} from '../road-network-store';
import { DB_NOW_MS, type PgDatabase } from './pg-database';

export class PgRoadNetworkStore implements RoadNetworkStore {
  constructor(private readonly db: PgDatabase) {}

  async putRoadNetwork(network: Omit<StoredRoadNetwork, 'loadedAt'>): Promise<RoadNetworkInfo> {
    const result = await this.db.query<RoadNetworkRow>(
      `INSERT INTO road_network (only_row, name, sha256, road_count, loaded_at, loaded_by, geojson)
       VALUES (true, $1, $2, $3, ${DB_NOW_MS}, $4, $5)
       ON CONFLICT (only_row) DO UPDATE SET name = excluded.name, sha256 = excluded.sha256,
         road_count = excluded.road_count, loaded_at = excluded.loaded_at,
         loaded_by = excluded.loaded_by, geojson = excluded.geojson
       RETURNING ${ROAD_NETWORK_INFO_COLUMNS}`,
      [network.name, network.sha256, network.roadCount, network.loadedBy, network.geojson],
    );
    return toRoadNetworkInfo(result.rows[0]);
  }

  async roadNetworkInfo(): Promise<RoadNetworkInfo | null> {
    const result = await this.db.query<RoadNetworkRow>(
      `SELECT ${ROAD_NETWORK_INFO_COLUMNS} FROM road_network`,
    );
    return result.rows[0] ? toRoadNetworkInfo(result.rows[0]) : null;
  }

  async roadNetwork(): Promise<StoredRoadNetwork | null> {
    const result = await this.db.query<RoadNetworkRow>(
      `SELECT ${ROAD_NETWORK_INFO_COLUMNS}, geojson FROM road_network`,
    );
    const row = result.rows[0];
    return row ? { ...toRoadNetworkInfo(row), geojson: row.geojson! } : null;
  }
}
