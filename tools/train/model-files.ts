/**
 * Writing TensorFlow.js layers models as files (model.json + weight shards) in Node, where
 * tfjs-core has no file system handler (that lives in tfjs-node, which cannot install here),
 * and loading them back through the one reader (tools/lib/model-dir.ts). The files are the ones
 * the converter and the browser loader use.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../lib/tf-node';
import type { ModelJson } from '../../src/model/model-json';
import { readModelDir } from '../lib/model-dir';

/** Shards no larger than the converter's default, so browsers cache them well. */
const SHARD_BYTES = 4 * 1024 * 1024;

export async function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(tf.io.fromMemory(readModelDir(dir)));
}

function weightBytes(data: tf.io.WeightData): Uint8Array {
  if (Array.isArray(data)) {
    return new Uint8Array(Buffer.concat(data.map((b) => Buffer.from(b))));
  }
  return new Uint8Array(data);
}

/**
 * Writes model.json and group1-shardXofY.bin files into dir (created if needed). Old shards of
 * an earlier save are removed so the folder holds exactly one model.
 */
export async function saveLayersModelToDir(model: tfl.LayersModel, dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.weightData || !artifacts.weightSpecs) {
        throw new Error('tfjs gave no weights to save');
      }
      const bytes = weightBytes(artifacts.weightData);
      const count = Math.max(1, Math.ceil(bytes.byteLength / SHARD_BYTES));
      for (const old of readdirSync(dir).filter((f) =>
        /^group\d+-shard\d+of\d+(\.bin)?$/.test(f),
      )) {
        rmSync(path.join(dir, old));
      }
      const paths: string[] = [];
      for (let i = 0; i < count; i++) {
        const name = `group1-shard${i + 1}of${count}.bin`;
        writeFileSync(path.join(dir, name), bytes.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
        paths.push(name);
      }
      const json: ModelJson = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      written.push('model.json', ...paths);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return written;
}
