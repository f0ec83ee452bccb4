/**
 * The model a `roadcam` command works on: a folder with model.json and manifest.json, or a
 * converted model without a manifest, described by flags. The flags are answers to the same
 * questions as the lab's form, and the manifest is made from them by the same builder
 * (src/model/manifest-answers.ts).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { LoadedModel } from '../../src/model/load-model';
import { parseLabels } from '../../src/model/labels-file';
import { parseManifest, type ModelManifest } from '../../src/model/manifest';
import type { ManifestAnswers } from '../../src/model/manifest-answers';
import { ModelLoadError } from '../../src/model/model-load-error';
import type { Normalization } from '../../src/model/runtime-manifest';
import {
  NORMALIZATION_PRESETS,
  presetNormalization,
  type NormalizationPreset,
} from '../../src/model/normalization-presets';
import { loadModelDir, loadModelDirWithAnswers } from '../lib/model-dir';
import { UsageError, type CliValues } from './usage';

/** --size, --channels, --range (or --normalization), --labels and --label-offset as answers. */
function answersFromFlags(dir: string, v: CliValues): ManifestAnswers {
  const missing = ['size', 'labels'].filter((k) => !v[k as keyof CliValues]);
  if (missing.length) {
    throw new UsageError(
      `${dir} has no manifest.json. Give one with --manifest FILE, or describe the model with ` +
        `${missing.map((m) => `--${m}`).join(' and ')} (see roadcam --help).`,
    );
  }
  const size = /^(\d+)x(\d+)$/.exec(v.size!);
  if (!size) throw new UsageError(`--size must look like 224x224, not "${v.size}".`);
  if (!existsSync(v.labels!)) throw new UsageError(`The labels file ${v.labels} does not exist.`);
  const normalization = normalizationFromFlags(v);
  const labelOffset = Number(v['label-offset']);
  if (!(Number.isInteger(labelOffset) && labelOffset >= 0)) {
    throw new UsageError(`--label-offset must be a whole number, not "${v['label-offset']}".`);
  }
  const name = path.basename(path.resolve(dir));
  return {
    id: name,
    version: '0',
    name,
    width: Number(size[1]),
    height: Number(size[2]),
    channels: Number(v.channels) as 1 | 3,
    normalization,
    resize: 'stretch',
    labels: parseLabels(readFileSync(v.labels!, 'utf8'), v.labels),
    labelOffset,
  };
}

/** --normalization NAME (a preset of the lab's list), else --range. */
function normalizationFromFlags(v: CliValues): Normalization {
  if (v.normalization !== undefined) {
    if (!(v.normalization in NORMALIZATION_PRESETS)) {
      throw new UsageError(
        `--normalization must be one of ${Object.keys(NORMALIZATION_PRESETS).join(', ')}, ` +
          `not "${v.normalization}".`,
      );
    }
    return presetNormalization(v.normalization as NormalizationPreset);
  }
  if (v.range !== '-1,1' && v.range !== '0,1') {
    throw new UsageError(`--range must be -1,1 or 0,1, not "${v.range}".`);
  }
  return presetNormalization(v.range === '-1,1' ? 'minus-one-one' : 'zero-one');
}

function readManifestFile(file: string): ModelManifest {
  if (!existsSync(file)) throw new UsageError(`The manifest ${file} does not exist.`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelLoadError('manifest-invalid', `${file} is not valid JSON.`, String(e));
  }
  return parseManifest(json, file);
}

export async function loadCliModel(v: CliValues): Promise<LoadedModel> {
  const dir = v.model;
  if (!dir) throw new UsageError('Name the model folder with --model DIR.');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`The model folder ${dir} does not exist.`);
  }
  if (!existsSync(path.join(dir, 'model.json'))) {
    throw new UsageError(
      `There is no model.json in ${dir}: point --model at a TensorFlow.js model folder.`,
    );
  }
  if (v.manifest) return loadModelDir(dir, readManifestFile(v.manifest));
  if (existsSync(path.join(dir, 'manifest.json'))) return loadModelDir(dir);
  return loadModelDirWithAnswers(dir, answersFromFlags(dir, v));
}
