/**
 * The pretrained MobileNet v1 0.25 from ../shared/models, in both TensorFlow.js formats, with the
 * manifests that describe them (they ship without one).
 */
import { readFileSync } from 'node:fs';
import type { LoadedModel } from '../../src/model/load-model';
import { modelManifestSchema, type ModelManifest } from '../../src/model/manifest';
import { loadModelDir } from '../../tools/lib/model-dir';
import { sharedPath } from './shared-data';

export function imagenetLabels(): string[] {
  return JSON.parse(readFileSync(sharedPath('models', 'imagenet-labels.json'), 'utf8')) as string[];
}

export function mobilenetManifest(format: 'layers' | 'graph'): ModelManifest {
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
      normalization: format === 'graph' ? { mean: [0], std: [1] } : { mean: [0.5], std: [0.5] },
    },
    cam: {
      layer:
        format === 'graph'
          ? 'module_apply_default/MobilenetV1/MobilenetV1/Conv2d_13_pointwise/Relu6'
          : 'conv_pw_13_relu',
    },
  });
}

export function loadMobilenet(format: 'layers' | 'graph'): Promise<LoadedModel> {
  const dir = sharedPath(
    'models',
    format === 'graph' ? 'mobilenet_v1_0.25_224_graph' : 'mobilenet_v1_0.25_224',
  );
  return loadModelDir(dir, mobilenetManifest(format));
}
