/**
 * `npm run server -- roads load FILE [--name NAME] | show`: the office's road network, loaded on
 * the server's machine (PUT /api/v1/roads does the same over HTTP for a reviewer or an admin).
 * The exports then give every survey its road id, road name and chainage.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RoadNetworkError } from '../../src/geo/errors';
import type { RoadNetworkStore } from '../store/road-network-store';
import { UsageError } from '../tokens-cli';
import { loadRoadNetwork } from './road-network-load';

export const ROADS_USAGE = `Usage:
  npm run server -- roads load FILE [--name NAME]       load the office's road network (GeoJSON
                                                        LineStrings with road_id and name); the
                                                        exports then carry road and chainage
  npm run server -- roads show                          the road network loaded now`;

interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runRoadsCommand(
  args: string[],
  roads: RoadNetworkStore,
  io: Output,
): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'load': {
      const file = rest[0];
      if (!file || file.startsWith('--'))
        throw new UsageError(`roads load needs a FILE.\n${ROADS_USAGE}`);
      const nameIndex = rest.indexOf('--name');
      const name = nameIndex >= 0 ? (rest[nameIndex + 1] ?? '') : path.basename(file);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        io.err(`Not loaded: cannot read ${file} (${(error as Error).message}).`);
        return 1;
      }
      try {
        const { info } = await loadRoadNetwork(roads, text, name, 'command line');
        io.out(`Road network ${info.name} loaded: ${info.roadCount} roads.`);
        return 0;
      } catch (error) {
        if (error instanceof RoadNetworkError) {
          io.err(`Not loaded (the network kept before is unchanged): ${error.message}`);
          return 1;
        }
        throw error;
      }
    }
    case 'show': {
      const info = await roads.roadNetworkInfo();
      if (!info) io.out('No road network loaded: npm run server -- roads load FILE');
      else
        io.out(
          `${info.name}: ${info.roadCount} roads, loaded ${new Date(info.loadedAt).toISOString()} by ${info.loadedBy} (sha256 ${info.sha256})`,
        );
      return 0;
    }
    default:
      throw new UsageError(ROADS_USAGE);
  }
}
