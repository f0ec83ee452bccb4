/**
 * `npm run train -- road-damage` end to end on the repository's fixture photos (a smoke run:
 * one batch, small inputs), then `npm run train -- not-road` on its output: the model folder
 * each writes loads in the app's code and answers a photo with every type and a not-a-road
 * score read from the layers its manifest names.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damageForward, notRoadFeatures } from '../../src/model/damage-forward';
import * as tfl from '@tensorflow/tfjs-layers';
import { readNotRoadStatsFor } from '../../tools/eval/not-road-score';
import { disposeNotRoadScorer } from '../../src/model/damage-forward';
import { modelManifestSchema } from '../../src/model/manifest';
import { neighbourBankBytes, notRoadStatsBytes } from '../../src/model/not-road';
import { decodePhoto } from '../../tools/data/decode';
import { loadModelDir, readModelDir } from '../../tools/lib/model-dir';
import { projectRoot } from '../../tools/lib/paths';
import { tf, useBackend } from '../../tools/lib/tf-node';

const run = promisify(execFile);
const TSX = path.join(projectRoot, 'node_modules/tsx/dist/cli.mjs');
const fixtures = path.join(projectRoot, 'test', 'fixtures');
const DATA = ['potholes-annotated', 'potholes-closeup', 'rdd2022-china-motorbike'].flatMap((d) => [
  '--data',
  path.join(fixtures, 'data', d),
]);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'roadcam-train-damage-'));
const out = path.join(scratch, 'model');
const noHoldOut = mkdtempSync(path.join(scratch, 'none-'));

async function train(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, [TSX, 'tools/train/main.ts', ...args], {
      cwd: projectRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    throw new Error(`train ${args.join(' ')} exited ${e.code}:\n${e.stderr}\n${e.stdout}`, {
      cause: error,
    });
  }
}

const manifestOf = () =>
  modelManifestSchema.parse(JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')));

beforeAll(async () => {
  await useBackend('wasm');
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('train road-damage, then train not-road (fixture photos, smoke run)', () => {
  it('writes a model folder whose not-a-road score reads the ImageNet network it ships', async () => {
    const log = await train([
      'road-damage',
      ...DATA,
      '--out',
      out,
      '--mobilenet',
      path.join(fixtures, 'models', 'mobilenet_v1_0.25_224'),
      '--hold-out',
      noHoldOut,
      '--not-road',
      path.join(fixtures, 'images'),
      '--epochs',
      '1',
      '--max-batches',
      '1',
      '--batch-size',
      '4',
      '--input-sizes',
      '96,128',
      '--paste-potholes',
      '1',
      '--no-eval',
    ]);
    // Every photo without a pothole in the one batch had one pasted in, and the card says so.
    expect(log).toMatch(/[1-9]\d* potholes pasted/);
    expect(readFileSync(path.join(out, 'MODEL_CARD.md'), 'utf8')).toMatch(
      /100% of the photos without a pothole had one pasted in \([1-9]\d* over the run\)/,
    );
    expect(log).toMatch(
      /not a road: 5 nearest of \d+ training road photos, the ImageNet network conv_pw_13_relu \(mean, 256 values\)/,
    );
    const m = manifestOf();
    if (m.task !== 'road-damage' || m.notRoad?.method !== 'nearest-neighbours') {
      throw new Error('expected a road-damage model with the nearest-neighbour check');
    }
    expect(m.notRoad.neighbours).toBe(5);
    expect(m.notRoad.layers.map((l) => [l.layer, l.pooling, l.dimensions])).toEqual([
      ['conv_pw_13_relu', 'mean', 256],
    ]);
    expect(m.notRoad.network).toMatchObject({
      modelUrl: 'not-road-net/model.json',
      inputSize: 224,
    });
    expect(existsSync(path.join(out, 'not-road-net', 'model.json'))).toBe(true);
    expect(m.training?.fieldPotholeRepeat).toBe(5);
    expect(m.training?.pastes?.rate).toBe(1);
    // One byte per value of each training photo's features.
    expect(statSync(path.join(out, 'not-road.bin')).size).toBe(
      neighbourBankBytes(m.notRoad.fittedOn, 256),
    );
  }, 240_000);

  it('pools the ImageNet network as MobileNet itself computes (batch norm folded, cut at the layer)', async () => {
    const m = manifestOf();
    if (m.task !== 'road-damage' || !m.notRoad) throw new Error('expected a road-damage model');
    const scorer = await readNotRoadStatsFor(out, m);
    if (!scorer?.network) throw new Error('expected the ImageNet network');
    const mobilenet = await tfl.loadLayersModel(
      tf.io.fromMemory(readModelDir(path.join(fixtures, 'models', 'mobilenet_v1_0.25_224'))),
    );
    const body = tfl.model({
      inputs: mobilenet.inputs,
      outputs: mobilenet.getLayer('conv_pw_13_relu').output as tfl.SymbolicTensor,
    });
    const photo = await decodePhoto(path.join(fixtures, 'images', 'cat.jpg'), 224, 224, 'stretch');
    const x = tf.tidy(() =>
      tf.sub(tf.div(tf.tensor4d(Float32Array.from(photo.data), [1, 224, 224, 3]), 127.5), 1),
    ) as tf.Tensor4D;
    const [ours] = await notRoadFeatures(scorer, x);
    const acts = body.predict(x) as tf.Tensor4D;
    const mean = await tf.mean(acts, [1, 2]).data();
    // The pooling's definition: sqrt(variance + 1e-6) (src/model/damage-forward.ts).
    const std = await tf.sqrt(tf.add(tf.moments(acts, [1, 2]).variance, 1e-6)).data();
    const expected = scorer.layers[0].pooling === 'mean' ? [...mean] : [...mean, ...std];
    expect(ours.length).toBe(expected.length);
    const worst = Math.max(...expected.map((e, i) => Math.abs(e - ours[i]) / (1e-2 + Math.abs(e))));
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([x, acts]);
    mobilenet.dispose();
    disposeNotRoadScorer(scorer);
  }, 60_000);

  it("refits Mahalanobis statistics at the model's own layers, and the app code scores a photo with them", async () => {
    await train([
      'not-road',
      '--model',
      out,
      ...DATA,
      '--not-road-method',
      'mahalanobis',
      '--not-road-network',
      'model',
      '--not-road-layers',
      'conv_pw_5_relu,conv_pw_13_relu',
    ]);
    const m = manifestOf();
    if (m.task !== 'road-damage' || m.notRoad?.method !== 'mahalanobis') {
      throw new Error('expected a road-damage model with Mahalanobis statistics');
    }
    expect(statSync(path.join(out, 'not-road.bin')).size).toBe(
      m.notRoad.layers.reduce((n, l) => n + notRoadStatsBytes(l.dimensions, l.components), 0),
    );
    expect(m.notRoad.layers.map((l) => [l.layer, l.pooling])).toEqual([
      ['conv_pw_5_relu', 'mean'],
      ['conv_pw_13_relu', 'mean'],
    ]);
    expect(m.notRoad.network).toBeUndefined();
    expect(existsSync(path.join(out, 'not-road-net'))).toBe(false);
    const loaded = await loadModelDir(out);
    const scorer = await readNotRoadStatsFor(out, m);
    const side = m.input.width;
    const photo = await decodePhoto(
      path.join(fixtures, 'images', 'cat.jpg'),
      side,
      side,
      'stretch',
    );
    const x = tf.tidy(() =>
      tf.sub(tf.div(tf.tensor4d(Float32Array.from(photo.data), [1, side, side, 3]), 127.5), 1),
    ) as tf.Tensor4D;
    const forward = await damageForward(loaded.adapter, x, scorer, m.cam.layer);
    x.dispose();
    expect(forward.probabilities[0].length).toBe(m.labels.length);
    expect(Number.isFinite(forward.notRoadScores[0])).toBe(true);
    expect(forward.notRoadScores[0]).toBeGreaterThan(0);
    loaded.dispose();
    disposeNotRoadScorer(scorer);
  }, 240_000);

  it('compares the not-a-road candidates on a folder, halves apart, writing nothing', async () => {
    const before = readFileSync(path.join(out, 'manifest.json'), 'utf8');
    const log = await train([
      'not-road-candidates',
      '--model',
      out,
      ...DATA,
      '--not-road',
      path.join(fixtures, 'images'),
      '--mobilenet',
      path.join(fixtures, 'models', 'mobilenet_v1_0.25_224'),
    ]);
    const rows = log.split('\n').filter((l) => / \| .*% \| .*% \| .*%$/.test(l));
    const side = (JSON.parse(before) as { input: { width: number } }).input.width;
    const own =
      "model's own layers, conv_pw_3_relu+conv_pw_5_relu+conv_pw_7_relu+conv_pw_9_relu+conv_pw_11_relu+conv_pw_13_relu";
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      `${own}, mean`,
      `${own}, mean-std`,
      'ImageNet network at 224 px, conv_pw_13_relu, mean',
      `ImageNet network at ${side} px, conv_pw_13_relu, mean-std`,
      'ImageNet network at 224 px, conv_pw_13_relu, mean-std',
      'ImageNet network at 160 px, conv_pw_13_relu, mean-std',
      'ImageNet network at 128 px, conv_pw_13_relu, mean-std',
      'ImageNet network at 224 px, conv_pw_5_relu+conv_pw_13_relu, mean-std',
      'ImageNet network at 224 px, conv_pw_11_relu+conv_pw_13_relu, mean-std',
      'ImageNet network at 224 px, conv_pw_11_relu, mean-std',
      ...[1, 3, 5, 10, 20].map(() => 'ImageNet network at 224 px, conv_pw_13_relu, mean'),
      'ImageNet network at 224 px, conv_pw_13_relu, mean-std',
      `ImageNet network at ${side} px, conv_pw_13_relu, mean`,
      `${own}, mean`,
    ]);
    // The method column: Mahalanobis for the first ten, then the nearest road photos.
    expect(rows.map((r) => r.split(' | ')[1].replace(/, \d+(\+\d+)* directions$/, ''))).toEqual([
      ...Array(10).fill('Mahalanobis'),
      ...[1, 3, 5, 10, 20, 5, 5, 5].map((k) => `${k} nearest`),
    ]);
    // Two photos in the folder: each half holds one, so each share is 0% or 100%.
    for (const r of rows) {
      const [, , even, odd] = r.split(' | ');
      expect(['0.0%', '100.0%']).toContain(even);
      expect(['0.0%', '100.0%']).toContain(odd);
    }
    expect(readFileSync(path.join(out, 'manifest.json'), 'utf8')).toBe(before);
  }, 240_000);
});
