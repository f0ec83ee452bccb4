/**
 * The office's road network on the server (issue 12): one GeoJSON file of LineStrings with a
 * road id and name, loaded by an administrator or a reviewer (`npm run server -- roads load
 * FILE`, or PUT /api/v1/roads), kept in the database so that every server of a PostgreSQL
 * deployment matches surveys against the same roads. Loading a network replaces the one before.
 * SQLite (sqlite/) and PostgreSQL (postgres/) implement it; the exports read it to fill road id,
 * road name and chainage with the phone's matching code (src/geo/road-matcher.ts).
 */
export interface RoadNetworkInfo {
  /** The file's name as loaded (for people: "county-roads.geojson"). */
  name: string;
  /** SHA-256 of the GeoJSON text: a cache of the parsed network is keyed by it. */
  sha256: string;
  roadCount: number;
  /** When it was loaded, ms since the epoch, and by whom (a token's name, or "command line"). */
  loadedAt: number;
  loadedBy: string;
}

export interface StoredRoadNetwork extends RoadNetworkInfo {
  /** The GeoJSON as it was loaded (validated by parseRoadNetwork before it was stored). */
  geojson: string;
}

export interface RoadNetworkStore {
  /** Replaces the current network. */
  putRoadNetwork(network: Omit<StoredRoadNetwork, 'loadedAt'>): Promise<RoadNetworkInfo>;
  /** The current network's description, without its text (a cheap query), or null. */
  roadNetworkInfo(): Promise<RoadNetworkInfo | null>;
  roadNetwork(): Promise<StoredRoadNetwork | null>;
}

/** The columns of road_network that RoadNetworkRow reads, geojson aside (same in both SQL dialects). */
export const ROAD_NETWORK_INFO_COLUMNS = 'name, sha256, road_count, loaded_at, loaded_by';

export interface RoadNetworkRow {
  name: string;
  sha256: string;
  road_count: number | string;
  loaded_at: number | string;
  loaded_by: string;
  geojson?: string;
}

export function toRoadNetworkInfo(row: RoadNetworkRow): RoadNetworkInfo {
  return {
    name: row.name,
    sha256: row.sha256,
    roadCount: Number(row.road_count),
    loadedAt: Number(row.loaded_at),
    loadedBy: row.loaded_by,
  };
}
