/**
 * `train not-road --model DIR`: fits a trained road-damage model's not-a-road statistics again
 * (the same code `train road-damage` runs after training) from the photos of its own split.json,
 * and rewrites not-road.bin and the manifest's notRoad entry. The held-out figures are then out
 * of date: `npm run eval -- --update-model` measures them again.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { modelManifestSchema } from '../../src/model/manifest';
import { writeManifest } from '../lib/model-dir';
import { readModelSplit } from './damage-data';
import { fitNotRoadFor, NOT_ROAD_NETWORK_DIR } from './not-road-network';
import type { NotRoadSetup } from './options';
import { loadLayersModelFromDir } from './model-files';
import { NOT_ROAD_STATS_FILE } from './road-damage';

export interface RefitNotRoadArgs {
  model: string;
  /** The manifest's version after the refit (a changed check is a new release); default: kept. */
  version?: string;
  data: string[];
  notRoad: NotRoadSetup;
  /** The pretrained MobileNet (for the ImageNet network). */
  mobilenetDir?: string;
  frameBlock: number;
}

export async function refitNotRoad(
  args: RefitNotRoadArgs,
  log: (line: string) => void,
): Promise<void> {
  const { manifest, load } = await readModelSplit(args);
  const train = await load('train');
  const validation = await load('validation');
  const model = await loadLayersModelFromDir(args.model);
  const notRoad = await fitNotRoadFor(
    args.notRoad,
    model,
    manifest.input.width,
    args.mobilenetDir,
    train,
    validation,
    args.model,
    NOT_ROAD_STATS_FILE,
    log,
  );
  model.dispose();
  if (!notRoad.spec.network) {
    // An ImageNet network of an earlier fit would stay behind, named by nothing.
    rmSync(path.join(args.model, NOT_ROAD_NETWORK_DIR), { recursive: true, force: true });
  }
  writeFileSync(path.join(args.model, NOT_ROAD_STATS_FILE), notRoad.file);
  writeManifest(
    args.model,
    modelManifestSchema.parse({
      ...manifest,
      ...(args.version ? { version: args.version } : {}),
      notRoad: notRoad.spec,
    }),
  );
  log(
    `wrote ${path.join(args.model, NOT_ROAD_STATS_FILE)} and the manifest's notRoad; measure the ` +
      `held-out figures again with: npm run eval -- --model ${args.model} --update-model ...`,
  );
}
