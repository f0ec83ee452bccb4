/**
 * Models on disk for the Node tools and tests: a folder holding model.json, its weight files
 * and manifest.json (tfjs-node's file:// handler is not available here, since tfjs-node cannot
 * be installed). The files are read by the one reader in src/model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel, type LoadedModel, type LoadOptions } from '../../src/model/load-model';
import { parseManifest } from '../../src/model/manifest';
import { loadModelWithAnswers } from '../../src/model/load-with-answers';
import type { ManifestAnswers } from '../../src/model/manifest-answers';
import type { ModelManifest } from '../../src/model/manifest';
import { readModelArtifacts, type WeightFileSource } from '../../src/model/model-artifacts';
import { ModelLoadError } from '../../src/model/model-load-error';

function folderWeightFiles(dir: string): WeightFileSource {
  return {
    read: (p) => {
      const file = path.join(dir, p);
      return existsSync(file) ? readFileSync(file) : null;
    },
    absent: { one: `is missing from ${dir}`, many: `are missing from ${dir}` },
    remedy: 'Copy the whole model folder.',
  };
}

/** `dir`'s model.json; throws ModelLoadError when the folder or the file is not there. */
function modelJsonIn(dir: string): string {
  if (!existsSync(dir)) {
    throw new ModelLoadError('model-missing', `The model folder ${dir} does not exist.`);
  }
  const file = path.join(dir, 'model.json');
  if (!existsSync(file)) {
    throw new ModelLoadError(
      'model-missing',
      `There is no model.json in ${dir}: give the folder of a TensorFlow.js model (model.json ` +
        'and its weight files).',
    );
  }
  return file;
}

/** model.json and its weight files in `dir` as the artifacts tfjs loads from memory. */
export function readModelDir(dir: string): tf.io.ModelArtifacts {
  const file = modelJsonIn(dir);
  return readModelArtifacts(readFileSync(file, 'utf8'), folderWeightFiles(dir), file);
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
export async function loadModelDir(
  dir: string,
  manifest?: ModelManifest,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  modelJsonIn(dir);
  const described = manifest ?? readManifest(dir);
  return loadModel(described, tf.io.fromMemory(readModelDir(dir)), options);
}

/** A model folder without a manifest, described by answers (the command line's flags). */
export async function loadModelDirWithAnswers(
  dir: string,
  answers: ManifestAnswers,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  return loadModelWithAnswers(readModelDir(dir), answers, 'flags', options);
}
