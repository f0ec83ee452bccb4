/**
 * Reading and writing TensorFlow.js layers models as files (model.json + weight shards) in
 * Node, where tfjs-core has no file system handler (that lives in tfjs-node, which cannot
 * install here). The files are the ones the converter and the browser loader use.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf } from '../lib/tf-node';
import { ToolError } from '../data/errors';

/** Shards no larger than the converter's default, so browsers cache them well. */
const SHARD_BYTES = 4 * 1024 * 1024;

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: object;
}

/** Reads model.json and its shards into the artifacts tfjs loads from memory. */
export function readModelArtifacts(dir: string): tf.io.ModelArtifacts {
  const file = path.join(dir, 'model.json');
  if (!existsSync(file)) {
    throw new ToolError(
      'bad-model-folder',
      `${dir} has no model.json: give the folder of a TensorFlow.js model (model.json and ` +
        `its weight files).`,
      file,
    );
  }
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new ToolError(
      'bad-model-folder',
      `${file} is not valid JSON: the model files are damaged; copy them again.`,
      e instanceof Error ? e.message : String(e),
    );
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ToolError(
      'bad-model-folder',
      `${file} is not a TensorFlow.js layers model (it lacks modelTopology or weightsManifest).`,
    );
  }
  const buffers: Buffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    for (const p of group.paths) {
      const shard = path.join(dir, p);
      if (!existsSync(shard)) {
        throw new ToolError(
          'bad-model-folder',
          `The weight file ${p} that ${file} lists is missing: copy the whole model folder.`,
          shard,
        );
      }
      buffers.push(readFileSync(shard));
    }
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
}

export async function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
  const artifacts = readModelArtifacts(dir);
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
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
