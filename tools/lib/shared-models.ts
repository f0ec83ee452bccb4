/**
 * The material in ../shared that tools may use when the user points at it: the pretrained
 * MobileNet v1 0.25 in both TensorFlow.js formats, which ship without a RoadCAM manifest.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedModel } from '../../src/model/load-model';
import {
  modelManifestSchema,
  NORMALIZE_MINUS_ONE_TO_ONE,
  NORMALIZE_ZERO_TO_ONE,
  type ModelManifest,
} from '../../src/model/manifest';
import { loadModelDir } from './model-dir';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** ROADCAM_SHARED, or ../shared beside the project. Throws a clear message when missing. */
export function sharedRoot(): string {
  const dir = path.resolve(process.env.ROADCAM_SHARED ?? path.join(projectRoot, '..', 'shared'));
  if (!existsSync(dir)) {
    throw new Error(
      `The shared RoadCAM material was not found at ${dir}. Put it beside the project ` +
        '(../shared) or set ROADCAM_SHARED=/path/to/shared.',
    );
  }
  return dir;
}

export function imagenetLabels(): string[] {
  const file = path.join(sharedRoot(), 'models', 'imagenet-labels.json');
  return JSON.parse(readFileSync(file, 'utf8')) as string[];
}

export const MOBILENET_CAM_LAYER = {
  layers: 'conv_pw_13_relu',
  graph: 'module_apply_default/MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6',
} as const;

export function mobilenetManifestFor(format: 'layers' | 'graph'): ModelManifest {
  return modelManifestSchema.parse({
    id: `mobilenet-v1-0.25-224-${format}`,
    version: '1',
    name: `MobileNet v1 0.25 (${format} format)`,
    task: 'classification',
    format,
    labels: imagenetLabels(),
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

export function mobilenetDir(format: 'layers' | 'graph'): string {
  return path.join(
    sharedRoot(),
    'models',
    format === 'graph' ? 'mobilenet_v1_0.25_224_graph' : 'mobilenet_v1_0.25_224',
  );
}

export function loadSharedMobilenet(format: 'layers' | 'graph'): Promise<LoadedModel> {
  return loadModelDir(mobilenetDir(format), mobilenetManifestFor(format));
}
