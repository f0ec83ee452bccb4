/**
 * `npm run eval` on a road-damage model: a small model made here (its verdicts mean nothing; its
 * files, manifest, not-a-road statistics and outputs are those of a real one) on field photos in
 * the rdd2022 form and a folder of pictures that are not roads, all made by the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelManifestSchema } from '../../src/model/manifest';
import { serializeNotRoadStats } from '../../src/model/not-road';
import { readPhotoFolder } from '../../tools/data/photo-folder';
import { seededRng } from '../../tools/data/rng';
import { evaluateFolders } from '../../tools/eval/evaluate';
import { loadModelDir, writeManifest } from '../../tools/lib/model-dir';
import { tf, useBackend } from '../../tools/lib/tf-node';
import { saveLayersModelToDir } from '../../tools/train/model-files';
import { fitNotRoadStats } from '../../tools/train/not-road-fit';
import { projectRoot } from '../../tools/lib/paths';
import { writeFieldFolder } from './field-photos';
import { tempDir } from './synthetic-photos';

const SIZE = 48;
const TYPES = ['pothole', 'crack', 'patch'] as const;

async function tinyRoadDamageModel(dir: string, roadPhotos: string[]): Promise<void> {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv1',
        inputShape: [SIZE, SIZE, 3],
        filters: 8,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(1),
      }),
      tfl.layers.conv2d({
        name: 'features',
        filters: 12,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: init(2),
      }),
      tfl.layers.globalAveragePooling2d({ name: 'head_pool' }),
      tfl.layers.dense({
        name: 'head_dense',
        units: 3,
        activation: 'sigmoid',
        kernelInitializer: init(3),
      }),
    ],
  });
  await saveLayersModelToDir(model, dir);
  // Not-a-road statistics from the pooled features of the road photos, as training makes them.
  const body = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer('features').output as tfl.SymbolicTensor,
  });
  const pixels = await Promise.all(
    roadPhotos.map(
      async (f) =>
        await sharp(f).resize(SIZE, SIZE, { fit: 'fill' }).removeAlpha().raw().toBuffer(),
    ),
  );
  const features = tf.tidy(() => {
    const x = tf.div(
      tf.sub(tf.tensor4d(Buffer.concat(pixels), [pixels.length, SIZE, SIZE, 3], 'float32'), 127.5),
      127.5,
    );
    return tf.mean(body.predict(x) as tf.Tensor4D, [1, 2]).dataSync() as Float32Array;
  });
  const stats = fitNotRoadStats(features, roadPhotos.length, 12, 4);
  writeFileSync(path.join(dir, 'not-road.bin'), serializeNotRoadStats([stats]));
  model.dispose();
  const type = (name: (typeof TYPES)[number], output: number) => ({
    name,
    title: name,
    output,
    threshold: 0.5,
    thresholdRule: {
      targetSpecificity: 0.9,
      validationSpecificity: 0.9,
      validationRecall: 0.5,
      validationPhotos: 10,
    },
    notSure: { from: 0.2, to: 0.8, confidence: 0.8 },
    calibration: {
      method: 'temperature',
      temperature: 2,
      bias: 0,
      inWeights: true,
      validationEce: { before: 0.2, after: 0.1 },
    },
  });
  writeManifest(
    dir,
    modelManifestSchema.parse({
      id: 'tiny-road-damage',
      version: '0.0.1',
      name: 'tiny road damage',
      task: 'road-damage',
      format: 'layers',
      labels: [...TYPES],
      input: { width: SIZE, height: SIZE, channels: 3, normalization: { mean: [0.5], std: [0.5] } },
      cam: { layer: 'features' },
      types: TYPES.map(type),
      notRoad: {
        method: 'mahalanobis',
        layer: 'features',
        dimensions: 12,
        components: 4,
        statsUrl: 'not-road.bin',
        residualVariance: stats.residualVariance,
        threshold: 40,
        thresholdRule: {
          maxRoadRejection: 0.02,
          validationRoadPhotos: 10,
          validationRoadRejected: 0,
        },
        fittedOn: roadPhotos.length,
      },
    }),
  );
}

/** Pictures that are not roads: saturated colour blocks and stripes. */
async function writeNotRoad(dir: string, n: number): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const rng = seededRng(9);
  for (let i = 0; i < n; i++) {
    const data = Buffer.alloc(64 * 64 * 3);
    const [r, g, b] = [rng() * 255, rng() * 255, rng() * 255];
    for (let p = 0; p < 64 * 64; p++) {
      const stripe = Math.floor((p % 64) / 8) % 2;
      data.set(stripe ? [r, g, b] : [255 - r, 255 - b, g], p * 3);
    }
    await sharp(data, { raw: { width: 64, height: 64, channels: 3 } })
      .jpeg()
      .toFile(path.join(dir, `thing-${i}.jpg`));
  }
}

const tsx = path.join(
  path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
  'dist',
  'cli.mjs',
);

describe('evaluating a road-damage model', () => {
  const root = tempDir('road-damage-eval');
  const field = path.join(root, 'rdd-field');
  const model = path.join(root, 'model');
  const notRoad = path.join(root, 'not-road');

  beforeAll(async () => {
    await useBackend('wasm');
    await writeFieldFolder(field, [
      { damage: ['D40', 'D00'] },
      { damage: ['D00'] },
      { damage: ['D10', 'Repair'] },
      { damage: ['D40'] },
      { damage: [] },
      { damage: ['Repair'] },
    ]);
    await writeNotRoad(notRoad, 6);
    const photos = readPhotoFolder(field).photos.map((p) => p.path);
    await tinyRoadDamageModel(model, photos);
  });

  it('reports each type, the calibration error and the road photos turned away', async () => {
    const beforeLoad = tf.memory().numTensors;
    const loaded = await loadModelDir(model);
    try {
      const { report, results } = await evaluateFolders(loaded, model, [readPhotoFolder(field)], {
        perturbation: false,
      });
      // The compiled model keeps each CAM layer's linear head once it is first used (freed with
      // the model): a second evaluation adds no tensor.
      const settled = tf.memory().numTensors;
      await evaluateFolders(loaded, model, [readPhotoFolder(field)], { perturbation: false });
      expect(tf.memory().numTensors).toBe(settled);
      expect(report.n).toBe(6);
      expect(Object.keys(report.types ?? {})).toEqual([...TYPES]);
      const pothole = report.types!.pothole;
      expect(pothole).toMatchObject({ n: 6, positives: 2, boxed_photos: 2 });
      expect(report.types!.crack).toMatchObject({ positives: 3, boxed_photos: 3 });
      expect(report.types!.patch).toMatchObject({ positives: 2, boxed_photos: 2 });
      for (const t of Object.values(report.types!)) {
        for (const k of [
          'auc',
          'recall_at_spec90',
          'pointing_game',
          'centre_pointing_game',
          'energy_in_box',
          'uniform_energy_in_box',
          'ece',
        ] as const) {
          expect(t[k], k).toBeGreaterThanOrEqual(0);
          expect(t[k], k).toBeLessThanOrEqual(1);
        }
      }
      // The pothole figures keep their meaning: the pothole output at its threshold.
      expect(report.pointing_game).toBe(pothole.pointing_game);
      expect(report.boxed_photos).toBe(2);
      expect(report.pothole_recall).toBe(pothole.recall);
      expect(typeof report.ece).toBe('number');
      expect(report.not_road_rate).toBe(results.filter((r) => r.notRoad).length / 6);
      expect(results.every((r) => typeof r.notRoadScore === 'number')).toBe(true);
    } finally {
      loaded.dispose();
    }
    expect(tf.memory().numTensors).toBe(beforeLoad);
  });

  it('npm run eval prints the per-type keys as JSON, and --not-road the share turned away', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [tsx, 'tools/eval/main.ts', '--model', model, ...args], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 120_000,
      });
    const r = run(['--data', field, '--no-perturbation', '--not-road', notRoad]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const k of [
      'pothole_recall',
      'normal_specificity',
      'roc_auc',
      'accuracy',
      'pointing_game',
      'energy_in_box',
      'ece',
      'not_road_rate',
    ]) {
      expect(json, k).toHaveProperty(k);
    }
    const types = json.types as Record<string, Record<string, unknown>>;
    expect(Object.keys(types)).toEqual([...TYPES]);
    expect(Object.keys(types.crack)).toEqual(
      expect.arrayContaining([
        'auc',
        'recall_at_spec90',
        'pointing_game',
        'centre_pointing_game',
        'energy_in_box',
        'uniform_energy_in_box',
      ]),
    );
    expect(json.not_road).toMatchObject({ n: 6 });

    const alone = run(['--not-road', notRoad]);
    expect(alone.status).toBe(0);
    const nr = JSON.parse(alone.stdout) as { n: number; not_road_rate: number };
    expect(Object.keys(nr)).toEqual(['n', 'not_road_rate']);
    expect(nr.n).toBe(6);
    expect(nr.not_road_rate).toBeGreaterThanOrEqual(0);
    expect(nr.not_road_rate).toBeLessThanOrEqual(1);
  });

  it('--quality --choose chooses on validation photos only, and says when there are none', () => {
    const run = (modelDir: string, args: string[]) =>
      spawnSync(process.execPath, [tsx, 'tools/eval/main.ts', '--model', modelDir, ...args], {
        cwd: projectRoot,
        encoding: 'utf8',
        timeout: 120_000,
      });
    // The shipped model's split holds the test fixtures among its held-out photos: none of them
    // is there to choose on.
    const shipped = path.join(projectRoot, 'public', 'models', 'road-damage');
    const fixtures = path.join(projectRoot, 'test', 'fixtures', 'data', 'rdd2022-china-motorbike');
    const none = run(shipped, ['--data', fixtures, '--quality', '--choose']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/None of the photos .* validation photos .*nothing to choose on/);
    // A model without a split cannot tell its validation photos.
    const unsplit = run(model, ['--data', field, '--quality', '--choose']);
    expect(unsplit.status).toBe(1);
    expect(unsplit.stderr).toMatch(/has no split\.json, so its validation photos are unknown/);
    const given = run(model, ['--data', field, '--quality', '--choose', '--min-brightness', '30']);
    expect(given.status).toBe(2);
    expect(given.stderr).toMatch(/--choose goes with --quality, without --min-brightness/);
  });

  it('says so when a model has no not-a-road statistics', async () => {
    const r = spawnSync(
      process.execPath,
      [
        tsx,
        'tools/eval/main.ts',
        '--model',
        path.join(projectRoot, 'public', 'models', 'pothole'),
        '--not-road',
        notRoad,
      ],
      { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: .*no not-a-road statistics/);
  });
});
