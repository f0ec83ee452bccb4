/**
 * Loading the office's road network: the GeoJSON text is parsed with the phone's parser
 * (src/geo/road-network.ts: every problem named with its feature) before it replaces the network
 * kept, so a wrong file never costs the server a good network. Used by `roads load` and by
 * PUT /api/v1/roads.
 */
import { createHash } from 'node:crypto';
import { parseRoadNetworkText, type RoadNetwork } from '../../src/geo/road-network';
import type { RoadNetworkInfo, RoadNetworkStore } from '../store/road-network-store';

export async function loadRoadNetwork(
  store: RoadNetworkStore,
  geojson: string,
  name: string,
  loadedBy: string,
): Promise<{ info: RoadNetworkInfo; network: RoadNetwork }> {
  // Throws RoadNetworkError (what is wrong, in which feature) before anything is replaced.
  const network = parseRoadNetworkText(geojson);
  const sha256 = createHash('sha256').update(geojson, 'utf8').digest('hex');
  const info = await store.putRoadNetwork({
    name,
    sha256,
    roadCount: network.roads.length,
    loadedBy,
    geojson,
  });
  return { info, network };
}
