/** The shipped road-damage model (public/models/road-damage), for tests of its not-a-road check. */
import path from 'node:path';
import type { RoadDamageManifest } from '../../src/model/manifest';
import { readManifest } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';

export const ROAD_DAMAGE_DIR = path.join(projectRoot, 'public', 'models', 'road-damage');

/** Its manifest; throws unless its not-a-road check reads a network of its own. */
export function roadDamageManifestWithNetwork(): RoadDamageManifest {
  const m = readManifest(ROAD_DAMAGE_DIR);
  if (m.task !== 'road-damage' || !m.notRoad?.network) {
    throw new Error(`${ROAD_DAMAGE_DIR} does not read a network for its not-a-road check`);
  }
  return m;
}
