/**
 * Models on disk for the Node tools and tests: a tfjs IOHandler over a folder holding
 * model.json, its weight shards and manifest.json (tfjs-node's file:// handler is not available
 * here, since tfjs-node cannot be installed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  loadModel,
  ModelLoadError,
  parseManifest,
  type LoadedModel,
} from '../../src/model/load-model';
import type { ModelManifest } from '../../src/model/manifest';

interface ModelJson {
  modelTopology: object;
  weightsManifest: tf.io.WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
}

/** Reads model.json and its shards from `dir`, or writes them there (tf.LayersModel.save). */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const file = path.join(dir, 'model.json');
      if (!existsSync(file)) {
        throw new ModelLoadError('model-missing', `There is no model.json in ${dir}.`);
      }
      const json = JSON.parse(readFileSync(file, 'utf8')) as ModelJson;
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Buffer[] = [];
      for (const group of json.weightsManifest ?? []) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const shard = path.join(dir, p);
          if (!existsSync(shard)) {
            throw new ModelLoadError(
              'model-missing',
              `The weight file ${p} named in model.json is missing from ${dir}.`,
            );
          }
          buffers.push(readFileSync(shard));
        }
      }
      const all = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        weightSpecs,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer,
      };
    },
    save: async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const shard = 'weights.bin';
      const data = artifacts.weightData;
      const bytes = data
        ? Buffer.from(
            Array.isArray(data)
              ? Buffer.concat(data.map((b) => Buffer.from(b)))
              : Buffer.from(data as ArrayBuffer),
          )
        : Buffer.alloc(0);
      writeFileSync(path.join(dir, shard), bytes);
      const json: ModelJson = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [shard], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: bytes.length,
        },
      };
    },
  };
}

/** Writes DIR/manifest.json (two-space JSON, as committed). */
export function writeManifest(dir: string, manifest: ModelManifest): void {
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

export function readManifest(dir: string): ModelManifest {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) {
    throw new ModelLoadError(
      'manifest-missing',
      `There is no manifest.json in ${dir}; it says the model's input size, normalisation and labels.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelLoadError('manifest-invalid', `${file} is not valid JSON.`, String(e));
  }
  return parseManifest(json, file);
}

/** A model folder with its manifest (or a manifest given for a folder that has none). */
export async function loadModelDir(dir: string, manifest?: ModelManifest): Promise<LoadedModel> {
  if (!existsSync(dir)) {
    throw new ModelLoadError('model-missing', `The model folder ${dir} does not exist.`);
  }
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new ModelLoadError('model-missing', `There is no model.json in ${dir}.`);
  }
  return loadModel(manifest ?? readManifest(dir), modelDirHandler(dir));
}
