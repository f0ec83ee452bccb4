/**
 * Models the lab's browser tests pick from disk, as a model builder would: a second pothole
 * model (its own id and version, seeded random weights, so its verdicts differ from the field
 * model's on some photos; larger input than the tiny field test model, so a re-analysis of a
 * few photos lasts long enough to pause it). Made in Node with tfjs-layers, written as
 * model.json + shard + manifest.json.
 *
 *   npx tsx test/features/lab/lab-test-models.ts [outDir]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelManifestInput } from '../../../src/model/manifest';
import { useBackend } from '../../../tools/lib/tf-node';
import { saveLayersModelToDir } from '../../../tools/train/model-files';
import { projectRoot } from '../../../tools/lib/paths';

export const LAB_TEST_MODELS_DIR = path.join(projectRoot, '.test-output', 'lab-test-models');
export const SECOND_POTHOLE_ID = 'lab-test-pothole';
export const SECOND_POTHOLE_VERSION = '2.0.0';
/** Input side: big enough that one photo takes a noticeable moment in the worker. */
const SECOND_POTHOLE_INPUT = 320;

export async function buildSecondPotholeModel(outDir = LAB_TEST_MODELS_DIR): Promise<string> {
  const dir = path.join(outDir, 'pothole-v2');
  await useBackend('cpu');
  let seed = 101;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const size = SECOND_POTHOLE_INPUT;
  const conv = (name: string, filters: number, strides: number, first = false) =>
    tfl.layers.conv2d({
      name,
      ...(first ? { inputShape: [size, size, 3] } : {}),
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(),
    });
  const model = tfl.sequential({
    layers: [
      conv('conv1', 32, 2, true),
      conv('conv2', 64, 2),
      conv('conv3', 64, 2),
      conv('conv4', 32, 1),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({
        name: 'logits',
        units: 2,
        activation: 'softmax',
        kernelInitializer: init(),
      }),
    ],
  });
  const manifest: ModelManifestInput = {
    id: SECOND_POTHOLE_ID,
    version: SECOND_POTHOLE_VERSION,
    name: 'Second pothole model (random weights: plumbing only)',
    description:
      'Built by test/features/lab/lab-test-models.ts for the lab tests; its verdicts mean nothing.',
    task: 'pothole',
    format: 'layers',
    modelUrl: 'model.json',
    labels: ['normal', 'pothole'],
    input: {
      width: size,
      height: size,
      channels: 3,
      normalization: { mean: [0], std: [1] },
      resize: 'stretch',
    },
    cam: { layer: 'conv4', method: 'gradcam' },
    lowConfidenceBelow: 0.7,
  };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await saveLayersModelToDir(model, dir);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  model.dispose();
  return dir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildSecondPotholeModel(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (dir) => console.log(`written: ${dir}`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
