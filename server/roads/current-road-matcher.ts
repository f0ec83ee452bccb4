/**
 * The matcher of the road network the database holds now, for the exports: parsed and indexed
 * once per network (keyed by the file's SHA-256, a cheap query per export), so an export costs a
 * look-up per survey, not a parse. Another server of the same database that loads a new network
 * is seen at the next export.
 */
import { parseRoadNetworkText } from '../../src/geo/road-network';
import { RoadMatcher } from '../../src/geo/road-matcher';
import type { RoadNetworkStore } from '../store/road-network-store';

export class CurrentRoadMatcher {
  private cached: { sha256: string; matcher: RoadMatcher } | null = null;

  constructor(private readonly store: RoadNetworkStore) {}

  /** The current network's matcher, or null when no network was loaded. */
  async matcher(): Promise<RoadMatcher | null> {
    const info = await this.store.roadNetworkInfo();
    if (!info) return null;
    if (this.cached?.sha256 === info.sha256) return this.cached.matcher;
    const stored = await this.store.roadNetwork();
    if (!stored) return null;
    const matcher = new RoadMatcher(parseRoadNetworkText(stored.geojson));
    this.cached = { sha256: stored.sha256, matcher };
    return matcher;
  }
}
