/**
 * `npm run train -- road-damage` end to end on the repository's fixture photos (a smoke run:
 * one batch, small inputs), then `npm run train -- not-road` on its output: the model folder
 * each writes loads in the app's code and answers a photo with every type and a not-a-road
 * score read from the layers its manifest names.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damageForward, notRoadScorerOf } from '../../src/model/damage-forward';
import { modelManifestSchema } from '../../src/model/manifest';
import { notRoadStatsBytes } from '../../src/model/not-road';
import { decodePhoto } from '../../tools/data/decode';
import { loadModelDir } from '../../tools/lib/model-dir';
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
  it('writes a model folder whose not-a-road score sums the six default layers', async () => {
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
      '--no-eval',
    ]);
    expect(log).toMatch(/not a road: Mahalanobis at conv_pw_3_relu .* summed/);
    const m = manifestOf();
    if (m.task !== 'road-damage' || !m.notRoad) throw new Error('expected a road-damage model');
    expect(m.notRoad.layers.map((l) => l.layer)).toEqual([
      'conv_pw_3_relu',
      'conv_pw_5_relu',
      'conv_pw_7_relu',
      'conv_pw_9_relu',
      'conv_pw_11_relu',
      'conv_pw_13_relu',
    ]);
    expect(m.training?.fieldPotholeRepeat).toBe(5);
    const bytes = m.notRoad.layers.reduce(
      (n, l) => n + notRoadStatsBytes(l.dimensions, l.components),
      0,
    );
    expect(statSync(path.join(out, 'not-road.bin')).size).toBe(bytes);
  }, 240_000);

  it('refits the statistics at other layers, and the app code scores a photo with them', async () => {
    await train([
      'not-road',
      '--model',
      out,
      ...DATA,
      '--not-road-layers',
      'conv_pw_5_relu,conv_pw_13_relu',
    ]);
    const m = manifestOf();
    if (m.task !== 'road-damage' || !m.notRoad) throw new Error('expected a road-damage model');
    expect(m.notRoad.layers.map((l) => l.layer)).toEqual(['conv_pw_5_relu', 'conv_pw_13_relu']);
    const loaded = await loadModelDir(out);
    const scorer = notRoadScorerOf(
      new Uint8Array(readFileSync(path.join(out, 'not-road.bin'))).buffer,
      m.notRoad,
    );
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
  }, 240_000);
});
