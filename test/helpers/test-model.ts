/**
 * A tiny pothole-shaped model for the app's plumbing tests, made here until (and besides) the
 * trained model in public/models/pothole: three small conv layers, global average pooling and
 * a 2-way softmax with seeded random weights. Its verdicts mean nothing; its files, manifest and
 * shapes are those of a real model, so loading, inference, CAM and storage are exercised for real.
 * Also a broken model (manifest fine, model.json damaged) for the "model fails to load" test.
 *
 *   npx tsx test/helpers/test-model.ts [outDir]
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelManifestInput } from '../../src/model/manifest';
import { useBackend } from '../../tools/lib/tf-node';
import { saveLayersModelToDir } from '../../tools/train/model-files';
import { projectRoot } from '../../tools/lib/paths';

export const TEST_MODEL_ID = 'test-pothole-tiny';
export const TEST_MODEL_INPUT = 96;
export const TEST_CAM_LAYER = 'conv3';

/** Default output: models served at /test-models/... when copied into a build. */
export const TEST_MODELS_DIR = path.join(projectRoot, '.test-output', 'test-models');

export async function buildTestModels(
  outDir = TEST_MODELS_DIR,
): Promise<{ good: string; broken: string }> {
  await useBackend('cpu');
  const size = TEST_MODEL_INPUT;
  let seed = 7;
  const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv1',
        inputShape: [size, size, 3],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tfl.layers.conv2d({
        name: 'conv2',
        filters: 16,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
      tfl.layers.conv2d({
        name: TEST_CAM_LAYER,
        filters: 16,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(),
      }),
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
    id: TEST_MODEL_ID,
    version: '0.0.1',
    name: 'Tiny test model (random weights: plumbing only)',
    description:
      'Built by test/helpers/test-model.ts for the browser tests; its verdicts mean nothing.',
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
    cam: { layer: TEST_CAM_LAYER, method: 'gradcam' },
    lowConfidenceBelow: 0.7,
  };
  const good = path.join(outDir, 'tiny');
  mkdirSync(good, { recursive: true });
  await saveLayersModelToDir(model, good);
  writeFileSync(path.join(good, 'manifest.json'), JSON.stringify(manifest, null, 2));
  model.dispose();

  const broken = path.join(outDir, 'broken');
  mkdirSync(broken, { recursive: true });
  writeFileSync(
    path.join(broken, 'manifest.json'),
    JSON.stringify({ ...manifest, id: 'broken' }, null, 2),
  );
  // A model.json cut short, as an interrupted copy leaves it.
  writeFileSync(
    path.join(broken, 'model.json'),
    '{"format": "layers-model", "modelTopology": {"class_na',
  );
  // The shipped road-damage model with photo-quality thresholds of its own, so strict that a
  // well-lit photo is "too dark": the app must check against the model's, not its defaults.
  const strict = path.join(outDir, 'strict-quality');
  cpSync(ROAD_DAMAGE_DIR, strict, {
    recursive: true,
    filter: (from) => !/(split\.json|MODEL_CARD\.md|\.png)$/.test(from),
  });
  const roadDamage = JSON.parse(readFileSync(path.join(strict, 'manifest.json'), 'utf8')) as object;
  writeFileSync(
    path.join(strict, 'manifest.json'),
    JSON.stringify({
      ...roadDamage,
      id: 'strict-quality',
      photoQuality: { minBrightness: STRICT_MIN_BRIGHTNESS, minSharpness: 0 },
    }),
  );
  return { good, broken };
}

/** The strict-quality test model's darkness threshold: above any ordinary photo's mean luma. */
export const STRICT_MIN_BRIGHTNESS = 250;
const ROAD_DAMAGE_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'public',
  'models',
  'road-damage',
);

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildTestModels(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (dirs) => console.log(`test models written: ${dirs.good}, ${dirs.broken}`),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
