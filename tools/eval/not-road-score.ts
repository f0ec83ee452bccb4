/**
 * The not-a-road score in the tools, exactly as the app computes it: the spatial mean of the
 * CAM layer's activations (the head's pooled features), scored against the statistics in the
 * model folder (src/model/not-road.ts). And `eval --not-road DIR`: the share of a folder of
 * photos that are not roads which the score turns away.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelAdapter } from '../../src/explain/adapters/types';
import type { LoadedModel } from '../../src/model/load-model';
import type { RoadDamageManifest } from '../../src/model/manifest';
import {
  notRoadScore,
  parseNotRoadStats,
  pooledFeatures,
  type NotRoadStats,
} from '../../src/model/not-road';
import { ToolError } from '../lib/tool-error';
import { mapLimit } from '../data/decode';
import { listPictures } from '../data/pictures';
import { tf } from '../lib/tf-node';

export interface NotRoadScorer {
  stats: NotRoadStats;
  threshold: number;
  layer: string;
}

/** The model folder's not-a-road statistics, or undefined when its manifest has none. */
export function readNotRoadStatsFor(
  modelDir: string,
  manifest: RoadDamageManifest,
): NotRoadScorer | undefined {
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
  return { stats: parseNotRoadStats(buffer, spec), threshold: spec.threshold, layer: spec.layer };
}

/** Pooled features [n x channels] of a batch of model inputs at `layer`. */
export async function pooledFeaturesOf(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  layer: string,
): Promise<{ features: Float32Array; channels: number }> {
  const pooled = tf.tidy(() => tf.mean(adapter.activations(x, layer), [1, 2]));
  const channels = pooled.shape[1] ?? 0;
  const features = (await pooled.data()) as Float32Array;
  pooled.dispose();
  return { features, channels };
}

/** Not-a-road scores of a batch of model inputs. */
export async function scoreNotRoad(
  adapter: ModelAdapter,
  x: tf.Tensor4D,
  scorer: NotRoadScorer,
): Promise<number[]> {
  const acts = tf.tidy(() => adapter.activations(x, scorer.layer));
  const [n, , , c] = acts.shape;
  const data = (await acts.data()) as Float32Array;
  acts.dispose();
  const per = data.length / n;
  // The same arithmetic as the worker: pooledFeatures over one photo's [h, w, c] activations.
  return Array.from({ length: n }, (_, i) =>
    notRoadScore(pooledFeatures(data.subarray(i * per, (i + 1) * per), c), scorer.stats),
  );
}

/** `eval --not-road DIR`: how many of these photos the score turns away. */
export async function evaluateNotRoadFolder(
  loaded: LoadedModel,
  modelDir: string,
  dir: string,
  decode: (file: string) => Promise<tf.Tensor4D>,
  batchSize = 16,
): Promise<{ n: number; not_road_rate: number; scores: number[] }> {
  const { manifest } = loaded;
  const scorer =
    manifest.task === 'road-damage' ? readNotRoadStatsFor(modelDir, manifest) : undefined;
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
  return {
    n: files.length,
    not_road_rate: scores.filter((s) => s > scorer.threshold).length / files.length,
    scores,
  };
}
