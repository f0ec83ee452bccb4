/**
 * The not-a-road score in the tools: the model folder's statistics read from disk, scored by
 * the app's own code (src/model/damage-forward.ts, src/model/not-road.ts). And `eval --not-road DIR`: the share of a folder of
 * photos that are not roads which the score turns away.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedModel } from '../../src/model/load-model';
import type { RoadDamageManifest } from '../../src/model/manifest';
import {
  disposeNotRoadScorer,
  notRoadScorerOf,
  scoreNotRoad,
  type NotRoadScorer,
} from '../../src/model/damage-forward';
import { ToolError } from '../lib/tool-error';
import { mapLimit } from '../data/decode';
import { listPictures } from '../data/pictures';
import { tf } from '../lib/tf-node';
import { readModelDir } from '../lib/model-dir';
import { buildAdapter } from '../../src/model/load-model';
import type { ModelAdapter } from '../../src/explain/adapters/types';

/**
 * The model folder's not-a-road statistics (and the network they read, when the manifest names
 * one: the caller disposes it with disposeNotRoadScorer), or undefined when it has none.
 */
export async function readNotRoadStatsFor(
  modelDir: string,
  manifest: RoadDamageManifest,
): Promise<NotRoadScorer | undefined> {
  const spec = manifest.notRoad;
  if (!spec) return undefined;
  const file = path.join(modelDir, spec.statsUrl);
  if (!existsSync(file)) {
    throw new ToolError(
      'bad-model-folder',
      `The model's not-a-road statistics ${spec.statsUrl} are missing from ${modelDir}: copy the ` +
        `whole model folder.`,
    );
  }
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let network: ModelAdapter | undefined;
  if (spec.network) {
    const dir = path.dirname(path.join(modelDir, spec.network.modelUrl));
    const file = path.join(modelDir, spec.network.modelUrl);
    if (!existsSync(file)) {
      throw new ToolError(
        'bad-model-folder',
        `The network of the model's not-a-road check, ${spec.network.modelUrl}, is missing ` +
          `from ${modelDir}: copy the whole model folder.`,
      );
    }
    network = await buildAdapter('layers', tf.io.fromMemory(readModelDir(dir)), {}, true);
  }
  return notRoadScorerOf(buffer, spec, network);
}

/** `eval --not-road DIR`: how many of these photos the score turns away. */
export async function evaluateNotRoadFolder(
  loaded: LoadedModel,
  modelDir: string,
  dir: string,
  decode: (file: string) => Promise<tf.Tensor4D>,
  batchSize = 16,
): Promise<{ n: number; not_road_rate: number; scores: number[]; threshold: number }> {
  const { manifest } = loaded;
  const scorer =
    manifest.task === 'road-damage' ? await readNotRoadStatsFor(modelDir, manifest) : undefined;
  if (!scorer) {
    throw new ToolError(
      'bad-model-folder',
      `${modelDir} has no not-a-road statistics (manifest.json has no "notRoad"): only a ` +
        `road-damage model trained by \`npm run train -- road-damage\` can say "not a road".`,
    );
  }
  const files = listPictures(dir);
  const scores: number[] = [];
  for (let start = 0; start < files.length; start += batchSize) {
    const inputs = await mapLimit(files.slice(start, start + batchSize), 4, decode);
    const x = tf.concat(inputs) as tf.Tensor4D;
    tf.dispose(inputs);
    try {
      scores.push(...(await scoreNotRoad(loaded.adapter, x, scorer)));
    } finally {
      x.dispose();
    }
  }
  disposeNotRoadScorer(scorer);
  return {
    n: files.length,
    not_road_rate: scores.filter((s) => s > scorer.threshold).length / files.length,
    scores,
    threshold: scorer.threshold,
  };
}
