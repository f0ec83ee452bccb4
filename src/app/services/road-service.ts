/**
 * The road network on this phone, for the Map page (coloured sections, the segment report) and
 * the survey detail (road and chainage): read once from the origin-private file system, then
 * kept with its matcher (a spatial index over every road segment) until another is loaded. The
 * reader and the matcher are loaded when first needed, not with the app's first screen.
 */
import type { RoadMatch, RoadMatcher } from '../../geo/road-matcher';
import type { RoadNetwork } from '../../geo/road-network';
import type { StoredRoadNetwork } from '../../features/map/road-network-file';

export interface LoadedRoads {
  name: string;
  network: RoadNetwork;
  matcher: RoadMatcher;
}

async function withMatcher(stored: StoredRoadNetwork): Promise<LoadedRoads> {
  const { RoadMatcher } = await import('../../geo/road-matcher');
  return { ...stored, matcher: new RoadMatcher(stored.network) };
}

const files = () => import('../../features/map/road-network-file');

export class RoadService extends EventTarget {
  private loaded: Promise<LoadedRoads | null> | null = null;

  /** The network kept on the phone, or null; a failed read is thrown (and tried again next time). */
  current(): Promise<LoadedRoads | null> {
    this.loaded ??= files()
      .then((f) => f.storedRoadNetwork())
      .then((stored) => (stored ? withMatcher(stored) : null));
    this.loaded.catch(() => (this.loaded = null));
    return this.loaded;
  }

  /** Keeps a chosen GeoJSON file (after checking it) in place of the one before. */
  async load(file: File): Promise<LoadedRoads> {
    const roads = await withMatcher(await (await files()).storeRoadNetwork(file));
    this.loaded = Promise.resolve(roads);
    this.dispatchEvent(new Event('change'));
    return roads;
  }

  /** The road a position lies on (within 30 m), with its chainage; null without a network. */
  async match(position: { lat: number; lon: number } | null): Promise<RoadMatch | null> {
    if (!position) return null;
    const roads = await this.current().catch(() => null);
    return roads?.matcher.match({ lon: position.lon, lat: position.lat }) ?? null;
  }
}
