/**
 * The pretrained MobileNet v1 0.25 in both TensorFlow.js formats, which ships without a RoadCAM
 * manifest. It lives in a models folder laid out as the shared material's `models/` (by default
 * ../shared/models; the tests' copy is test/fixtures/models).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedModel, LoadOptions } from '../../src/model/load-model';
import {
  modelManifestSchema,
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
  type ModelManifest,
} from '../../src/model/manifest';
import { loadModelDir } from './model-dir';
import { sharedPath } from './paths';

/** The shared material's models folder; throws a clear message when it is missing. */
export function sharedModelsDir(): string {
  return sharedPath('models');
}

export function imagenetLabels(modelsDir = sharedModelsDir()): string[] {
  const file = path.join(modelsDir, 'imagenet-labels.json');
  return JSON.parse(readFileSync(file, 'utf8')) as string[];
}

export const MOBILENET_CAM_LAYER = {
  layers: 'conv_pw_13_relu',
  graph: 'module_apply_default/MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6',
} as const;

export function mobilenetManifestFor(
  format: 'layers' | 'graph',
  modelsDir = sharedModelsDir(),
): ModelManifest {
  return modelManifestSchema.parse({
    id: `mobilenet-v1-0.25-224-${format}`,
    version: '1',
    name: `MobileNet v1 0.25 (${format} format)`,
    task: 'classification',
    format,
    labels: imagenetLabels(modelsDir),
    // The graph version has "background" at index 0 and rescales [0, 1] inputs itself.
    labelOffset: format === 'graph' ? 1 : 0,
    input: {
      width: 224,
      height: 224,
      channels: 3,
      normalization: format === 'graph' ? NORMALIZE_ZERO_TO_ONE : NORMALIZE_MINUS_ONE_TO_ONE,
    },
    cam: { layer: MOBILENET_CAM_LAYER[format] },
  });
}

export function mobilenetDir(format: 'layers' | 'graph', modelsDir = sharedModelsDir()): string {
  return path.join(
    modelsDir,
    format === 'graph' ? 'mobilenet_v1_0.25_224_graph' : 'mobilenet_v1_0.25_224',
  );
}

export function loadSharedMobilenet(
  format: 'layers' | 'graph',
  options: LoadOptions = {},
  modelsDir = sharedModelsDir(),
): Promise<LoadedModel> {
  return loadModelDir(
    mobilenetDir(format, modelsDir),
    mobilenetManifestFor(format, modelsDir),
    options,
  );
}
